package runtime

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/mounts"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// fakeNFS makes mount(2) of nfs refuse the first `refused` calls with ECONNREFUSED, then succeed,
// and records each call's fstype, source and target.
func fakeNFS(t *testing.T, refused int) func() []string {
	var mu sync.Mutex
	var calls []string
	nfsMount = func(source, target, fstype string, flags uintptr, data string, gate func(func() error) error) error {
		mu.Lock()
		calls = append(calls, fstype+" "+source+" "+target)
		n := len(calls)
		mu.Unlock()
		if n <= refused {
			return unix.ECONNREFUSED
		}
		return gate(func() error { return nil })
	}
	t.Cleanup(func() { nfsMount = mounts.MountDetached })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), calls...)
	}
}

func nfsPod(t *testing.T, readOnly bool) *corev1.Pod {
	in := testPod(t, "web", "app", "side")
	in.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		NFS: &corev1.NFSVolumeSource{Server: "10.0.0.2", Path: "/exports", ReadOnly: readOnly}}}}
	for i := range in.Spec.Containers {
		in.Spec.Containers[i].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data", ReadOnly: i == 1}}
	}
	return in
}

// An nfs volume the server refuses leaves the pod's containers waiting with kubelet's FailedMount
// event naming the server and the errno; once mounted (once for the pod) both containers start
// with a bind of the volume directory, read-only where the volumeMount says so.
func TestNFSVolumeWaitsForItsServer(t *testing.T) {
	calls := fakeNFS(t, 4) // two attempts: 4.2 refused, then v3 refused
	rt, h := newTestRuntime(t)
	apply(t, rt, nfsPod(t, false))
	procs := map[string]*fakeProc{}
	for range 2 {
		p := nextStart(t, h)
		procs[p.name] = p
	}
	dir := rt.lookup("default", "web").volumeDir("data")
	if got := calls(); len(got) != 5 || got[4] != "nfs4 10.0.0.2:/exports "+dir {
		t.Errorf("mount calls %q, want 4 refused and one nfs4 mount on %s", got, dir)
	}
	want := `MountVolume.SetUp failed for volume "data" : mount nfs 10.0.0.2:/exports (10.0.0.2): ` +
		`vers=4.2: ECONNREFUSED (connection refused); vers=3: ECONNREFUSED (connection refused)`
	if evs := eventsOf(t, rt, reasonFailedMount); len(evs) == 0 || evs[0].Message != want || evs[0].Type != corev1.EventTypeWarning {
		t.Errorf("FailedMount events %+v, want a warning %q", evs, want)
	}
	for name, ro := range map[string]bool{"app": false, "side": true} {
		b := bindAt(procs[name], "/data")
		if b == nil || b.Source != dir || b.ReadOnly != ro {
			t.Errorf("container %s: bind %+v, want %s read-only=%v", name, b, dir, ro)
		}
	}
	deleteLeavesNothing(t, rt, h, "web")
}

// readOnly on the volume mounts the export read-only and binds it read-only everywhere.
func TestNFSVolumeReadOnly(t *testing.T) {
	var flags uintptr
	nfsMount = func(_, _, _ string, f uintptr, _ string, gate func(func() error) error) error {
		flags = f
		return gate(func() error { return nil })
	}
	t.Cleanup(func() { nfsMount = mounts.MountDetached })
	rt, h := newTestRuntime(t)
	apply(t, rt, nfsPod(t, true))
	for range 2 {
		if b := bindAt(nextStart(t, h), "/data"); b == nil || !b.ReadOnly {
			t.Errorf("bind %+v, want read-only", b)
		}
	}
	if flags&unix.MS_RDONLY == 0 {
		t.Errorf("mount flags %#x, want MS_RDONLY", flags)
	}
	deleteLeavesNothing(t, rt, h, "web")
}

func bindAt(p *fakeProc, dest string) *mounts.Bind {
	for i := range p.cfg.Binds {
		if p.cfg.Binds[i].Dest == dest {
			return &p.cfg.Binds[i]
		}
	}
	return nil
}

// A server that does not answer holds only its own mount attempt: the pod is deleted at once,
// and the mount the attempt makes once the server answers is never attached (the teardown
// removed the pod first). Before, the attempt held the lock the teardown takes, and a delete
// waited out the kernel's RPC timeouts (~30 s a version).
func TestNFSSilentServerDoesNotHoldTheDelete(t *testing.T) {
	answer := make(chan struct{})
	attempting := make(chan struct{}, 1)
	attached := make(chan error, 1)
	nfsMount = func(_, _, _ string, _ uintptr, _ string, gate func(func() error) error) error {
		attempting <- struct{}{}
		<-answer
		err := gate(func() error { attached <- nil; return nil })
		attached <- err
		return err
	}
	t.Cleanup(func() { nfsMount = mounts.MountDetached })
	rt, h := newTestRuntime(t)
	apply(t, rt, nfsPod(t, false))
	select {
	case <-attempting:
	case <-time.After(10 * time.Second):
		t.Fatal("no mount attempt")
	}
	deleted := make(chan struct{})
	go func() {
		deleteLeavesNothing(t, rt, h, "web")
		close(deleted)
	}()
	select {
	case <-deleted:
	case <-time.After(10 * time.Second):
		close(answer)
		t.Fatal("the delete waits for the mount attempt")
	}
	close(answer)
	if err := <-attached; !errors.Is(err, errNFSRemoved) {
		t.Fatalf("the late mount: %v, want it discarded (%v)", err, errNFSRemoved)
	}
}
