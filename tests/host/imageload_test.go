package host

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"
)

// podctl image load -i FILE takes a docker save archive (written here by go-containerregistry's
// tarball.Write); a pod runs the image by its tag with imagePullPolicy Never, no registry.
func TestImageLoad(t *testing.T) {
	d := StartPodd(t)
	archive := filepath.Join(t.TempDir(), "app.tar")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("example.com/loaded:1")
	if err := tarball.Write(tag, podTestImage(t), f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out := d.MustCtl("image", "load", "-i", archive); !strings.Contains(out, "Loaded image: example.com/loaded:1") {
		t.Errorf("image load: %q", out)
	}
	if out := d.MustCtl("image", "ls"); !strings.Contains(out, "example.com/loaded:1") {
		t.Errorf("image ls: %q", out)
	}
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: loaded}
spec:
  containers:
  - {name: c, image: "example.com/loaded:1", imagePullPolicy: Never, command: [testapp, sleep, "600"]}
`)
	d.WaitPod("loaded", 60*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s, %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	if r := d.Ctl("image", "load", "-i", "/etc/hostname"); r.Code == 0 || !strings.Contains(r.Stderr, "not a tar archive") {
		t.Errorf("load of a non-archive: %v", r)
	}
	empty := filepath.Join(t.TempDir(), "empty.tar")
	writeTar(t, empty, map[string]string{"manifest.json": "[]"})
	if r := d.Ctl("image", "load", "-i", empty); r.Code == 0 || !strings.Contains(r.Stderr, "load: manifest.json: no images found in archive") {
		t.Errorf("load of an archive that lists no image: %v", r)
	}
	d.MustCtl("delete", "pod", "loaded")
	d.AssertNoPods()
}

// writeTar writes a tar archive of files (name to content) at path.
func writeTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for n, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
