package runtime

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rt "github.com/podd/podd/rootfs/registrytest"
	corev1 "k8s.io/api/core/v1"
)

// gatedClock makes rt.after a clock the test moves: each wait is reported on asked and ends
// when the test sends on tick.
type gatedClock struct {
	asked chan time.Duration
	tick  chan time.Time
}

func gate(r *Runtime) gatedClock {
	g := gatedClock{asked: make(chan time.Duration, 100), tick: make(chan time.Time)}
	r.after = func(d time.Duration) <-chan time.Time {
		g.asked <- d
		return g.tick
	}
	return g
}

// drain answers every later wait at once (a delete's own waits).
func (g gatedClock) drain() {
	go func() {
		for range g.asked {
		}
	}()
}

func (g gatedClock) wait(t *testing.T, want time.Duration) {
	t.Helper()
	select {
	case d := <-g.asked:
		if d != want {
			t.Fatalf("waits %v, want %v", d, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no wait of %v asked for", want)
	}
}

func registryPod(name, image string, policy corev1.PullPolicy) *corev1.Pod {
	in := &corev1.Pod{}
	in.Name, in.Namespace = name, "default"
	in.Spec.RestartPolicy = corev1.RestartPolicyAlways
	in.Spec.Containers = []corev1.Container{{Name: "c", Image: image, ImagePullPolicy: policy, Command: []string{"/bin/app"}}}
	return in
}

func simpleImage(t *testing.T) v1.Image {
	return rt.Image(t, v1.Config{Cmd: []string{"/bin/app"}}, false, rt.Layer(t, rt.File("bin/app", "x")))
}

func wantWaiting(t *testing.T, r *Runtime, name, reason, inMsg string) {
	t.Helper()
	w := status(t, r, name).State.Waiting
	if w == nil || w.Reason != reason || !strings.Contains(w.Message, inMsg) {
		t.Fatalf("waiting %+v, want reason %s with %q in the message", w, reason, inMsg)
	}
}

func wantEvents(t *testing.T, r *Runtime, want ...string) {
	t.Helper()
	evs, _ := r.Events("default")
	var got []string
	for _, e := range evs {
		got = append(got, e.Reason+" "+e.Message)
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no event %q in:\n%s", w, all)
		}
	}
}

// A missing image does not fail the apply: the container waits ErrImagePull, then
// ImagePullBackOff (kubelet's back-off), and starts once the image is pushed.
func TestImagePullBackOffThenStarts(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	image := reg.Ref("app:1")
	out := apply(t, r, registryPod("web", image, corev1.PullIfNotPresent))
	if out.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s, want Pending", out.Status.Phase)
	}
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "web", reasonErrImagePull, "/v2/app/manifests/1: NAME_UNKNOWN")
	clock.tick <- time.Now()
	clock.wait(t, backoffBase-pullErrShown)
	wantWaiting(t, r, "web", reasonImagePullBackOff, "/v2/app/manifests/1: NAME_UNKNOWN")
	wantEvents(t, r, `Pulling Pulling image "`+image+`"`, `Failed Failed to pull image "`+image+`": `,
		"Failed Error: ErrImagePull", `BackOff Back-off pulling image "`+image+`"`, "Failed Error: ImagePullBackOff")
	clock.tick <- time.Now() // the second try fails too: 20 s
	clock.wait(t, pullErrShown)
	clock.tick <- time.Now()
	clock.wait(t, 2*backoffBase-pullErrShown)
	reg.Push(t, "app:1", simpleImage(t))
	clock.tick <- time.Now()
	nextStart(t, h)
	cs := ctrStatus(t, r, "web", "c")
	for end := time.Now().Add(10 * time.Second); cs.State.Running == nil && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond) // the start is recorded after the process runs
		cs = ctrStatus(t, r, "web", "c")
	}
	if cs.State.Running == nil || !strings.HasPrefix(cs.ImageID, reg.Host+"/app@sha256:") {
		t.Errorf("status %+v, want running with imageID repo@sha256", cs)
	}
	wantEvents(t, r, `Pulled Successfully pulled image "`+image+`"`, "Started")
	clock.drain()
	deleteLeavesNothing(t, r, h, "web")
}

// Never: a missing image waits ErrImageNeverPull, without asking any registry.
func TestImageNeverPull(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	apply(t, r, registryPod("web", reg.Ref("app:1"), corev1.PullNever))
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "web", reasonErrImageNeverPull, "is not present with pull policy of Never")
	wantEvents(t, r, reasonErrImageNeverPull+` Container image "`+reg.Ref("app:1")+`" is not present with pull policy of Never`)
	if n := reg.Requests(); n != 0 {
		t.Errorf("%d requests to the registry", n)
	}
	deleteLeavesNothing(t, r, h, "web")
}

// A present image with IfNotPresent starts within the apply, as a local one does; Always pulls.
func TestImagePresentStartsInApply(t *testing.T) {
	r, h := newTestRuntime(t)
	reg := rt.Start(t)
	image := reg.Push(t, "app:1", simpleImage(t))
	if _, err := r.images.Pull(context.Background(), image); err != nil {
		t.Fatal(err)
	}
	out := apply(t, r, registryPod("web", image, corev1.PullIfNotPresent))
	if cs := out.Status.ContainerStatuses[0]; cs.State.Running == nil || !strings.HasPrefix(cs.ImageID, reg.Host+"/app@sha256:") {
		t.Errorf("status %+v", cs)
	}
	wantEvents(t, r, `Pulled Container image "`+image+`" already present on machine`)
	before := reg.Requests()
	apply(t, r, registryPod("always", image, corev1.PullAlways))
	nextStart(t, h)
	nextStart(t, h)
	if reg.Requests() == before {
		t.Error("Always did not ask the registry")
	}
	deletePod(t, r, "web", 0)
	deleteLeavesNothing(t, r, h, "always")
}

// A pull that hangs holds up neither its own apply, nor another pod's, nor the pod's delete.
func TestImagePullHangsNothing(t *testing.T) {
	r, h := newTestRuntime(t)
	reg := rt.Start(t)
	release := make(chan struct{})
	defer close(release)
	reg.Wrap(func(w http.ResponseWriter, req *http.Request, next http.Handler) {
		if strings.Contains(req.URL.Path, "/manifests/") {
			<-release
		}
		next.ServeHTTP(w, req)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		apply(t, r, registryPod("hung", reg.Ref("app:1"), corev1.PullAlways))
		apply(t, r, testPod(t, "local", "c"))
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("applies wait on a hanging pull")
	}
	if w := status(t, r, "hung").State.Waiting; w == nil || w.Reason != "ContainerCreating" {
		t.Errorf("while pulling: %+v, want ContainerCreating", w)
	}
	wantEvents(t, r, `Pulling Pulling image "`+reg.Ref("app:1")+`"`)
	deletePod(t, r, "hung", 0)
	deleteLeavesNothing(t, r, h, "local")
}

// The image config counts as in Kubernetes: args replace CMD under the image's ENTRYPOINT,
// image Env under the container's, WorkingDir; $(VAR) expanded from the container's env.
func TestImageConfigAndExpansion(t *testing.T) {
	r, h := newTestRuntime(t)
	reg := rt.Start(t)
	cfg := v1.Config{Entrypoint: []string{"/bin/ep", "$(A)"}, Cmd: []string{"default"}, WorkingDir: "/srv",
		Env: []string{"PATH=/image/bin", "A=image", "IMG=1"}}
	image := reg.Push(t, "cfg:1", rt.Image(t, cfg, true, rt.Layer(t, rt.File("bin/ep", "x"))))
	in := registryPod("cfg", image, corev1.PullIfNotPresent)
	c := &in.Spec.Containers[0]
	c.Command = nil
	c.Args = []string{"$(A)", "$(B)", "$$(A)", "$(IMG)"}
	c.Env = []corev1.EnvVar{{Name: "A", Value: "pod"}, {Name: "B", Value: "$(A)-b"}}
	apply(t, r, in)
	got := nextStart(t, h).cfg
	if want := []string{"/bin/ep", "$(A)", "pod", "pod-b", "$(A)", "$(IMG)"}; !slices.Equal(got.Args, want) {
		t.Errorf("args %q, want %q", got.Args, want)
	}
	if want := "PATH=/image/bin HOSTNAME=cfg A=pod IMG=1 B=pod-b"; strings.Join(got.Env, " ") != want {
		t.Errorf("env %q, want %q", strings.Join(got.Env, " "), want)
	}
	if got.Cwd != "/srv" {
		t.Errorf("cwd %q, want the image's /srv", got.Cwd)
	}
	deleteLeavesNothing(t, r, h, "cfg")
}

// A restarted podd adopts a container of a pulled image from its store, without a registry,
// and keeps its imageID.
func TestImageRecoveredWithoutRegistry(t *testing.T) {
	r, h := newTestRuntime(t)
	reg := rt.Start(t)
	image := reg.Push(t, "app:1", simpleImage(t))
	apply(t, r, registryPod("web", image, corev1.PullIfNotPresent))
	h.survives(nextStart(t, h))
	var before string
	for end := time.Now().Add(10 * time.Second); before == "" && time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		before = ctrStatus(t, r, "web", "c").ImageID
	}
	reg.Close()
	r2 := h.restart(r)
	r2.Recover()
	cs := ctrStatus(t, r2, "web", "c")
	if cs.State.Running == nil || cs.ImageID != before || before == "" {
		t.Errorf("recovered %+v, want running with imageID %q", cs, before)
	}
	deleteLeavesNothing(t, r2, h, "web")
}
