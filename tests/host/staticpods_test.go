package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func staticPod(name, arg string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, sleep, "` + arg + `"]
`
}

// TestStaticPodsDir: podd keeps the pods of --manifests in step with its files while it runs,
// as the kubelet's staticPodPath: a file added runs its pod, a changed pod is replaced (new
// uid), a removed file deletes its pod, and a bad file is reported without stopping the others.
func TestStaticPodsDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		tmp := filepath.Join(dir, "."+name)
		if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("boot.yaml", staticPod("boot", "600"))
	d := StartPodd(t, "--manifests", dir)
	running := podRunning
	boot := d.WaitPod("boot", 10*time.Second, "running from the file there at start", running)
	if boot.Annotations["kubernetes.io/config.source"] != "file" {
		t.Errorf("annotations of a file's pod: %v", boot.Annotations)
	}

	write("later.yaml", staticPod("later", "600"))
	write("bad.yaml", "kind: Pod\nspec: [")
	d.WaitPod("later", 10*time.Second, "running from a file added later", running)

	write("boot.yaml", staticPod("boot", "601"))
	d.WaitPod("boot", 10*time.Second, "replaced after its file changed", func(p *corev1.Pod) error {
		if p.UID == boot.UID {
			return fmt.Errorf("still uid %s", p.UID)
		}
		return running(p)
	})

	os.Remove(filepath.Join(dir, "later.yaml"))
	deadline := time.Now().Add(10 * time.Second)
	for d.Ctl("get", "pod", "later").Code == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pod later still there 10 s after its file was removed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if log := d.poddLog(); !strings.Contains(log, "bad.yaml") {
		t.Errorf("podd did not report the bad file:\n%s", log)
	}
}
