package netsetup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/internal/nsthread"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// newPodNS creates pod namespaces under a fresh temp dir and removes them at the end of the test.
func newPodNS(t testing.TB, hostname string) *PodNS {
	t.Helper()
	root := t.TempDir()
	// CreatePodNS binds root onto itself; undo it before the temp dir is removed.
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	p, err := CreatePodNS(filepath.Join(root, "pod"), hostname)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Remove() })
	return p
}

func inode(t testing.TB, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// pinInode is the inode of the namespace pinned at p.Dir/name, seen from the pins namespace.
func pinInode(t testing.TB, p *PodNS, name string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := p.inPins(func() error { return unix.Stat(filepath.Join(p.Dir, name), &st) }); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func hostname(t testing.TB) string {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	return unix.ByteSliceToString(u.Nodename[:])
}

// threadView is what a thread sees of its namespaces inside Do.
type threadView struct {
	tid           int
	net, ipc, uts uint64
	hostname      string
	loUp          bool
	err           error
}

// lookAround runs inside Do; it reports errors in the view (no t.Fatal off the test goroutine).
func lookAround() threadView {
	v := threadView{tid: unix.Gettid()}
	var u unix.Utsname
	var st [3]unix.Stat_t
	errs := []error{
		unix.Uname(&u),
		unix.Stat("/proc/thread-self/ns/net", &st[0]),
		unix.Stat("/proc/thread-self/ns/ipc", &st[1]),
		unix.Stat("/proc/thread-self/ns/uts", &st[2]),
	}
	v.hostname = unix.ByteSliceToString(u.Nodename[:])
	v.net, v.ipc, v.uts = st[0].Ino, st[1].Ino, st[2].Ino
	lo, err := netlink.LinkByName("lo")
	v.err = errors.Join(append(errs, err)...)
	v.loUp = err == nil && lo.Attrs().RawFlags&unix.IFF_UP != 0
	return v
}

func TestPodNSDo(t *testing.T) {
	requireNS(t)
	hostBefore := hostname(t)
	ownNet := ownNetNS
	p := newPodNS(t, "web-0")

	// Two threads inside at once: both see the pinned namespaces.
	var views [2]threadView
	var inside, errs sync.WaitGroup
	inside.Add(2)
	for i := range views {
		errs.Add(1)
		go func() {
			defer errs.Done()
			err := p.Do(func() error {
				views[i] = lookAround()
				inside.Done()
				inside.Wait() // keep both threads alive together
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	errs.Wait()

	pinNet := pinInode(t, p, "net")
	if pinNet == ownNet {
		t.Fatalf("pinned netns is the test's own (%d)", ownNet)
	}
	if views[0].tid == views[1].tid {
		t.Errorf("both Do calls ran on thread %d", views[0].tid)
	}
	for i, v := range views {
		if v.err != nil {
			t.Errorf("thread %d: %v", i, v.err)
		}
		if v.net != pinNet || v.ipc != pinInode(t, p, "ipc") || v.uts != pinInode(t, p, "uts") {
			t.Errorf("thread %d sees namespaces %+v, pins are net %d", i, v, pinNet)
		}
		if v.hostname != "web-0" {
			t.Errorf("thread %d: hostname %q, want web-0", i, v.hostname)
		}
		if !v.loUp {
			t.Errorf("thread %d: lo is not up", i)
		}
	}
	if got := hostname(t); got != hostBefore {
		t.Errorf("test's hostname changed from %q to %q", hostBefore, got)
	}
	if got := inode(t, "/proc/thread-self/ns/net"); got != ownNet {
		t.Errorf("test thread's netns changed to %d", got)
	}
}

func TestOpenPodNS(t *testing.T) {
	requireNS(t)
	p := newPodNS(t, "a")
	q, err := OpenPodNS(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := netInode(t, p), netInode(t, q); a != b {
		t.Fatalf("OpenPodNS's network namespace is inode %d, CreatePodNS's %d", b, a)
	}
	if _, err := OpenPodNS(t.TempDir()); err == nil {
		t.Error("OpenPodNS of an empty dir succeeded")
	}
	// An existing pin is never stacked over.
	if _, err := CreatePodNS(p.Dir, "b"); err == nil {
		t.Fatal("CreatePodNS over live pins succeeded")
	}
	if _, err := OpenPodNS(p.Dir); err != nil {
		t.Fatalf("pins damaged by a failed CreatePodNS: %v", err)
	}
}

func TestCreatePodNSFailureLeavesNothing(t *testing.T) {
	requireNS(t)
	root := t.TempDir()
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	dir := filepath.Join(root, "pod")
	// Too long for sethostname: fails after unshare, before any pin.
	if _, err := CreatePodNS(dir, strings.Repeat("h", 100)); err == nil {
		t.Fatal("CreatePodNS with a 100-byte hostname succeeded")
	} else {
		t.Log(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s left behind: %v", dir, err)
	}
	// A stale file where the ipc pin goes: net is pinned first, then undone.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ipc"), nil, 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := CreatePodNS(dir, "x"); err == nil {
		t.Fatal("CreatePodNS over a stale pin file succeeded")
	} else {
		t.Log(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "net")); !os.IsNotExist(err) {
		t.Fatalf("net pin left behind: %v", err)
	}
	if m := mountsUnder(t, dir); len(m) != 0 {
		t.Fatalf("mounts left behind: %v", m)
	}
}

func TestRemove(t *testing.T) {
	requireNS(t)
	p := newPodNS(t, "a")
	if m := mountsUnder(t, p.Dir); len(m) != 3 {
		t.Fatalf("mounts under %s: %v, want the 3 pins", p.Dir, m)
	}
	parent := filepath.Dir(p.Dir)
	if opt, ok := mountOptional(t, parent); !ok || strings.Contains(opt, "shared:") {
		t.Fatalf("%s: mount point %v, propagation %q; want a private mount", parent, ok, opt)
	}
	if err := p.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", p.Dir, err)
	}
	if m := mountsUnder(t, p.Dir); len(m) != 0 {
		t.Fatalf("mounts left: %v", m)
	}
	if err := p.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

// mountsUnder lists the mount points at or below dir in the test's mount namespace and in
// every pins namespace (where the pins live).
func mountsUnder(t testing.TB, dir string) []string {
	t.Helper()
	var found []string
	for _, info := range mountInfos(t) {
		for _, line := range strings.Split(info, "\n") {
			fields := strings.Fields(line)
			if len(fields) > 4 && (fields[4] == dir || strings.HasPrefix(fields[4], dir+"/")) {
				found = append(found, fields[4])
			}
		}
	}
	return found
}

// mountInfos is the mountinfo of the test's mount namespace, then of each pins namespace.
func mountInfos(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	out := []string{string(data)}
	pinsNSes.Lock()
	defer pinsNSes.Unlock()
	for dir, ns := range pinsNSes.byDir {
		err := nsthread.Run(func() error {
			if err := enterPins(ns); err != nil {
				return err
			}
			data, err := os.ReadFile("/proc/thread-self/mountinfo")
			out = append(out, string(data))
			return err
		})
		if err != nil {
			t.Fatalf("mounts of the pins namespace of %s: %v", dir, err)
		}
	}
	return out
}

// mountOptional returns the optional fields (propagation) of the mount at dir.
func mountOptional(t testing.TB, dir string) (string, bool) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 6 && fields[4] == dir {
			opt, _, _ := strings.Cut(strings.Join(fields[6:], " "), "-")
			return strings.TrimSpace(opt), true
		}
	}
	return "", false
}

// waitGone polls up to 1s for the named link of the current netns to disappear.
func waitGone(t testing.TB, name string) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < time.Second {
		if _, err := netlink.LinkByName(name); isNotFound(err) {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("link %q still there after 1s", name)
	return 0
}

// TestPinsDoNotPropagate puts the pod dir under a shared mount with a peer elsewhere: the pins
// must not show up at the peer.
func TestPinsDoNotPropagate(t *testing.T) {
	requireNS(t)
	root, peer := t.TempDir(), t.TempDir()
	must(t, unix.Mount(root, root, "", unix.MS_BIND, ""))
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	must(t, unix.Mount("", root, "", unix.MS_SHARED, ""))
	must(t, unix.Mount(root, peer, "", unix.MS_BIND, ""))
	t.Cleanup(func() { unix.Unmount(peer, unix.MNT_DETACH) })

	p, err := CreatePodNS(filepath.Join(root, "ns", "pod"), "a")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove()
	if m := mountsUnder(t, filepath.Join(peer, "ns", "pod")); len(m) != 0 {
		t.Errorf("pins propagated to the peer: %v", m)
	}
	if opt, ok := mountOptional(t, filepath.Join(root, "ns")); !ok || strings.Contains(opt, "shared:") {
		t.Fatalf("%s/ns: mount point %v, propagation %q; want a private mount", root, ok, opt)
	}
	if m := mountsUnder(t, p.Dir); len(m) != 3 {
		t.Fatalf("pins: %v", m)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestThreadsStayClean: after many Do and CreatePodNS calls, every thread left in the process,
// the main thread included, is in the test's own network namespace.
func TestThreadsStayClean(t *testing.T) {
	requireNS(t)
	p := newPodNS(t, "a")
	for range 200 {
		if err := p.Do(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		q := newPodNS(t, "b")
		if i%2 == 0 {
			q.Remove()
		}
	}
	if got := inode(t, "/proc/self/ns/net"); got != ownNetNS {
		t.Fatalf("main thread is in netns %d, not the test's %d", got, ownNetNS)
	}
	deadline := time.Now().Add(time.Second)
	for {
		stray := strayThreads(t)
		if len(stray) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads outside the test's netns: %v", stray)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// strayThreads lists the threads of this process outside ownNetNS (discarded threads still
// exiting count).
func strayThreads(t testing.TB) []string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var stray []string
	for _, task := range tasks {
		var st unix.Stat_t
		err := unix.Stat("/proc/self/task/"+task.Name()+"/ns/net", &st)
		if err == nil && st.Ino != ownNetNS {
			stray = append(stray, task.Name())
		}
	}
	return stray
}

// TestPinsStayOutOfCallerMountNS: pinning 20 pods adds no mount to the caller's mount
// namespace (the one every container's is copied from) beyond the pins namespace's own pin;
// the pins are mounts of the pins namespace.
func TestPinsStayOutOfCallerMountNS(t *testing.T) {
	requireNS(t)
	root := t.TempDir()
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	if err := PreparePins(root); err != nil {
		t.Fatal(err)
	}
	before := countMounts(t)
	for i := range 20 {
		p, err := CreatePodNS(filepath.Join(root, fmt.Sprint(i)), "a")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Remove()
	}
	if after := countMounts(t); after != before {
		t.Errorf("the caller's mount namespace went from %d to %d mounts with 20 pods", before, after)
	}
	pinned := 0
	for i := range 20 {
		pinned += len(mountsUnder(t, filepath.Join(root, fmt.Sprint(i))))
	}
	if pinned != 60 {
		t.Errorf("%d pins mounted for 20 pods, want 60", pinned)
	}
}

func countMounts(t testing.TB) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// TestLegacyPinsMoveToPinsNS: pins an older podd made in its own mount namespace are taken over
// by the pins namespace made at the next start: still open, and gone from the caller's.
func TestLegacyPinsMoveToPinsNS(t *testing.T) {
	requireNS(t)
	root := t.TempDir()
	t.Cleanup(func() { unix.Unmount(root, unix.MNT_DETACH) })
	dir := filepath.Join(root, "pod")
	must(t, os.MkdirAll(dir, 0o700))
	must(t, makePrivate(root))
	err := nsthread.Run(func() error { // pin as podd did before the pins namespace
		if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS); err != nil {
			return err
		}
		for _, ns := range pins {
			if err := pin("/proc/thread-self/ns/"+ns.name, filepath.Join(dir, ns.name)); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	before := countMounts(t)
	must(t, PreparePins(root))
	if after := countMounts(t); after != before-3+1 { // the 3 pins out, .mnt in
		t.Errorf("the caller's mounts went from %d to %d, want the 3 pins out and .mnt in", before, after)
	}
	p, err := OpenPodNS(dir)
	if err != nil {
		t.Fatalf("legacy pins not in the pins namespace: %v", err)
	}
	must(t, p.Remove())
	if m := mountsUnder(t, dir); len(m) != 0 {
		t.Errorf("mounts left: %v", m)
	}
}

// netInode is the inode of the network namespace OpenNet gives.
func netInode(t *testing.T, p *PodNS) uint64 {
	t.Helper()
	f, err := p.OpenNet()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &fs); err != nil || fs.Type != unix.NSFS_MAGIC {
		t.Fatalf("OpenNet gave %q, not a namespace (%v)", f.Name(), err)
	}
	return st.Ino
}
