package local

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFileSpec(t *testing.T) {
	for arg, want := range map[string]fileSpec{
		"web:/etc/hosts": {pod: "web", path: "/etc/hosts"},
		"ns1/web:/tmp/x": {namespace: "ns1", pod: "web", path: "/tmp/x"},
		"./local/file":   {path: "./local/file"},
		"web:":           {pod: "web"},
	} {
		got, err := parseFileSpec(arg)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", arg, got, err, want)
		}
	}
	for _, bad := range []string{":/x", "a/b/c:/x"} {
		if _, err := parseFileSpec(bad); err != errFileSpec {
			t.Errorf("%q: err %v, want %v", bad, err, errFileSpec)
		}
	}
	for args, want := range map[[2]string]string{
		{"a:/x", "b:/y"}: "one of src or dest must be a local file specification",
		{"x", "y"}:       "one of src or dest must be a remote file specification",
		{"a:", "y"}:      "filepath can not be empty",
	} {
		if _, _, err := cpSpecs(args[:]); err == nil || err.Error() != want {
			t.Errorf("%v: err %v, want %q", args, err, want)
		}
	}
}

// TestExtractLocalHostile: an archive from a hostile container writes nothing outside the
// local destination and says what it skipped.
func TestExtractLocalHostile(t *testing.T) {
	top := t.TempDir()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: ".", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "../x", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "/etc/x", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "out", Typeflag: tar.TypeSymlink, Linkname: top},
		{Name: "out/x", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "hard", Typeflag: tar.TypeLink, Linkname: "../../x"},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	var errOut bytes.Buffer
	if err := extractLocal(&b, filepath.Join(top, "dest"), &errOut); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(top)
	if len(entries) != 1 {
		t.Errorf("entries next to dest: %v, want only dest", entries)
	}
	for _, want := range []string{`file "../x" is outside target destination`, `file "/etc/x" is outside`,
		`skipping symlink: "` + top + `/dest/out" -> "` + top, `skipping hardlink: "` + top + `/dest/hard"`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("warnings %q lack %q", errOut.String(), want)
		}
	}
}
