package runtime

import (
	"fmt"
	"os"
	"strings"

	"github.com/podd/podd/runtime/logfile"
	"golang.org/x/sys/unix"
)

// A run's stdin write end or pty master must outlive podd: were podd its only holder, a
// restart, crash or live upgrade of podd would give the container's stdin EOF or hang its
// terminal up. Each one is handed to the per-host keeper (internal/fdkeep) as the run starts,
// under the run's key, and a restarted podd takes it back as it adopts the run; the keeper's
// copy goes when the run ends or its stdin is closed (stdinOnce).

// fdKeeper holds descriptors across podd's restarts (fdkeep.Client); nil: podd alone does.
type fdKeeper interface {
	Put(key string, f *os.File) error
	Get(key string) (*os.File, error)
	Drop(key string) error
	Keys() ([]string, error)
}

// stdioKey names a run's stdio in the keeper: pod uid, container, pid.
func (c *container) stdioKey(pid int) string {
	return fmt.Sprintf("%s/%s/%d", c.p.uid(), c.name(), pid)
}

// keepStdio hands the stdio of the run just started to the keeper; on failure podd alone
// holds it (it then does not survive podd), which is said in podd's log.
func (c *container) keepStdio() {
	k := c.p.rt.keeper
	c.p.mu.Lock()
	s, proc := c.stdio, c.proc
	c.p.mu.Unlock()
	if k == nil || s == nil || proc == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed && !s.tty { // stdinOnce's attach came and went already
		return
	}
	key := c.stdioKey(proc.Pid)
	if err := k.Put(key, s.w); err != nil {
		logf("pod %s/%s: container %s: its stdin will not survive a restart of podd: %v", c.p.obj.Namespace, c.p.obj.Name, c.name(), err)
		return
	}
	s.key, s.keeper = key, k
}

// resumeStdio takes a live run's stdin or pty back from the keeper after podd restarted;
// ttyOut is the stdout FIFO's write end for the pty's output (resumeTTY). Called with p.mu held.
func (c *container) resumeStdio(pid int, ttyOut *os.File) {
	k := c.p.rt.keeper
	if k == nil || (!c.spec.Stdin && !c.spec.TTY) {
		return
	}
	key := c.stdioKey(pid)
	f, err := k.Get(key)
	if err != nil || f == nil {
		if ttyOut != nil {
			ttyOut.Close()
		}
		logf("pod %s/%s: container %s: its stdin or pty is not kept (%v): attach sends nothing", c.p.obj.Namespace, c.p.obj.Name, c.name(), err)
		return
	}
	c.stdio = &stdio{w: f, tty: c.spec.TTY, closed: c.spec.TTY && !c.spec.Stdin, key: key, keeper: k}
	if c.spec.TTY {
		go copyConsole(f, ttyOut)
	}
}

// resumeTTY opens, before the log capture is taken back, the FIFO ends a tty run's output
// needs: stdout's (the pty's output goes there; returned) and, closed again once the capture
// reads, stderr's, which then ends at once (a pty has no stderr). Nil for other runs.
func (c *container) resumeTTY() (out *os.File, after func()) {
	if !c.spec.TTY || c.p.rt.keeper == nil {
		return nil, func() {}
	}
	var fds [2]int
	for i, stream := range []string{logfile.Stdout, logfile.Stderr} {
		fd, err := unix.Open(c.fifoPath(stream), unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			closeFDs(fds[:i])
			logf("pod %s/%s: container %s: pty output: %v", c.p.obj.Namespace, c.p.obj.Name, c.name(), err)
			return nil, func() {}
		}
		fds[i] = fd
	}
	return os.NewFile(uintptr(fds[0]), c.fifoPath(logfile.Stdout)), func() { unix.Close(fds[1]) }
}

// pruneKept drops what the keeper holds for runs no pod has any more (they ended while podd
// was down); live lists the keys of the adopted runs.
func (rt *Runtime) pruneKept(live map[string]bool) {
	if rt.keeper == nil {
		return
	}
	keys, err := rt.keeper.Keys()
	if err != nil {
		logf("fd keeper: %v", err)
		return
	}
	for _, k := range keys {
		if !live[k] && strings.Count(k, "/") == 2 {
			_ = rt.keeper.Drop(k)
		}
	}
}

// resumeRun takes a live run's log capture and stdio back. Called with p.mu held.
func (c *container) resumeRun(pid int) {
	out, after := c.resumeTTY()
	c.resumeLog()
	after()
	c.resumeStdio(pid, out)
}

// keptStdio lists the keys of the runs' stdio the pods hold.
func (rt *Runtime) keptStdio() map[string]bool {
	live := map[string]bool{}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, p := range rt.pods {
		p.mu.Lock()
		for _, c := range p.all() {
			if s := c.stdio; s != nil {
				s.mu.Lock()
				if s.key != "" {
					live[s.key] = true
				}
				s.mu.Unlock()
			}
		}
		p.mu.Unlock()
	}
	return live
}
