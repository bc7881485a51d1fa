package rootfs

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Images pulled with a pod's credentials, the kubelet's way since KEP-2535 (policies:
// verifypolicy.go). With the default, NeverVerifyPreloadedImages, an image that a pull got with
// a pod's image pull secret is used by another pod only if that pod has one of the credentials
// it was pulled with; any other pod pulls it again with its own (the registry decides), or,
// with pull policy Never, is refused. An image pulled anonymously or with the node's
// credentials (credential providers, docker's config.json) is every pod's; a loaded one
// (podctl image load) too, unless the policy says otherwise.

// ErrNotVerified is the cause of ResolveFor's error for an image present here that the pod
// must pull with its own credentials before it may use it.
var ErrNotVerified = errors.New("not verified for this pod")

// notVerified is ResolveFor's error: why the image is ErrNotVerified.
type notVerified struct{ ref, why string }

func (e *notVerified) Error() string { return fmt.Sprintf("image %s: %s", e.ref, e.why) }
func (e *notVerified) Unwrap() error { return ErrNotVerified }

// ResolveFor is Resolve for a pod whose image pull secrets are secrets (nil: none): under the
// store's Verify policy, an image the pod must pull with its own credentials first is an error
// wrapping ErrNotVerified. It never asks the network.
func (s *Store) ResolveFor(ctx context.Context, ref string, secrets Keyring) (*Image, error) {
	r, err := ParseRef(ref)
	if err != nil || r.Kind != KindRegistry || s.Verify == NeverVerify {
		return s.Resolve(ref)
	}
	rec, ok := s.loadRef(r.Name)
	if !ok {
		return nil, fmt.Errorf("image %s: %w", r.Name, ErrNotPresent)
	}
	img, err := s.resolveRecord(r, rec)
	if err != nil {
		return nil, err
	}
	if why := s.unverified(ctx, r, rec, secrets); why != "" {
		return nil, &notVerified{ref: r.Name, why: why}
	}
	return img, nil
}

// unverified says why the pod holding secrets may not use rec's image without pulling it,
// "" when it may.
func (s *Store) unverified(ctx context.Context, r Ref, rec refRecord, secrets Keyring) string {
	if rec.RepoDigest == "" { // loaded, not pulled
		switch s.Verify {
		case AlwaysVerify:
			return "loaded onto this machine, and the AlwaysVerify policy has each pod pull an image itself"
		case NeverVerifyAllowlistedImages:
			if nref, err := s.parseRemote(r.Name); err != nil || !allowlisted(s.VerifyAllowlist, nref.Context().Name()) {
				return "loaded onto this machine, and not on the preloaded images allowlist"
			}
		}
		return ""
	}
	if rec.NeedsSecret && !s.holdsCredential(ctx, r, secrets, rec.Secrets) {
		return "pulled with credentials this pod does not have"
	}
	return ""
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
// A pod's credential makes the image need one, unless the same image was pulled without one
// before (its content is public); pulls of the same image with other pods' credentials add
// theirs to old's (the reference's record before the pull, if any).
func withCredential(rec refRecord, old *refRecord, cred *Credential) refRecord {
	sameImage := old != nil && old.Manifest == rec.Manifest
	if cred == nil || !cred.Pod || sameImage && old.RepoDigest != "" && !old.NeedsSecret {
		return rec // every pod's: pulled without a pod's credential, now or before
	}
	rec.NeedsSecret = true
	if sameImage && old.NeedsSecret {
		rec.Secrets = slices.Clone(old.Secrets)
	}
	if id := credentialID(*cred); !slices.Contains(rec.Secrets, id) {
		rec.Secrets = append(rec.Secrets, id)
	}
	return rec
}
