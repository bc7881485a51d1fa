package main

import (
	"bytes"
	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/runtime"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestManifestFiles: only *.yaml, *.yml and *.json regular files are applied.
func TestManifestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.yaml", "b.yml", "c.json", "d.js", "e.y", "f.ym", "g.yaml~", "h", ".yaml", "i.JSON"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := manifestFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	want := []string{".yaml", "a.yaml", "b.yml", "c.json"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("manifestFiles = %q, want %q", names, want)
	}
}

// TestReadManifestHostile: a hostile file is an error naming the reason, never a crash.
func TestReadManifestHostile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"deep.json":    strings.Repeat("[", 2_000_000),
		"deep.yaml":    "kind: Pod\nx: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		"deepobj.json": strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		"garbage.yaml": "\x00\x01\xff: [",
		"big.yaml":     "# " + strings.Repeat("x", 4<<20),
	}
	want := map[string]string{
		"deep.json": "depth", "deep.yaml": "nesting depth", "deepobj.json": "nesting depth",
		"garbage.yaml": "", "big.yaml": "larger than 3145728 bytes",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readManifest(path)
		if err == nil || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: got %v, want an error with %q", name, err, want[name])
		}
	}
}

// TestKernelFlags: podd.KEY=VALUE parameters podd's flags would refuse are reported and
// dropped; the others are kept in order.
func TestKernelFlags(t *testing.T) {
	in := []string{"--run=/test/script", "--bogus=1", "--pids-limit=abc", "--manifests=/etc/podd/manifests",
		"--pod-cidr=nonsense", "--help", "--root=relative", "--pids-limit=100", "--bridge=",
		"--log-max-size=1", "--log-max-files=1", "--log-max-size=20Mi"}
	var report bytes.Buffer
	got := kernelFlags(app(true), in, &report)
	want := []string{"--run=/test/script", "--manifests=/etc/podd/manifests", "--pids-limit=100", "--bridge=", "--log-max-size=20Mi"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kept %q, want %q", got, want)
	}
	for _, w := range []string{"podd.bogus=1 ignored", "podd.pids-limit=abc ignored", "podd.pod-cidr=nonsense ignored",
		"podd.help ignored", "podd.root=relative ignored"} {
		if !strings.Contains(report.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, report.String())
		}
	}
}

// TestPodCIDRFlags: --pod-cidr given replaces the default; given once per family it is
// dual-stack, in order.
func TestPodCIDRFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"10.77.0.0/16"}},
		{[]string{"--pod-cidr=10.9.0.0/16"}, []string{"10.9.0.0/16"}},
		{[]string{"--pod-cidr=fd77::/64", "--pod-cidr=10.9.0.0/16"}, []string{"fd77::/64", "10.9.0.0/16"}},
	} {
		a := app(false)
		var got []string
		a.Action = func(c *config) error {
			o, err := options(c)
			got = o.PodCIDRs
			return err
		}
		if err := a.Run(append([]string{"podd", "--cgroup-root=/x"}, c.args...)); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: PodCIDRs %q, %v; want %q", c.args, got, err, c.want)
		}
	}
	var report bytes.Buffer
	if got := kernelFlags(app(true), []string{"--pod-cidr=10.9.0.0/16,fd77::/64", "--pod-cidr=fd77::/64,fd78::/64"}, &report); len(got) != 1 ||
		!strings.Contains(report.String(), "both IPv6") {
		t.Errorf("kernel flags kept %q, report %q", got, report.String())
	}
}

// TestImageVerifyFlags: the KEP-2535 policy and its allowlist reach the runtime's options; a
// bad one stops podd naming the flag, and is dropped from the kernel command line.
func TestImageVerifyFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		want    rootfs.VerifyPolicy
		allowed []string
		err     string
	}{
		{nil, rootfs.NeverVerifyPreloadedImages, nil, ""},
		{[]string{"--image-pull-credentials-verification-policy=AlwaysVerify"}, rootfs.AlwaysVerify, nil, ""},
		{[]string{"--image-pull-credentials-verification-policy=NeverVerifyAllowlistedImages", "--preloaded-images-verification-allowlist=registry.k8s.io/pause",
			"--preloaded-images-verification-allowlist=example.com/team/*"}, rootfs.NeverVerifyAllowlistedImages, []string{"registry.k8s.io/pause", "example.com/team/*"}, ""},
		{[]string{"--image-pull-credentials-verification-policy=Sometimes"}, "", nil, `--image-pull-credentials-verification-policy: policy "Sometimes": want NeverVerify, `},
		{[]string{"--preloaded-images-verification-allowlist=registry.k8s.io/pause"}, "", nil, "--image-pull-credentials-verification-policy: an allowlist is only for policy NeverVerifyAllowlistedImages, not NeverVerifyPreloadedImages"},
	} {
		a := app(false)
		var got runtime.Options
		a.Action = func(cf *config) error {
			var err error
			got, err = options(cf)
			return err
		}
		err := a.Run(append([]string{"podd", "--cgroup-root=/x"}, c.args...))
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%v: %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got.ImageVerify != c.want || !reflect.DeepEqual(got.ImageVerifyAllowlist, c.allowed) {
			t.Errorf("%v: %q %q %v, want %q %q", c.args, got.ImageVerify, got.ImageVerifyAllowlist, err, c.want, c.allowed)
		}
	}
	var report bytes.Buffer
	kept := kernelFlags(app(true), []string{"--image-pull-credentials-verification-policy=Sometimes",
		"--preloaded-images-verification-allowlist=example.com/app:1", "--image-pull-credentials-verification-policy=NeverVerify"}, &report)
	if !reflect.DeepEqual(kept, []string{"--image-pull-credentials-verification-policy=NeverVerify"}) || strings.Count(report.String(), "ignored") != 2 {
		t.Errorf("kernel flags kept %q, report %q", kept, report.String())
	}
}
