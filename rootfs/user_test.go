package rootfs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/podd/podd/internal/testutil"
)

const testPasswd = "root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001::/home/app:/bin/sh\nbroken:x:nope\n"
const testGroup = "root:x:0:\nappgrp:x:1001:\nextra:x:2000:app,other\nwheel:x:10:other\n"

// userLayers makes a lower layer holding /etc/passwd and /etc/group and an upper one made by
// upper (top-most first, as Image.Lowers).
func userLayers(t *testing.T, upper func(dir string)) []string {
	t.Helper()
	base := t.TempDir()
	low, up := filepath.Join(base, "low"), filepath.Join(base, "up")
	must(t, os.MkdirAll(filepath.Join(low, "etc"), 0o755))
	must(t, os.MkdirAll(up, 0o755))
	must(t, os.WriteFile(filepath.Join(low, "etc/passwd"), []byte(testPasswd), 0o644))
	must(t, os.WriteFile(filepath.Join(low, "etc/group"), []byte(testGroup), 0o644))
	if upper != nil {
		upper(up)
	}
	return []string{up, low}
}

func TestLookupUser(t *testing.T) {
	img := &Image{Lowers: userLayers(t, nil)}
	for spec, want := range map[string]User{
		"":            {},
		"0":           {},
		"root":        {},
		"app":         {UID: 1000, GID: 1001, Groups: []uint32{2000}},
		"1000":        {UID: 1000, GID: 1001, Groups: []uint32{2000}},
		"app:10":      {UID: 1000, GID: 10, Groups: []uint32{2000}},
		"app:wheel":   {UID: 1000, GID: 10, Groups: []uint32{2000}},
		"4242":        {UID: 4242},
		"4242:4343":   {UID: 4242, GID: 4343},
		"65534:extra": {UID: 65534, GID: 2000},
	} {
		got, err := img.LookupUser(spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("LookupUser(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"nobody", "app:nogroup", "broken"} {
		if got, err := img.LookupUser(spec); err == nil {
			t.Errorf("LookupUser(%q) = %+v, want an error", spec, got)
		}
	}
}

// The upper layer's passwd wins; its whiteout or an opaque /etc hides the lower one; a symlink
// out of the layer is resolved inside it.
func TestLookupUserThroughLayers(t *testing.T) {
	testutil.RequireRoot(t) // whiteouts are device nodes, opaque dirs trusted.* xattrs
	over := userLayers(t, func(up string) {
		must(t, os.MkdirAll(filepath.Join(up, "etc"), 0o755))
		must(t, os.WriteFile(filepath.Join(up, "etc/passwd"), []byte("app:x:7:7::/:/bin/sh\n"), 0o644))
	})
	if u, err := (&Image{Lowers: over}).LookupUser("app"); err != nil || u.UID != 7 {
		t.Errorf("upper passwd: %+v, %v", u, err)
	}
	whiteout := userLayers(t, func(up string) {
		must(t, unpackBytes(t, up, makeTar(t, dirE("etc"), whE("etc/.wh.passwd"))))
	})
	if u, err := (&Image{Lowers: whiteout}).LookupUser("app"); err == nil {
		t.Errorf("whited-out passwd still read: %+v", u)
	}
	opaque := userLayers(t, func(up string) {
		must(t, unpackBytes(t, up, makeTar(t, dirE("etc"), whE("etc/.wh..wh..opq"))))
	})
	if u, err := (&Image{Lowers: opaque}).LookupUser("app"); err == nil {
		t.Errorf("passwd under an opaque /etc still read: %+v", u)
	}
	host := filepath.Join(t.TempDir(), "passwd")
	must(t, os.WriteFile(host, []byte("app:x:666:666::/:/bin/sh\n"), 0o644))
	escape := userLayers(t, func(up string) {
		must(t, os.MkdirAll(filepath.Join(up, "etc"), 0o755))
		must(t, os.Symlink("../../../../../../.."+host, filepath.Join(up, "etc/passwd")))
	})
	u, err := (&Image{Lowers: escape}).LookupUser("app")
	if err == nil && u.UID == 666 {
		t.Errorf("a symlink in the image read the host's %s", host)
	}
	if err != nil && !strings.Contains(err.Error(), "app") {
		t.Logf("escape: %v", err)
	}
}
