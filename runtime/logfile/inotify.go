package logfile

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// modWatch tells the watcher which files were written to (inotify IN_MODIFY), so a file that
// starts growing fast is capped within a HotInterval instead of at the next full pass. Between
// reads it sleeps a HotInterval: the kernel merges a writer's repeated events meanwhile, so a
// busy writer costs the watcher at most one wake-up per HotInterval, an idle one nothing.
type modWatch struct {
	f      *os.File
	notify chan struct{} // a pending signal that modified has entries
	mu     sync.Mutex
	wds    map[int32]bool // modified since the last take
}

func newModWatch(pause time.Duration) (*modWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	m := &modWatch{f: os.NewFile(uintptr(fd), "inotify"), notify: make(chan struct{}, 1), wds: map[int32]bool{}}
	go m.read(pause)
	return m, nil
}

// add watches path; the watch descriptor names it in take's results.
func (m *modWatch) add(path string) (int32, error) {
	wd, err := unix.InotifyAddWatch(int(m.f.Fd()), path, unix.IN_MODIFY)
	if err != nil {
		return -1, fmt.Errorf("inotify watch %s: %w", path, err)
	}
	return int32(wd), nil
}

func (m *modWatch) remove(wd int32) {
	_, _ = unix.InotifyRmWatch(int(m.f.Fd()), uint32(wd))
}

// take returns the watch descriptors modified since the last take; overflow means events were
// lost (check everything).
func (m *modWatch) take() (wds map[int32]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	wds, m.wds = m.wds, map[int32]bool{}
	return wds
}

func (m *modWatch) close() { m.f.Close() }

// overflowWD stands for "events were lost" in take's result.
const overflowWD = -1

func (m *modWatch) read(pause time.Duration) {
	buf := make([]byte, 64<<10)
	for {
		n, err := m.f.Read(buf)
		if err != nil {
			return // closed
		}
		m.mu.Lock()
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			if mask&unix.IN_Q_OVERFLOW != 0 {
				wd = overflowWD
			}
			m.wds[wd] = true
			off += unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(buf[off+12:]))
		}
		m.mu.Unlock()
		select {
		case m.notify <- struct{}{}:
		default:
		}
		time.Sleep(pause)
	}
}
