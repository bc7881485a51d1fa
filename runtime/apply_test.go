package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func apply(t *testing.T, rt *Runtime, in *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, created, err := rt.Apply(context.Background(), in)
	if err != nil {
		t.Fatalf("apply %s: %v", in.Name, err)
	}
	if created != podopts.ApplyCreated {
		t.Fatalf("apply %s: not created (%s)", in.Name, created)
	}
	return out
}

// An apply runs the sandbox (cgroup, namespaces, address, /etc files), creates and starts each
// container in it, and records the Running pod.
func TestApplyRunsSandboxThenContainers(t *testing.T) {
	rt, h := newTestRuntime(t)
	out := apply(t, rt, testPod(t, "web", "a", "b"))
	uid := string(out.UID)
	if out.Status.Phase != corev1.PodRunning || out.Status.PodIP != "10.77.0.2" || len(out.Status.PodIPs) != 1 {
		t.Errorf("status: phase %s, IP %q %v", out.Status.Phase, out.Status.PodIP, out.Status.PodIPs)
	}
	for _, cs := range out.Status.ContainerStatuses {
		if cs.State.Running == nil || !cs.Ready || !strings.HasPrefix(cs.ContainerID, "podd://"+uid+"/"+cs.Name+"/") {
			t.Errorf("container %s: %+v", cs.Name, cs)
		}
	}
	pods := "cgroup/pods/" + uid
	for _, want := range []string{"cg.create " + pods, "cg.set " + pods, "ns.create run/ns/" + uid, "net.attach " + uid,
		"cg.create " + pods + "/a", "devices.attach " + pods + "/b", "proc.start " + pods + "/a"} {
		if n := h.count(want); n != 1 {
			t.Errorf("%q called %d times; calls: %v", want, n, h.calls)
		}
	}
	p := rt.lookup("default", "web")
	hosts, err := os.ReadFile(filepath.Join(p.etcDir(), "hosts"))
	if err != nil || !strings.Contains(string(hosts), "10.77.0.2\tweb\n") {
		t.Errorf("/etc/hosts: %q, %v", hosts, err)
	}
	if _, err := os.Stat(p.markerPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the applying marker is still there: %v", err)
	}
	rec, err := readRecord(p.stateFile())
	if err != nil || rec.Status.Phase != corev1.PodRunning {
		t.Errorf("record: %v, %v", rec, err)
	}
	events, _ := rt.Events("default")
	if len(events) != 2 || events[0].Reason != reasonStarted {
		t.Errorf("events: %+v", events)
	}
	if got, _ := rt.Get("default", "web"); got.UID != out.UID {
		t.Errorf("Get: %v", got)
	}
	deletePod(t, rt, "web", 0)
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("delete left %v", left)
	}
}

// A failed apply, whatever step fails, leaves nothing: no directory, cgroup, pins, address or
// process, and the pod is not listed.
func TestApplyFailureLeavesNothing(t *testing.T) {
	for _, step := range []string{
		"cg.create @pod",           // the pod cgroup
		"cg.set @pod",              // its limits
		"cg.enable @pod",           // its controllers
		"ns.create",                // the namespaces
		"net.attach",               // the address
		"cg.create /b",             // a container's cgroup
		"cg.set /b",                // its limits
		"devices.attach /b",        // its device filter
		"cg.open /b",               // its cgroup for the clone
		"ns.do",                    // entering the sandbox
		"proc.start /b",            // the second container's start
		"cg.cpumax /b=1000 100000", // the second container's cpu limit, once it runs
	} {
		t.Run(step, func(t *testing.T) {
			rt, h := newTestRuntime(t)
			injected := h.failOn(step)
			in := testPod(t, "web", "a", "b")
			in.Spec.Containers[1].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}
			_, _, err := rt.Apply(context.Background(), in)
			if !errors.Is(err, injected) {
				t.Fatalf("apply: %v, want the injected failure", err)
			}
			if left := leftovers(t, rt, h); len(left) != 0 {
				t.Errorf("left %v; calls %v", left, h.calls)
			}
			if _, err := rt.Get("default", "web"); err == nil {
				t.Error("the failed pod is listed")
			}
			if len(h.called("ns.remove")) != 1 || len(h.called("net.release")) != 1 {
				t.Errorf("the sandbox was not stopped: calls %v", h.calls)
			}
		})
	}
}

// Before anything is made: an image that does not resolve, a hostPath of the wrong type, a
// limit the host cannot enforce are refused and nothing is left.
func TestApplyRefusedBeforeTheSandbox(t *testing.T) {
	cases := map[string]func(*corev1.Pod){
		"image": func(p *corev1.Pod) { p.Spec.Containers[0].Image = "/nonexistent" },
		"hostPath": func(p *corev1.Pod) {
			dir := corev1.HostPathDirectory
			p.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/nonexistent/x", Type: &dir}}}}
		},
		"podd's state": func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		},
		"controller": func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}
		},
		"command": func(p *corev1.Pod) { p.Spec.Containers[0].Command = nil },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			rt, h := newTestRuntime(t)
			delete(h.ctrls, "memory")
			in := testPod(t, "web", "a")
			change(in)
			if _, _, err := rt.Apply(context.Background(), in); err == nil {
				t.Fatal("applied")
			}
			if left := leftovers(t, rt, h); len(left) != 0 {
				t.Errorf("left %v", left)
			}
		})
	}
}

func TestApplyAgain(t *testing.T) {
	rt, h := newTestRuntime(t)
	in := testPod(t, "web", "a")
	first := apply(t, rt, in)
	again, created, err := rt.Apply(context.Background(), in)
	if err != nil || created != podopts.ApplyUnchanged || again.UID != first.UID {
		t.Errorf("the same spec again: created %v, %v", created, err)
	}
	changed := in.DeepCopy()
	changed.Spec.Containers[0].Command = []string{"/bin/other"}
	if _, _, err := rt.Apply(context.Background(), changed); err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("a changed spec: %v", err)
	}
	if n := len(h.called("proc.start")); n != 1 {
		t.Errorf("%d starts", n)
	}
	rt.Shutdown()
	if _, _, err := rt.Apply(context.Background(), testPod(t, "late", "a")); err == nil {
		t.Error("apply during shutdown accepted")
	}
	if left := leftovers(t, rt, h); len(left) != 0 {
		t.Errorf("shutdown left %v", left)
	}
}

func TestVolumesAndBinds(t *testing.T) {
	rt, h := newTestRuntime(t)
	host := t.TempDir()
	in := testPod(t, "vol", "a")
	create := corev1.HostPathDirectoryOrCreate
	file := corev1.HostPathFileOrCreate
	chardev := corev1.HostPathCharDev
	in.Spec.Volumes = []corev1.Volume{
		{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "data", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: filepath.Join(host, "d"), Type: &create}}},
		{Name: "f", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: filepath.Join(host, "f"), Type: &file}}},
		{Name: "null", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/dev/null", Type: &chardev}}},
	}
	in.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"},
		{Name: "data", MountPath: "/etc/hosts"}, {Name: "null", MountPath: "/dev/x", ReadOnly: true}}
	apply(t, rt, in)
	p := rt.lookup("default", "vol")
	cfg, err := p.ctrs[0].config()
	if err != nil {
		t.Fatal(err)
	}
	var dests []string
	for _, b := range cfg.Binds {
		dests = append(dests, b.Dest)
	}
	if want := []string{"/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/cache", "/etc/hosts", "/dev/x"}; !reflect.DeepEqual(dests, want) {
		t.Errorf("binds %v, want %v", dests, want)
	}
	rules, err := p.ctrs[0].deviceRules()
	if err != nil || len(rules) == 0 || rules[len(rules)-1].Major != 1 || rules[len(rules)-1].Minor != 3 {
		t.Errorf("device rules %+v, %v", rules, err)
	}
	for _, path := range []string{filepath.Join(host, "d"), filepath.Join(host, "f"), p.volumeDir("cache")} {
		if _, err := os.Stat(path); err != nil {
			t.Error(err)
		}
	}
	deleteLeavesNothing(t, rt, h, "vol")
}
