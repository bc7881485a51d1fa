package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// rewriteStatuses replaces the container statuses in a pod's record on disk.
func rewriteStatuses(t *testing.T, rt *Runtime, uid string, edit func(all []corev1.ContainerStatus) []corev1.ContainerStatus) {
	t.Helper()
	path := filepath.Join(rt.podsDir(), uid, "pod.json")
	obj, err := readRecord(path)
	must(t, err)
	obj.Status.ContainerStatuses = edit(obj.Status.ContainerStatuses)
	data, err := json.Marshal(obj)
	must(t, err)
	must(t, os.WriteFile(path, data, 0o600))
}

// withRestarts is a copy of the recorded status named name, with restarts restarts.
func withRestarts(all []corev1.ContainerStatus, name string, restarts int32) corev1.ContainerStatus {
	for _, cs := range all {
		if cs.Name == name {
			cs.RestartCount = restarts
			return cs
		}
	}
	return corev1.ContainerStatus{Name: name, RestartCount: restarts}
}

// A record whose container statuses do not match its containers one to one (fewer, more, out of
// order, repeated or unnamed: an older podd's record or a damaged one) is recovered: each
// container takes the status recorded under its name, or a new one; the others are dropped.
func TestRecoverMatchesStatusesByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctrs []string
		edit func(all []corev1.ContainerStatus) []corev1.ContainerStatus
		want map[string]int32 // container -> restart count after recovery
	}{
		{"fewer", []string{"a", "b", "c"}, func(all []corev1.ContainerStatus) []corev1.ContainerStatus {
			return []corev1.ContainerStatus{withRestarts(all, "a", 3)}
		}, map[string]int32{"a": 3, "b": 0, "c": 0}},
		{"none", []string{"a", "b"}, func([]corev1.ContainerStatus) []corev1.ContainerStatus { return nil },
			map[string]int32{"a": 0, "b": 0}},
		{"more", []string{"a"}, func(all []corev1.ContainerStatus) []corev1.ContainerStatus {
			return []corev1.ContainerStatus{withRestarts(all, "a", 2), withRestarts(all, "ghost", 7), withRestarts(all, "other", 9)}
		}, map[string]int32{"a": 2}},
		{"corrupted", []string{"a", "b"}, func(all []corev1.ContainerStatus) []corev1.ContainerStatus {
			return []corev1.ContainerStatus{{}, withRestarts(all, "b", 5), withRestarts(all, "a", 1), withRestarts(all, "b", 8)}
		}, map[string]int32{"a": 1, "b": 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, h, out, _ := restartedPodd(t, tc.ctrs, tc.ctrs...)
			rewriteStatuses(t, rt, string(out.UID), tc.edit)
			rt.Recover()
			got, err := rt.Get("default", "web")
			if err != nil || len(got.Status.ContainerStatuses) != len(tc.ctrs) {
				t.Fatalf("statuses %+v: %v", got.Status.ContainerStatuses, err)
			}
			for i, cs := range got.Status.ContainerStatuses {
				if cs.Name != tc.ctrs[i] || cs.RestartCount != tc.want[cs.Name] || cs.State.Running == nil {
					t.Errorf("status %d: %s restarts %d running %v, want %s restarts %d running",
						i, cs.Name, cs.RestartCount, cs.State.Running, tc.ctrs[i], tc.want[tc.ctrs[i]])
				}
			}
			deleteLeavesNothing(t, rt, h, "web")
		})
	}
}

// A record whose names would make paths outside podd's directories (a container, volume or
// namespace named "../x"), or with no container, is damaged: kept under corrupt/ like an
// unreadable one, and what its uid owns removed; nothing outside is touched.
func TestRecoverRefusesDamagedNames(t *testing.T) {
	for name, damage := range map[string]func(obj *corev1.Pod){
		"container":     func(obj *corev1.Pod) { obj.Spec.Containers[0].Name = "../../../victim" },
		"same names":    func(obj *corev1.Pod) { obj.Spec.Containers[1].Name = obj.Spec.Containers[0].Name },
		"namespace":     func(obj *corev1.Pod) { obj.Namespace = "../victim" },
		"name":          func(obj *corev1.Pod) { obj.Name = "" },
		"volume":        func(obj *corev1.Pod) { obj.Spec.Volumes = []corev1.Volume{{Name: "../../victim"}} },
		"no containers": func(obj *corev1.Pod) { obj.Spec.Containers = nil },
	} {
		t.Run(name, func(t *testing.T) {
			rt, h, out, _ := restartedPodd(t, []string{"a", "b"})
			uid := string(out.UID)
			path := filepath.Join(rt.podsDir(), uid, "pod.json")
			obj, err := readRecord(path)
			must(t, err)
			damage(obj)
			data, err := json.Marshal(obj)
			must(t, err)
			must(t, os.WriteFile(path, data, 0o600))
			rt.Recover()
			if rt.lookup(obj.Namespace, obj.Name) != nil || len(rt.pods) != 0 {
				t.Error("a damaged record was recovered")
			}
			if _, err := os.Stat(filepath.Join(rt.opts.Root, "corrupt", uid+".pod.json")); err != nil {
				t.Errorf("record not kept: %v", err)
			}
			if left := leftovers(t, rt, h); len(left) != 0 {
				t.Errorf("left %v", left)
			}
		})
	}
}
