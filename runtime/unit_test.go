package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/rootfs"
	"github.com/podd/podd/runtime/logfile"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestArgvFollowsKubernetesRules(t *testing.T) {
	img := rootfs.Config{Entrypoint: []string{"/ep"}, Cmd: []string{"cmd-arg"}}
	cases := []struct {
		cmd, args, want []string
	}{
		{nil, nil, []string{"/ep", "cmd-arg"}},
		{[]string{"/bin/sh"}, nil, []string{"/bin/sh"}},
		{nil, []string{"x"}, []string{"/ep", "x"}},
		{[]string{"/bin/sh", "-c"}, []string{"echo"}, []string{"/bin/sh", "-c", "echo"}},
	}
	for _, c := range cases {
		got := argv(&corev1.Container{Command: c.cmd, Args: c.args}, img)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("command %q args %q: got %q, want %q", c.cmd, c.args, got, c.want)
		}
	}
}

func TestEnvPodOverridesImage(t *testing.T) {
	p := &pod{obj: &corev1.Pod{}}
	p.obj.Name = "web"
	c := &container{p: p, spec: &corev1.Container{Env: []corev1.EnvVar{{Name: "A", Value: "pod"}, {Name: "PATH", Value: "/x"}}},
		img: &rootfs.Image{Config: rootfs.Config{Env: []string{"A=image", "B=image"}}}}
	env, _ := c.env()
	got := strings.Join(env, " ")
	want := "PATH=/x HOSTNAME=web A=pod B=image"
	if got != want {
		t.Fatalf("env = %q, want %q", got, want)
	}
}

func TestBackoffDelay(t *testing.T) {
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second}
	for i, w := range want {
		if got := backoffDelay(i + 1); got != w {
			t.Errorf("restart %d: %v, want %v", i+1, got, w)
		}
	}
}

func TestSkipToTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(path, []byte("a\nb\nc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int64]string{-1: "a\nb\nc\n", 0: "", 2: "b\nc\n", 5: "a\nb\nc\n"} {
		f, _ := os.Open(path)
		pos, err := logfile.TailStart(f, 6, n)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		_, err = (&logfile.Selector{}).Copy(&buf, f, pos, -1, true)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != want {
			t.Errorf("tail %d: %q, want %q", n, got, want)
		}
	}
}

func TestPidFromID(t *testing.T) {
	if got := pidFromID("podd://0f8e/web/4242"); got != 4242 {
		t.Fatalf("pid %d", got)
	}
	if got := pidFromID(""); got != 0 {
		t.Fatalf("empty id gave pid %d", got)
	}
}

// Without cpu requests, pod and containers both get kubelet's minimum weight where the cpu
// controller exists, and nothing where it does not.
func TestMinimumWeightAtBothLevels(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	full := &Runtime{avail: map[string]bool{"cpu": true, "pids": true}, opts: Options{PidsLimit: 4096}}
	if w := full.podResources(pod).CPUWeight; w != 1 {
		t.Errorf("pod cpu.weight %d, want 1", w)
	}
	if w := full.containerResources(&pod.Spec.Containers[0]).CPUWeight; w != 1 {
		t.Errorf("container cpu.weight %d, want 1", w)
	}
	hybrid := &Runtime{avail: map[string]bool{}}
	if w := hybrid.podResources(pod).CPUWeight; w != 0 {
		t.Errorf("pod cpu.weight %d without a cpu controller, want 0 (not written)", w)
	}
	withRequest := pod.DeepCopy()
	withRequest.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	if w := full.podResources(withRequest).CPUWeight; w != 100 {
		t.Errorf("pod cpu.weight %d for 1 CPU, want 100", w)
	}
}
