package rootfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/podd/podd/internal/testutil"
	rt "github.com/podd/podd/rootfs/registrytest"
)

// secretFor is a pod's keyring of one dockerconfigjson Secret for host.
func secretFor(t *testing.T, host, user, pass string) Keyring {
	t.Helper()
	kr, err := SecretKeyring([]PullSecret{{Name: "s", Type: SecretTypeDockerConfigJSON, Data: map[string][]byte{
		dockerConfigJSONKey: fmt.Appendf(nil, `{"auths":{%q:{"username":%q,"password":%q}}}`, host, user, pass)}}})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// pulledWithSecret is a store holding an image of a registry that wants alice's password,
// pulled with a pod's Secret holding it (kr).
func pulledWithSecret(t *testing.T) (s *Store, reg *rt.Registry, ref string, kr Keyring) {
	testutil.RequireRoot(t)
	reg = rt.Start(t)
	reg.RequireAuth("alice", "s3cret")
	ref = reg.Push(t, "private:1", rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("app", "x"))))
	kr = secretFor(t, reg.Host, "alice", "s3cret")
	s = &Store{Dir: t.TempDir()}
	if _, err := s.PullWith(context.Background(), ref, PullOptions{Secrets: kr}); err != nil {
		t.Fatal(err)
	}
	return s, reg, ref, kr
}

// An image a pull got with a pod's credential is, for ResolveFor, only for a pod with that
// credential, after a restart too (the reference's record keeps it); other pods' pulls with
// their own credentials add theirs; a pull without any (anonymous) makes it every pod's, for
// good.
func TestPullRecordsPodCredential(t *testing.T) {
	ctx := context.Background()
	s, reg, ref, alice := pulledWithSecret(t)
	restarted := &Store{Dir: s.Dir}
	for _, st := range []*Store{s, restarted} {
		if _, err := st.Resolve(ref); err != nil {
			t.Errorf("Resolve (no pod): %v", err)
		}
		if _, err := st.ResolveFor(ctx, ref, nil); !errors.Is(err, ErrNotVerified) {
			t.Errorf("ResolveFor without a secret: %v, want ErrNotVerified", err)
		}
		if _, err := st.ResolveFor(ctx, ref, secretFor(t, reg.Host, "alice", "guess")); !errors.Is(err, ErrNotVerified) {
			t.Errorf("ResolveFor with another password: %v, want ErrNotVerified", err)
		}
		if _, err := st.ResolveFor(ctx, ref, alice); err != nil {
			t.Errorf("ResolveFor with the credential it was pulled with: %v", err)
		}
	}

	// A registry that checks nothing: bob's pull records bob's credential too, and a pull with
	// none makes the image every pod's.
	open := rt.Start(t)
	pub := open.Push(t, "app:1", rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("app", "y"))))
	carol, bob := secretFor(t, open.Host, "carol", "c"), secretFor(t, open.Host, "bob", "b")
	for _, kr := range []Keyring{carol, bob} {
		if _, err := s.PullWith(ctx, pub, PullOptions{Secrets: kr}); err != nil {
			t.Fatal(err)
		}
	}
	for name, kr := range map[string]Keyring{"carol": carol, "bob": bob} {
		if _, err := s.ResolveFor(ctx, pub, kr); err != nil {
			t.Errorf("%s, who pulled it: %v", name, err)
		}
	}
	if _, err := s.ResolveFor(ctx, pub, nil); !errors.Is(err, ErrNotVerified) {
		t.Errorf("no secret, before an anonymous pull: %v, want ErrNotVerified", err)
	}
	if _, err := s.Pull(ctx, pub); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveFor(ctx, pub, nil); err != nil {
		t.Errorf("no secret, after an anonymous pull: %v", err)
	}
	if _, err := s.PullWith(ctx, pub, PullOptions{Secrets: bob}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveFor(ctx, pub, nil); err != nil {
		t.Errorf("no secret, after an anonymous pull and bob's again: %v", err)
	}
}

// Pulls of one image with different pods' credentials at once each add theirs: none is lost
// to another's save of the record.
func TestConcurrentPullsKeepEveryCredential(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := context.Background()
	open := rt.Start(t)
	ref := open.Push(t, "app:1", rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("app", "z"))))
	s := &Store{Dir: t.TempDir()}
	krs := make([]Keyring, 16)
	for i := range krs {
		krs[i] = secretFor(t, open.Host, fmt.Sprint("user", i), "p")
	}
	var wg sync.WaitGroup
	for _, kr := range krs {
		wg.Go(func() {
			if _, err := s.PullWith(ctx, ref, PullOptions{Secrets: kr}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, kr := range krs {
		if _, err := s.ResolveFor(ctx, ref, kr); err != nil {
			t.Errorf("user%d, who pulled it: %v", i, err)
		}
	}
}

// The policies on a loaded image (podctl image load) and on one pulled with a pod's secret:
// NeverVerify lets every pod use both; the default only the loaded one; AlwaysVerify neither;
// NeverVerifyAllowlistedImages the loaded one if its repository is on the allowlist (exactly, or
// under an entry's /*).
func TestVerifyPolicies(t *testing.T) {
	ctx := context.Background()
	s, _, private, _ := pulledWithSecret(t)
	tag, _ := name.NewTag("example.com/team/app:1")
	var archive bytes.Buffer
	if err := tarball.Write(tag, rt.Image(t, pullCfg, false, rt.Layer(t, rt.File("app", "l"))), &archive); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(&archive); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		policy           VerifyPolicy
		allow            []string
		loaded, pulledOK bool
	}{
		{NeverVerify, nil, true, true},
		{"", nil, true, false},
		{NeverVerifyPreloadedImages, nil, true, false},
		{AlwaysVerify, nil, false, false},
		{NeverVerifyAllowlistedImages, nil, false, false},
		{NeverVerifyAllowlistedImages, []string{"example.com/team/app"}, true, false},
		{NeverVerifyAllowlistedImages, []string{"example.com/team/*"}, true, false},
		{NeverVerifyAllowlistedImages, []string{"example.com/*"}, true, false},
		{NeverVerifyAllowlistedImages, []string{"alpine", "docker.io/library/*"}, false, false},
		{NeverVerifyAllowlistedImages, []string{"example.com/team/app/*", "example.com/tea", "other.example.com/team/app"}, false, false},
	} {
		st := &Store{Dir: s.Dir, Verify: c.policy, VerifyAllowlist: c.allow}
		for ref, want := range map[string]bool{"example.com/team/app:1": c.loaded, private: c.pulledOK} {
			_, err := st.ResolveFor(ctx, ref, nil)
			if got := err == nil; got != want || (err != nil && !errors.Is(err, ErrNotVerified)) {
				t.Errorf("%s %q: %s usable without a secret: %v (%v), want %v", c.policy, c.allow, ref, got, err, want)
			}
		}
	}
}

func TestCheckVerifyPolicy(t *testing.T) {
	for _, c := range []struct {
		policy VerifyPolicy
		allow  []string
		ok     bool
	}{
		{"", nil, true},
		{AlwaysVerify, nil, true},
		{NeverVerifyAllowlistedImages, []string{"registry.k8s.io/pause", "docker.io/library/*", "localhost:5000/team/app", "quay.io/*"}, true},
		{NeverVerifyAllowlistedImages, []string{"quay.io"}, false},
		{NeverVerifyAllowlistedImages, []string{"alpine:3"}, false},
		{"Sometimes", nil, false},
		{NeverVerify, []string{"registry.k8s.io/pause"}, false},
		{NeverVerifyAllowlistedImages, []string{"registry.k8s.io/pause:3.10"}, false},
		{NeverVerifyAllowlistedImages, []string{"registry.k8s.io/pause@sha256:" + strings.Repeat("a", 64)}, false},
		{NeverVerifyAllowlistedImages, []string{"registry.k8s.io/*/pause"}, false},
		{NeverVerifyAllowlistedImages, []string{"alpine", "library/alpine/*"}, true},
		{NeverVerifyAllowlistedImages, []string{"*"}, false},
		{NeverVerifyAllowlistedImages, []string{""}, false},
	} {
		if err := CheckVerifyPolicy(c.policy, c.allow); (err == nil) != c.ok {
			t.Errorf("%q %q: %v, want ok %v", c.policy, c.allow, err, c.ok)
		}
	}
}
