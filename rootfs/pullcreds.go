package rootfs

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Images pulled with a pod's credentials, the kubelet's way since KEP-2535 with its default
// policy (NeverVerifyPreloadedImages): an image that a pull got with a pod's image pull secret
// is used by another pod only if that pod has one of the credentials it was pulled with; any
// other pod pulls it again with its own (the registry decides), or, with pull policy Never, is
// refused. An image pulled anonymously or with the node's credentials (credential providers,
// docker's config.json), or loaded (podctl image load), is every pod's.

// ErrNotVerified is ResolveFor's error for an image present here that was pulled with a pod's
// credentials the caller does not have.
var ErrNotVerified = errors.New("pulled with credentials this pod does not have")

// ResolveFor is Resolve for a pod whose image pull secrets are secrets (nil: none): an image
// pulled with a pod's credential is ErrNotVerified unless secrets give one it was pulled with.
// It never asks the network.
func (s *Store) ResolveFor(ctx context.Context, ref string, secrets Keyring) (*Image, error) {
	img, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	r, err := ParseRef(ref)
	if err != nil || r.Kind != KindRegistry {
		return img, err
	}
	rec, ok := s.loadRef(r.Name)
	if !ok || !rec.NeedsSecret || s.holdsCredential(ctx, r, secrets, rec.Secrets) {
		return img, nil
	}
	return nil, fmt.Errorf("image %s: %w", r.Name, ErrNotVerified)
}

// holdsCredential reports whether secrets give, for r's repository, a credential of ids.
func (s *Store) holdsCredential(ctx context.Context, r Ref, secrets Keyring, ids []string) bool {
	if secrets == nil {
		return false
	}
	nref, err := s.parseRemote(r.Name)
	if err != nil {
		return false
	}
	creds, _ := secrets.Lookup(ctx, nref.Context())
	for _, c := range creds {
		if slices.Contains(ids, credentialID(c)) {
			return true
		}
	}
	return false
}

// credentialID is the digest of one credential, what a record keeps of it.
func credentialID(c Credential) string { return credentialsID([]Credential{c}) }

// recordPull saves rec, a pull's new record, with the credential the pull used (nil: none),
// keeping the credentials that pulled the same image before: pulls with other credentials run
// side by side, and none loses another's.
func (s *Store) recordPull(rec refRecord, cred *Credential) error {
	s.recorded.Lock()
	defer s.recorded.Unlock()
	var old *refRecord
	if o, ok := s.loadRef(rec.Name); ok {
		old = &o
	}
	return s.saveRef(withCredential(rec, old, cred))
}

// withCredential is rec, a pull's new record, with the credential the pull used (nil: none).
// A pod's credential makes the image need one; pulls of the same image with other pods'
// credentials add theirs to old's (the reference's record before the pull, if any).
func withCredential(rec refRecord, old *refRecord, cred *Credential) refRecord {
	if cred == nil || !cred.Pod {
		return rec
	}
	rec.NeedsSecret = true
	if old != nil && old.NeedsSecret && old.Manifest == rec.Manifest {
		rec.Secrets = slices.Clone(old.Secrets)
	}
	if id := credentialID(*cred); !slices.Contains(rec.Secrets, id) {
		rec.Secrets = append(rec.Secrets, id)
	}
	return rec
}
