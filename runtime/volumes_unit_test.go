package runtime

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestHostPathTypeErrors: each type's mismatch gets the kubelet's words; the *OrCreate types
// create what is missing and check what exists.
func TestHostPathTypeErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "missing")
	cases := []struct {
		path string
		typ  corev1.HostPathType
		want string
	}{
		{file, corev1.HostPathDirectory, "hostPath type check failed: " + file + " is not a directory"},
		{file, corev1.HostPathDirectoryOrCreate, "hostPath type check failed: " + file + " is not a directory"},
		{dir, corev1.HostPathFile, "hostPath type check failed: " + dir + " is not a file"},
		{dir, corev1.HostPathFileOrCreate, "hostPath type check failed: " + dir + " is not a file"},
		{file, corev1.HostPathSocket, "hostPath type check failed: " + file + " is not a socket file"},
		{file, corev1.HostPathCharDev, "hostPath type check failed: " + file + " is not a character device"},
		{file, corev1.HostPathBlockDev, "hostPath type check failed: " + file + " is not a block device"},
		{missing, corev1.HostPathDirectory, "hostPath type check failed: " + missing + " is not a directory"},
		{sock, corev1.HostPathSocket, ""},
		{"/dev/null", corev1.HostPathCharDev, ""},
		{filepath.Join(dir, "newdir"), corev1.HostPathDirectoryOrCreate, ""},
		{filepath.Join(dir, "newfile"), corev1.HostPathFileOrCreate, ""},
	}
	for _, c := range cases {
		typ := c.typ
		err := checkHostPath(&corev1.HostPathVolumeSource{Path: c.path, Type: &typ})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s as %s: got %q, want %q", c.path, c.typ, got, c.want)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "newdir")); err != nil || !st.IsDir() {
		t.Errorf("DirectoryOrCreate did not create: %v", err)
	}
}
