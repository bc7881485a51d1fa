package oom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/podd/podd/cgroupfs"
	"golang.org/x/sys/unix"
)

// MemoryEvents watches the oom_kill count of each watched cgroup's memory.events through
// inotify (the kernel notifies a modification of the file when a count changes). It knows the
// cgroup and the number of kills, not the process.
type MemoryEvents struct {
	f      *os.File // the inotify descriptor, non-blocking through Go's poller
	mu     sync.Mutex
	byWD   map[int32]*watched
	byDir  map[string]*watched
	events chan Event
	done   sync.WaitGroup
}

type watched struct {
	dir  string
	wd   int32
	id   uint64
	seen uint64 // oom_kill count already reported
}

// NewMemoryEvents opens an inotify instance.
func NewMemoryEvents() (*MemoryEvents, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	return &MemoryEvents{f: os.NewFile(uintptr(fd), "inotify"), byWD: map[int32]*watched{},
		byDir: map[string]*watched{}, events: make(chan Event, eventBuffer)}, nil
}

// Watch starts watching dir/memory.events; the kills counted so far are not reported. A cgroup
// without the memory controller cannot be watched (an error wrapping fs.ErrNotExist).
func (m *MemoryEvents) Watch(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byDir[dir]; ok {
		return nil
	}
	id, err := CgroupID(dir)
	if err != nil {
		return err
	}
	n, err := cgroupfs.MemoryEvents(dir)
	if err != nil {
		return err
	}
	var wd int
	err = m.withFD(func(fd int) error {
		wd, err = unix.InotifyAddWatch(fd, filepath.Join(dir, "memory.events"), unix.IN_MODIFY)
		return err
	})
	if err != nil {
		return fmt.Errorf("watch %s/memory.events: %w", dir, err)
	}
	w := &watched{dir: dir, wd: int32(wd), id: id, seen: n["oom_kill"]}
	m.byWD[w.wd], m.byDir[dir] = w, w
	return nil
}

// Unwatch stops watching dir (removing the cgroup drops the watch too).
func (m *MemoryEvents) Unwatch(dir string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.byDir[dir]
	if !ok {
		return
	}
	delete(m.byDir, dir)
	delete(m.byWD, w.wd)
	_ = m.withFD(func(fd int) error { _, err := unix.InotifyRmWatch(fd, uint32(w.wd)); return err })
}

func (m *MemoryEvents) withFD(f func(fd int) error) error {
	rc, err := m.f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// Start reads inotify events until Close.
func (m *MemoryEvents) Start() error {
	m.done.Add(1)
	go m.read()
	return nil
}

func (m *MemoryEvents) read() {
	defer m.done.Done()
	defer close(m.events)
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.PathMax))
	for {
		n, err := m.f.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if e, ok := m.check(ev.Wd); ok {
				m.events <- e
			}
		}
	}
}

// check rereads the oom_kill count of the cgroup behind wd.
func (m *MemoryEvents) check(wd int32) (Event, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.byWD[wd]
	if !ok {
		return Event{}, false
	}
	n, err := cgroupfs.MemoryEvents(w.dir)
	if err != nil || n["oom_kill"] <= w.seen {
		return Event{}, false
	}
	e := Event{CgroupID: w.id, Kills: n["oom_kill"] - w.seen}
	w.seen = n["oom_kill"]
	return e, true
}

func (m *MemoryEvents) Events() <-chan Event { return m.events }
func (m *MemoryEvents) Mechanism() string    { return "memory.events" }

// Close stops the reader; Events is closed once it is done.
func (m *MemoryEvents) Close() error {
	err := m.f.Close()
	m.done.Wait()
	return err
}
