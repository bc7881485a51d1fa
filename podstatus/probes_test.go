package podstatus

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The probes' verdicts drive the container's ready and started, the pod's ContainersReady and
// Ready conditions, and survive the status round trip.
func TestProbedContainer(t *testing.T) {
	spec := &corev1.Container{Name: "app", Image: "img"}
	pod := podOf(corev1.RestartPolicyAlways, "app")
	for _, tc := range []struct {
		name           string
		started, ready bool
	}{
		{"not started", false, false},
		{"started, not ready", true, false},
		{"ready", true, true},
	} {
		o := Container{}.Run(t0, "id1", "img1", 0).Probed(tc.started, tc.ready)
		s := ContainerStatus(spec, o)
		if s.Ready != tc.ready || *s.Started != tc.started {
			t.Errorf("%s: ready=%v started=%v", tc.name, s.Ready, *s.Started)
		}
		if back := Observed(s); !reflect.DeepEqual(back, o) {
			t.Errorf("%s: observed %+v, want %+v", tc.name, back, o)
		}
		st := Generate(pod, Pod{SandboxReady: true, StartTime: t0, Containers: []Container{o}}, t0)
		for _, c := range st.Conditions {
			if c.Type == corev1.PodReady || c.Type == corev1.ContainersReady {
				if want := conditionStatus(tc.ready); c.Status != want {
					t.Errorf("%s: %s=%s, want %s", tc.name, c.Type, c.Status, want)
				}
			}
		}
	}
	if o := (Container{}).Probed(false, false).Run(t0, "id2", "img1", 1); o.Unstarted || o.Unready {
		t.Errorf("a new run keeps the last run's verdict: %+v", o)
	}
}
