package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCapSet(t *testing.T) {
	all, err := nsinit.AllCaps()
	if err != nil {
		t.Fatal(err)
	}
	def := slices.Sorted(slices.Values(nsinit.DefaultCaps))
	for name, tc := range map[string]struct {
		privileged bool
		caps       *corev1.Capabilities
		want       []int
	}{
		"default":        {want: def},
		"privileged":     {privileged: true, caps: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, want: all},
		"drop ALL":       {caps: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, want: []int{}},
		"drop ALL, add":  {caps: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE", "CAP_sys_time"}}, want: []int{unix.CAP_NET_BIND_SERVICE, unix.CAP_SYS_TIME}},
		"add ALL, drop":  {caps: &corev1.Capabilities{Add: []corev1.Capability{"ALL"}, Drop: []corev1.Capability{"CAP_SYS_ADMIN"}}, want: slices.DeleteFunc(slices.Clone(all), func(c int) bool { return c == unix.CAP_SYS_ADMIN })},
		"drop one":       {caps: &corev1.Capabilities{Drop: []corev1.Capability{"NET_RAW"}}, want: slices.DeleteFunc(slices.Clone(def), func(c int) bool { return c == unix.CAP_NET_RAW })},
		"add beats drop": {caps: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}, Drop: []corev1.Capability{"ALL"}}, want: []int{unix.CAP_SYS_ADMIN}},
	} {
		got, err := capSet(tc.privileged, tc.caps)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: caps %v, want %v", name, got, tc.want)
		}
	}
	if _, err := capSet(false, &corev1.Capabilities{Add: []corev1.Capability{"NOPE"}}); err == nil {
		t.Error("an unknown capability was accepted")
	}
}

func TestNoNewPrivs(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		privileged bool
		ape        *bool
		caps       []int
		want       bool
	}{
		{false, nil, nsinit.DefaultCaps, true},
		{true, nil, nsinit.DefaultCaps, false},
		{false, nil, []int{unix.CAP_SYS_ADMIN}, false},
		{false, &yes, nsinit.DefaultCaps, false},
		{false, &no, []int{unix.CAP_SYS_ADMIN}, true},
	} {
		if got := noNewPrivs(tc.privileged, tc.ape, tc.caps); got != tc.want {
			t.Errorf("privileged %v, allowPrivilegeEscalation %v, caps %v: no_new_privs %v, want %v", tc.privileged, tc.ape, tc.caps, got, tc.want)
		}
	}
}

func resources(req, lim string) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{}
	if req != "" {
		r.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(req)}
	}
	if lim != "" {
		r.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(lim), corev1.ResourceCPU: resource.MustParse("1")}
		r.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(lim), corev1.ResourceCPU: resource.MustParse("1")}
	}
	return r
}

// kubelet's worked values (pkg/kubelet/qos/policy_test.go's shape): capacity 4000 MiB.
func TestOOMScoreAdj(t *testing.T) {
	const capacity = 4000 << 20
	for _, tc := range []struct {
		name     string
		res      corev1.ResourceRequirements
		want     int
		capacity int64
	}{
		{"best effort", resources("", ""), 1000, capacity},
		{"guaranteed", resources("", "1Gi"), -997, capacity},
		{"burstable half", resources("2000Mi", ""), 500, capacity},
		{"burstable tiny", resources("1Ki", ""), 999, capacity},
		{"burstable all", resources("4000Mi", ""), 3, capacity},
		{"burstable over", resources("8000Mi", ""), 3, capacity},
		{"burstable 10%", resources("400Mi", ""), 900, capacity},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: tc.res}}}}
		if got := oomScoreAdj(pod, &pod.Spec.Containers[0], tc.capacity); got != tc.want {
			t.Errorf("%s: oom_score_adj %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestParseImageUser(t *testing.T) {
	for user, want := range map[string]string{"": "<nil> <nil> ", "0": "0 <nil> ", "1000:3000": "1000 3000 ", "nginx": "<nil> <nil> nginx", "nginx:1": "<nil> <nil> nginx"} {
		uid, gid, name := parseImageUser(user)
		if got := ptr(uid) + " " + ptr(gid) + " " + name; got != want {
			t.Errorf("%q: %q, want %q", user, got, want)
		}
	}
}

func ptr(p *uint32) string {
	if p == nil {
		return "<nil>"
	}
	return strconv.FormatUint(uint64(*p), 10)
}

// runAsNonRoot: kubelet's messages, word for word.
func TestVerifyNonRoot(t *testing.T) {
	p := &pod{obj: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1"}}}
	c := &container{p: p, spec: &corev1.Container{Name: "app"}}
	zero, thousand := int64(0), int64(1000)
	root, user := uint32(0), uint32(1000)
	for _, tc := range []struct {
		uid    *int64
		imgUID *uint32
		name   string
		want   string
	}{
		{&zero, nil, "", `container's runAsUser breaks non-root policy (pod: "web_default(u1)", container: app)`},
		{&thousand, &root, "", ""},
		{nil, &user, "", ""},
		{nil, &root, "", `container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)`},
		{nil, nil, "", `container has runAsNonRoot and image will run as root (pod: "web_default(u1)", container: app)`},
		{nil, nil, "nginx", `container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "web_default(u1)", container: app)`},
	} {
		err := c.verifyNonRoot(tc.uid, tc.imgUID, tc.name)
		got := ""
		if err != nil {
			got = err.Error()
			if !isConfigError(err) || judgeStart(err, "").reason != reasonCreateContainerConfigError {
				t.Errorf("%v is not a CreateContainerConfigError", err)
			}
		}
		if got != tc.want {
			t.Errorf("uid %v image %v %q: %q, want %q", tc.uid, tc.imgUID, tc.name, got, tc.want)
		}
	}
}

func TestSysctlPaths(t *testing.T) {
	got := sysctlPaths([]corev1.Sysctl{{Name: "net.ipv4.ip_forward", Value: "1"}, {Name: "net/ipv4/conf/eth0.100/forwarding", Value: "0"}})
	want := []string{"net/ipv4/ip_forward=1", "net/ipv4/conf/eth0.100/forwarding=0"}
	if !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

// The image's User, a name or a number, is resolved in its /etc/passwd and /etc/group
// (containerd's way); runAsUser and runAsGroup win over it.
func TestSetUserFromImage(t *testing.T) {
	layer := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(layer, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(layer, "etc/passwd"), []byte("root:x:0:0::/root:/bin/sh\nnginx:x:101:102::/:/bin/false\n"), 0o644))
	must(os.WriteFile(filepath.Join(layer, "etc/group"), []byte("root:x:0:\nnginx:x:102:\nweb:x:300:nginx\n"), 0o644))
	thousand := int64(1000)
	for _, tc := range []struct {
		user string
		sc   *corev1.SecurityContext
		want string
	}{
		{"", nil, "0 0 [0]"},
		{"nginx", nil, "101 102 [102 300]"},
		{"101", nil, "101 102 [102 300]"},
		{"nginx:0", nil, "101 0 [0 300]"},
		{"nginx", &corev1.SecurityContext{RunAsUser: &thousand}, "1000 0 [0]"},
		{"nginx", &corev1.SecurityContext{RunAsGroup: &thousand}, "101 1000 [300 1000]"},
	} {
		p := &pod{obj: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}}
		c := &container{p: p, spec: &corev1.Container{Name: "app"},
			img: &rootfs.Image{Lowers: []string{layer}, Config: rootfs.Config{User: tc.user}}}
		sc := tc.sc
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		var s nsinit.Security
		if err := c.setUser(&s, &corev1.PodSecurityContext{}, sc); err != nil {
			t.Errorf("user %q: %v", tc.user, err)
			continue
		}
		if got := fmt.Sprint(s.UID, s.GID, s.Groups); got != tc.want {
			t.Errorf("user %q %+v: %s, want %s", tc.user, tc.sc, got, tc.want)
		}
	}
	p := &pod{obj: &corev1.Pod{}}
	c := &container{p: p, spec: &corev1.Container{Name: "app"},
		img: &rootfs.Image{Lowers: []string{layer}, Config: rootfs.Config{User: "nobody"}}}
	if err := c.setUser(&nsinit.Security{}, &corev1.PodSecurityContext{}, &corev1.SecurityContext{}); err == nil {
		t.Errorf("a user name missing from the image's /etc/passwd was accepted")
	}
}
