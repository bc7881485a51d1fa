package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const fuzzUID = "0f0f0f0f-0000-4000-8000-000000000000"

// recordSeeds are pod records a podd writes (running, restarted, being deleted, terminated) and
// damaged ones (statuses that do not match the containers, bad JSON, another uid).
func recordSeeds(t testing.TB) [][]byte {
	now := metav1.NewTime(time.Now().Add(-time.Minute))
	running := func(name string, restarts int32) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: name, RestartCount: restarts, ContainerID: "podd://" + fuzzUID + "/" + name + "/4242",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}
	}
	pod := func(statuses ...corev1.ContainerStatus) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: fuzzUID}}
		for _, c := range []string{"a", "b"} {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "/", Command: []string{"/bin/app"}})
		}
		p.Spec.RestartPolicy = corev1.RestartPolicyAlways
		p.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.77.0.9", StartTime: &now, ContainerStatuses: statuses}
		return p
	}
	deleting := pod(running("a", 0), running("b", 1))
	deleting.DeletionTimestamp = &now
	never := pod(corev1.ContainerStatus{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}})
	never.Spec.RestartPolicy = corev1.RestartPolicyNever
	other := pod()
	other.UID = "another"
	var seeds [][]byte
	for _, p := range []*corev1.Pod{pod(running("a", 0), running("b", 3)), pod(running("a", 2)), pod(),
		pod(running("b", 1), running("a", -4), running("c", 9)), deleting, never, other} {
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return append(seeds, []byte("{not json"), []byte("null"), []byte("{}"))
}

// No record, however damaged, crashes a restarting podd, and whatever it recovers from one can
// be deleted without leaving anything behind.
func FuzzRecoverRecord(f *testing.F) {
	for _, seed := range recordSeeds(f) {
		f.Add(seed)
	}
	log.SetOutput(io.Discard) // podd's log of each recovery
	f.Cleanup(func() { log.SetOutput(os.Stderr) })
	f.Fuzz(func(t *testing.T, record []byte) {
		// A hang is a failure too: the fuzzer keeps the input of a crash, not of a stuck run.
		stuck := time.AfterFunc(15*time.Second, func() { panic(fmt.Sprintf("recovery of %q hangs", record)) })
		defer stuck.Stop()
		rt, h := newTestRuntime(t)
		dir := filepath.Join(rt.podsDir(), fuzzUID)
		must(t, os.MkdirAll(dir, 0o700))
		must(t, os.WriteFile(filepath.Join(dir, "pod.json"), record, 0o600))
		rt.Recover()
		pods, _ := rt.List("")
		for _, p := range pods {
			grace := int64(0)
			_ = rt.Delete(context.Background(), p.Namespace, p.Name, &grace)
		}
		waitFor(t, func() bool {
			rt.mu.Lock()
			defer rt.mu.Unlock()
			return len(rt.pods) == 0
		})
		if left := leftovers(t, rt, h); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
}
