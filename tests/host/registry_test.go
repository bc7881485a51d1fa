package host

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/podd/podd/rootfs/registrytest"
	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
)

// testRegistry serves a registry on loopback inside podd's network namespace (the test pushes
// to it through a second listener in the test's own namespace) and returns both.
func testRegistry(t *testing.T, d *Podd) (*registrytest.Registry, string) {
	t.Helper()
	return testRegistryAt(t, d, "127.0.0.1:0")
}

// testRegistryAt is testRegistry on addr in podd's namespace (its own: any port is free there).
func testRegistryAt(t *testing.T, d *Podd, addr string) (*registrytest.Registry, string) {
	t.Helper()
	reg := registrytest.Start(t)
	var ln net.Listener
	err := inNetNS(d.HolderPID(), func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetUp(lo); err != nil {
			return err
		}
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		t.Fatalf("registry listener in podd's namespace: %v", err)
	}
	return reg, reg.Serve(t, ln)
}

// podTestImage is the podd-test image of the OCI layout the host tests use.
func podTestImage(t *testing.T) v1.Image {
	t.Helper()
	idx, err := layout.Path(testImageDir).ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if m.Annotations["org.opencontainers.image.ref.name"] == "latest" {
			img, err := idx.Image(m.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatalf("no image tagged latest in %s", testImageDir)
	return nil
}

func waitingReason(want string) func(*corev1.Pod) error {
	return func(p *corev1.Pod) error {
		cs, err := containerStatus(p, "c")
		if err != nil {
			return err
		}
		if w := cs.State.Waiting; w == nil || w.Reason != want {
			return fmt.Errorf("state %+v", cs.State)
		}
		return nil
	}
}

func registryPodYAML(name, image string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  containers:
  - {name: c, image: "` + image + `", command: [testapp, sleep, "600"]}
`
}

// A pod whose image is in a loopback registry runs; one whose image is missing waits
// ErrImagePull, then ImagePullBackOff with the registry's error, and starts once the image
// is pushed.
func TestRegistryImage(t *testing.T) {
	d := StartPodd(t)
	reg, host := testRegistry(t, d)
	img := podTestImage(t)
	reg.Push(t, "x:1", img)
	d.Apply(registryPodYAML("pulled", host+"/x:1"))
	p := d.WaitPod("pulled", 60*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s, %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	if id := p.Status.ContainerStatuses[0].ImageID; !strings.HasPrefix(id, host+"/x@sha256:") {
		t.Errorf("imageID %q, want %s/x@sha256:...", id, host)
	}
	if got := strings.TrimSpace(d.MustCtl("exec", "pulled", "--", "cat", "/etc/hostname")); got != "pulled" {
		t.Errorf("exec in the pulled container: %q", got)
	}

	d.Apply(registryPodYAML("missing", host+"/missing:1"))
	p = d.WaitPod("missing", 30*time.Second, "ErrImagePull", waitingReason("ErrImagePull"))
	if msg := p.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "NAME_UNKNOWN") {
		t.Errorf("ErrImagePull message %q, want the registry's error", msg)
	}
	d.WaitPod("missing", 30*time.Second, "ImagePullBackOff", waitingReason("ImagePullBackOff"))
	reg.Push(t, "missing:1", img)
	d.WaitPod("missing", 60*time.Second, "running after the push", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s, %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	events := d.MustCtl("describe", "pod", "missing")
	for _, want := range []string{"Pulling", "Pulled", "Failed", "BackOff", "ErrImagePull", "ImagePullBackOff"} {
		if !strings.Contains(events, want) {
			t.Errorf("no %s event in:\n%s", want, events)
		}
	}
	d.MustCtl("delete", "pod", "pulled", "missing")
	d.AssertNoPods()
}

// podctl image pull, ls, rm (refused while a pod names the image) and prune.
func TestImageCommands(t *testing.T) {
	d := StartPodd(t)
	reg, host := testRegistry(t, d)
	reg.Push(t, "x:1", podTestImage(t))
	ref := host + "/x:1"
	if out := d.MustCtl("image", "pull", ref); !strings.Contains(out, host+"/x@sha256:") {
		t.Errorf("image pull: %q", out)
	}
	if out := d.MustCtl("image", "ls"); !strings.Contains(out, ref) {
		t.Errorf("image ls: %q", out)
	}
	d.Apply(registryPodYAML("user", ref))
	d.WaitPod("user", 30*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	if r := d.Ctl("image", "rm", ref); r.Code == 0 || !strings.Contains(r.Stderr, "uses it") {
		t.Errorf("image rm of an image in use: %v", r)
	}
	if out := d.MustCtl("image", "prune"); !strings.Contains(out, "0 images") {
		t.Errorf("prune removed what a pod uses: %q", out)
	}
	d.MustCtl("delete", "pod", "user")
	d.MustCtl("image", "rm", ref)
	if out := d.MustCtl("image", "prune"); !strings.Contains(out, "1 images") {
		t.Errorf("image prune: %q", out)
	}
	if out := d.MustCtl("image", "ls"); strings.Contains(out, ref) {
		t.Errorf("image ls after rm: %q", out)
	}
}
