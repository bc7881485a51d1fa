package rootfs

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// VerifyPolicy is the kubelet's imagePullCredentialsVerificationPolicy (KEP-2535): which of
// the images present here a pod must show credentials for before it may use them without a
// pull of its own.
type VerifyPolicy string

const (
	// NeverVerify: every image present is every pod's (the kubelet before KEP-2535).
	NeverVerify VerifyPolicy = "NeverVerify"
	// NeverVerifyPreloadedImages, the default: images pulled with a pod's credential are
	// checked; loaded ones (podctl image load) are not.
	NeverVerifyPreloadedImages VerifyPolicy = "NeverVerifyPreloadedImages"
	// NeverVerifyAllowlistedImages: as the default, but a loaded image is every pod's only if
	// its repository is on the allowlist.
	NeverVerifyAllowlistedImages VerifyPolicy = "NeverVerifyAllowlistedImages"
	// AlwaysVerify: loaded images too are pulled by each pod before it uses them.
	AlwaysVerify VerifyPolicy = "AlwaysVerify"
)

// CheckVerifyPolicy checks a policy and its allowlist of repositories (each an image name
// without tag or digest, such as "registry.k8s.io/pause" or "alpine", or with a "/*" suffix
// for every repository under it, "HOST/*" included): the allowlist is only for
// NeverVerifyAllowlistedImages.
func CheckVerifyPolicy(p VerifyPolicy, allowlist []string) error {
	switch p {
	case "", NeverVerify, NeverVerifyPreloadedImages, AlwaysVerify:
		if len(allowlist) > 0 {
			return fmt.Errorf("an allowlist is only for policy %s, not %s", NeverVerifyAllowlistedImages, p)
		}
	case NeverVerifyAllowlistedImages:
	default:
		return fmt.Errorf("policy %q: want %s, %s, %s or %s", p, NeverVerify, NeverVerifyPreloadedImages, NeverVerifyAllowlistedImages, AlwaysVerify)
	}
	for _, e := range allowlist {
		if _, _, err := allowlistEntry(e); err != nil {
			return err
		}
	}
	return nil
}

// allowlistEntry parses an allowlist entry: the repository it names as go-containerregistry
// names it (docker.io is index.docker.io; a familiar name such as "alpine" is Docker Hub's
// library/alpine, as the kubelet matches it), or, for an entry ending in "/*", the registry or
// repository path the repositories it stands for are under (under).
func allowlistEntry(e string) (repo string, under bool, err error) {
	path, under := strings.CutSuffix(e, "/*")
	host, _, _ := strings.Cut(path, "/")
	bad := func(why string) (string, bool, error) {
		return "", false, fmt.Errorf("allowlist entry %q: want HOST/PATH or HOST/PATH/* (or HOST/*): %s", e, why)
	}
	isHost := strings.ContainsAny(host, ".:") || host == "localhost" // docker's rule: else a Docker Hub name
	switch {
	case strings.ContainsAny(path, "*@"):
		return bad("no digest, no other wildcard")
	case strings.Contains(path[len(host):], ":") || !isHost && strings.Contains(host, ":"):
		return bad("no tag")
	case path == host && isHost && !under:
		return bad("a registry alone needs /*")
	case path == host && isHost:
		reg, err := name.NewRegistry(host)
		if err != nil {
			return bad(err.Error())
		}
		return reg.Name(), true, nil
	}
	r, err := name.NewRepository(path)
	if err != nil {
		return bad(err.Error())
	}
	return r.Name(), under, nil
}

// allowlisted reports whether the repository repo (its go-containerregistry name) is on list.
func allowlisted(list []string, repo string) bool {
	for _, e := range list {
		r, under, err := allowlistEntry(e)
		if err == nil && (under && strings.HasPrefix(repo, r+"/") || !under && repo == r) {
			return true
		}
	}
	return false
}
