package cgroupfs

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestSharesFromMilliCPU(t *testing.T) {
	for _, tc := range []struct {
		milli int64
		want  uint64
	}{
		{1000, 1024},
		{100, 102}, // 102400/1000 = 102.4, rounded down
		{250, 256},
		{500, 512},
		{2000, 2048},
		{1, 2}, // 1.024 -> 1, raised to the minimum
		{0, 2},
		{-5, 2},
		{255999, 262142}, // 262142.976, rounded down
		{256000, 262144}, // the maximum is reached exactly
		{1000000, 262144},
		{math.MaxInt64, 262144}, // no overflow
	} {
		if got := SharesFromMilliCPU(tc.milli); got != tc.want {
			t.Errorf("SharesFromMilliCPU(%d) = %d, want %d", tc.milli, got, tc.want)
		}
	}
}

// Worked values of the quadratic map, computed by hand with the exponent written as
// e = (L^2 + 125L - 126)/612 (7/34 = 126/612), L = log2(shares):
//
//	shares 2      (<=1m)  : L=1,  e=0/612=0                        -> 10^0      = 1
//	shares 3              : L=1.585, e=74.63/612=0.12195           -> 1.324     -> 2
//	shares 102    (100m)  : L=6.6724, e=752.57/612=1.22970         -> 16.97     -> 17
//	shares 256    (250m)  : L=8,  e=(64+1000-126)/612=938/612=1.53268   -> 34.09 -> 35
//	shares 512    (500m)  : L=9,  e=(81+1125-126)/612=1080/612=1.76471  -> 58.17 -> 59
//	shares 1024   (1000m) : L=10, e=(100+1250-126)/612=1224/612=2       -> 100
//	shares 2048   (2000m) : L=11, e=(121+1375-126)/612=1370/612=2.23856 -> 173.21 -> 174
//	shares 4096   (4000m) : L=12, e=(144+1500-126)/612=1518/612=2.48039 -> 302.27 -> 303
//	shares 262143         : L=17.9999945, e=3.9999986              -> 9999.97   -> 10000
//	shares 262144 (256 CPUs): L=18, e=(324+2250-126)/612=2448/612=4     -> 10000
//
// (The kubelet's linear map would give 1 + (1024-2)*9999/262142 = 39 for 1 CPU.)
func TestWeightFromShares(t *testing.T) {
	for _, tc := range []struct {
		shares uint64
		want   uint64
	}{
		{0, 0},
		{1, 1},
		{2, 1},
		{3, 2},
		{102, 17},
		{256, 35},
		{512, 59},
		{1024, 100},
		{2048, 174},
		{4096, 303},
		{262143, 10000},
		{262144, 10000},
		{1 << 30, 10000},
	} {
		if got := WeightFromShares(tc.shares); got != tc.want {
			t.Errorf("WeightFromShares(%d) = %d, want %d", tc.shares, got, tc.want)
		}
	}
}

// The map must be monotonic and stay inside [1, 10000] over the whole shares range.
func TestWeightFromSharesMonotonic(t *testing.T) {
	prev := uint64(0)
	for s := uint64(1); s <= MaxShares; s++ {
		w := WeightFromShares(s)
		if w < prev || w < MinWeight || w > MaxWeight {
			t.Fatalf("WeightFromShares(%d) = %d after %d", s, w, prev)
		}
		prev = w
	}
}

func TestCPUMaxFromMilliCPU(t *testing.T) {
	for _, tc := range []struct {
		milli int64
		want  string
	}{
		{500, "50000 100000"},
		{1, "1000 100000"}, // 100us, raised to the 1000us minimum
		{10, "1000 100000"},
		{11, "1100 100000"},
		{0, "max 100000"},
		{-1, "max 100000"},
		{2500, "250000 100000"},
		{1000, "100000 100000"},
		{math.MaxInt64, "max 100000"}, // would overflow
	} {
		if got := CPUMaxFromMilliCPU(tc.milli); got != tc.want {
			t.Errorf("CPUMaxFromMilliCPU(%d) = %q, want %q", tc.milli, got, tc.want)
		}
	}
}

func rl(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

func ctr(req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

func ptr[T any](v T) *T { return &v }

func TestContainerResources(t *testing.T) {
	const mi = 1 << 20
	for _, tc := range []struct {
		name string
		c    corev1.Container
		want Resources
	}{
		{"none", ctr(nil, nil), Resources{OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"requests and limits",
			ctr(rl("cpu", "250m", "memory", "32Mi"), rl("cpu", "500m", "memory", "64Mi")),
			Resources{CPUWeight: 35, CPUMax: "50000 100000", MemoryMax: 64 * mi, OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"limit only: request defaults to the limit",
			ctr(nil, rl("cpu", "2")),
			Resources{CPUWeight: 174, CPUMax: "200000 100000", OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"request only",
			ctr(rl("cpu", "1", "memory", "1Gi"), nil),
			Resources{CPUWeight: 100, OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"zero values are absent",
			ctr(rl("cpu", "0"), rl("cpu", "0", "memory", "0")),
			Resources{OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"1m", ctr(rl("cpu", "1m"), rl("cpu", "1m")),
			Resources{CPUWeight: 1, CPUMax: "1000 100000", OOMGroup: true, SwapMax: ptr(int64(0))}},
		{"fractional memory rounds up", ctr(nil, rl("memory", "1.5")),
			Resources{MemoryMax: 2, OOMGroup: true, SwapMax: ptr(int64(0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ContainerResources(&tc.c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %s, want %s", fmtRes(got), fmtRes(tc.want))
			}
		})
	}
}

// fmtRes prints r with *SwapMax dereferenced.
func fmtRes(r Resources) string {
	swap := "nil"
	if r.SwapMax != nil {
		swap = fmt.Sprint(*r.SwapMax)
	}
	r.SwapMax = nil
	return fmt.Sprintf("%+v (SwapMax %s)", r, swap)
}

func pod(init []corev1.Container, ctrs ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{InitContainers: init, Containers: ctrs}}
}

func sidecar(c corev1.Container) corev1.Container {
	c.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
	return c
}

func TestPodResources(t *testing.T) {
	const mi = 1 << 20
	full := func() []corev1.Container {
		return []corev1.Container{
			ctr(rl("cpu", "250m"), rl("cpu", "500m", "memory", "64Mi")),
			ctr(rl("cpu", "750m"), rl("cpu", "1", "memory", "128Mi")),
		}
	}
	withOverhead := pod(nil, full()...)
	withOverhead.Spec.Overhead = rl("cpu", "250m", "memory", "8Mi")
	podLevel := pod(nil, ctr(rl("cpu", "100m"), nil), ctr(nil, nil))
	podLevel.Spec.Resources = &corev1.ResourceRequirements{Limits: rl("cpu", "2", "memory", "1Gi")}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want Resources
	}{
		{"no resources", pod(nil, ctr(nil, nil), ctr(nil, nil)), Resources{PidsMax: 4096}},
		// requests 250m+750m = 1000m -> weight 100; limits 500m+1000m -> 150000; 64Mi+128Mi.
		{"all limits: sums", pod(nil, full()...),
			Resources{CPUWeight: 100, CPUMax: "150000 100000", MemoryMax: 192 * mi, PidsMax: 4096}},
		// The second container's cpu limit is missing: no cpu.max; memory.max still summed.
		{"one cpu limit missing", pod(nil, full()[0], ctr(rl("cpu", "750m"), rl("memory", "128Mi"))),
			Resources{CPUWeight: 100, MemoryMax: 192 * mi, PidsMax: 4096}},
		// The second container's memory limit is missing: no memory.max; its cpu request
		// defaults to its limit (1000m): 1250m = 1280 shares, L=10.3219, e=1270.78/612=2.07644
		// -> 119.25 -> weight 120.
		{"one memory limit missing", pod(nil, full()[0], ctr(nil, rl("cpu", "1"))),
			Resources{CPUWeight: 120, CPUMax: "150000 100000", PidsMax: 4096}},
		{"no limits at all", pod(nil, ctr(rl("cpu", "500m"), nil), ctr(rl("cpu", "1500m"), nil)),
			Resources{CPUWeight: 174, PidsMax: 4096}},
		// An init container's 2 CPUs / 1Gi exceed the app containers' sums.
		{"init container larger than the apps",
			pod([]corev1.Container{ctr(rl("cpu", "2"), rl("cpu", "2", "memory", "1Gi"))}, full()...),
			Resources{CPUWeight: 174, CPUMax: "200000 100000", MemoryMax: 1024 * mi, PidsMax: 4096}},
		{"init container without limits leaves the pod unlimited",
			pod([]corev1.Container{ctr(rl("cpu", "100m"), nil)}, full()...),
			Resources{CPUWeight: 100, PidsMax: 4096}},
		// A sidecar adds to the apps: 1000m + 1000m = 2000m, 1500m + 1000m, 192Mi + 64Mi.
		{"sidecar adds up",
			pod([]corev1.Container{sidecar(ctr(rl("cpu", "1"), rl("cpu", "1", "memory", "64Mi")))}, full()...),
			Resources{CPUWeight: 174, CPUMax: "250000 100000", MemoryMax: 256 * mi, PidsMax: 4096}},
		// 1000m + 250m overhead = 1250m; limits 1500m + 250m; 192Mi + 8Mi.
		{"overhead", withOverhead,
			Resources{CPUWeight: 120, CPUMax: "175000 100000", MemoryMax: 200 * mi, PidsMax: 4096}},
		// Pod-level limits apply although containers have none; the weight defaults from the
		// pod-level cpu limit (2 CPUs).
		{"pod-level resources", podLevel,
			Resources{CPUWeight: 174, CPUMax: "200000 100000", MemoryMax: 1024 * mi, PidsMax: 4096}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodResources(tc.pod, 4096); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %s, want %s", fmtRes(got), fmtRes(tc.want))
			}
		})
	}
	if got := PodResources(pod(nil, ctr(nil, nil)), 0); !reflect.DeepEqual(got, Resources{}) {
		t.Errorf("pidsMax 0: got %+v, want zero Resources", got)
	}
}

func TestNeededControllers(t *testing.T) {
	for _, tc := range []struct {
		r    Resources
		want []string
	}{
		{Resources{}, nil},
		{Resources{CPUWeight: 100}, []string{"cpu"}},
		{Resources{CPUMax: "max 100000"}, []string{"cpu"}},
		{Resources{MemoryMax: 1}, []string{"memory"}},
		{Resources{OOMGroup: true}, []string{"memory"}},
		{Resources{SwapMax: ptr(int64(0))}, []string{"memory"}},
		{Resources{PidsMax: 10}, []string{"pids"}},
		{Resources{PidsMax: 10, CPUWeight: 1, MemoryMax: 1}, []string{"cpu", "memory", "pids"}},
		{ContainerResources(&corev1.Container{}), []string{"memory"}},
	} {
		if got := NeededControllers(tc.r); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NeededControllers(%s) = %q, want %q", fmtRes(tc.r), got, tc.want)
		}
	}
}

func TestCheckPod(t *testing.T) {
	none := map[string]bool{}
	p := pod(nil, ctr(nil, rl("memory", "64Mi")))
	err := CheckPod(p, none)
	const want = `spec.containers[0].resources.limits.memory: the "memory" cgroup v2 controller is not available on this host (cgroup v1 or hybrid mode); podd will not run the pod without enforcing it`
	if err == nil || err.Error() != want {
		t.Fatalf("CheckPod = %v, want %s", err, want)
	}
	var mce *MissingControllerError
	if !errors.As(err, &mce) || mce.Field != "spec.containers[0].resources.limits.memory" || mce.Controller != "memory" {
		t.Errorf("errors.As: %+v", mce)
	}
	if err := CheckPod(p, map[string]bool{"memory": true}); err != nil {
		t.Errorf("memory available: %v", err)
	}

	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		avail map[string]bool
		field string // "" = accepted
	}{
		{"no resources", pod(nil, ctr(nil, nil), ctr(nil, nil)), none, ""},
		{"memory request needs nothing", pod(nil, ctr(rl("memory", "1Gi"), nil)), none, ""},
		{"zero limits are absent", pod(nil, ctr(rl("cpu", "0"), rl("memory", "0"))), none, ""},
		{"cpu request", pod(nil, ctr(nil, nil), ctr(rl("cpu", "100m"), nil)), none, "spec.containers[1].resources.requests.cpu"},
		{"limits.cpu before limits.memory", pod(nil, ctr(nil, rl("cpu", "1", "memory", "1Gi"))), none, "spec.containers[0].resources.limits.cpu"},
		{"cpu available, memory not", pod(nil, ctr(rl("cpu", "1"), rl("cpu", "1", "memory", "1Gi"))), map[string]bool{"cpu": true}, "spec.containers[0].resources.limits.memory"},
		{"cpu available", pod(nil, ctr(rl("cpu", "1"), rl("cpu", "1"))), map[string]bool{"cpu": true}, ""},
		{"init container first", pod([]corev1.Container{ctr(nil, rl("memory", "1Gi"))}, ctr(nil, rl("memory", "1Gi"))), none, "spec.initContainers[0].resources.limits.memory"},
		{"pod-level", &corev1.Pod{Spec: corev1.PodSpec{Resources: &corev1.ResourceRequirements{Limits: rl("memory", "1Gi")}, Containers: []corev1.Container{ctr(nil, nil)}}}, none, "spec.resources.limits.memory"},
		{"overhead cpu", &corev1.Pod{Spec: corev1.PodSpec{Overhead: rl("cpu", "100m"), Containers: []corev1.Container{ctr(nil, nil)}}}, none, "spec.overhead.cpu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPod(tc.pod, tc.avail)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var mce *MissingControllerError
			if !errors.As(err, &mce) || mce.Field != tc.field {
				t.Fatalf("CheckPod = %v, want field %s", err, tc.field)
			}
		})
	}
}

// CheckPod and the Resources agree: a pod CheckPod accepts with no controllers makes Set
// write nothing that needs a controller besides the optional memory files.
func TestCheckPodMatchesResources(t *testing.T) {
	p := pod([]corev1.Container{ctr(rl("memory", "1Gi"), nil)}, ctr(nil, nil), ctr(rl("memory", "64Mi"), nil))
	if err := CheckPod(p, map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if got := NeededControllers(PodResources(p, 0)); got != nil {
		t.Errorf("pod needs %q", got)
	}
	for i := range p.Spec.Containers {
		r := ContainerResources(&p.Spec.Containers[i])
		if r.CPUWeight != 0 || r.CPUMax != "" || r.MemoryMax != 0 || r.PidsMax != 0 {
			t.Errorf("container %d: %+v", i, r)
		}
	}
}
