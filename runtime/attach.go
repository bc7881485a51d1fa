package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/podopts"
	"golang.org/x/sys/unix"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// stdin, stdinOnce and tty, kubelet's (CRI's) way: a container with stdin: true reads a pipe
// whose write end podd holds; one with tty: true has a pty of its own devpts as stdio and
// controlling terminal (nsinit/console.go), whose master podd holds and copies into the log as
// stdout. `attach` streams the run's output from the log as it comes and writes the client's
// input to the pipe or the master; with stdinOnce the container's stdin is closed once the
// first attach that sent input has ended (a pty gets EOF, ^D, instead). Each run gets a fresh
// stdin, as each kubelet container does.

// stdio is a run's stdin as podd holds it (p.mu guards the container's pointer to it).
type stdio struct {
	mu     sync.Mutex // one writer at a time
	w      *os.File   // the pipe's write end or the pty master; nil once closed
	tty    bool
	closed bool
	key    string   // its name in the keeper (stdiokeep.go); "": not kept
	keeper fdKeeper // which holds a copy of w across podd's restarts
}

func (s *stdio) write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	return s.w.Write(p)
}

// close ends the container's stdin: EOF on the pipe, ^D on a pty (whose master stays, for the
// output).
func (s *stdio) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.tty {
		_, _ = s.w.Write([]byte{4})
		return
	}
	s.w.Close()
	s.unkeepLocked() // the keeper's copy too, or the pipe never reads EOF
}

// unkeepLocked drops the keeper's copy; s.mu is held.
func (s *stdio) unkeepLocked() {
	if s.keeper != nil {
		if err := s.keeper.Drop(s.key); err != nil {
			logf("fd keeper: drop %s: %v", s.key, err)
		}
		s.keeper = nil
	}
}

// prepareStdio sets the spec's stdin or tty for c's run; after takes the started process's
// ends, done closes what the parent no longer needs whatever happened.
func (c *container) prepareStdio(spec *nsinit.Spec) (after func(*nsinit.Process), done func(), err error) {
	nothing := func() {}
	switch {
	case c.spec.TTY:
		out, err := dupFile(c.log.stdout)
		if err != nil {
			return nil, nil, fmt.Errorf("tty: %w", err)
		}
		spec.TTY = true
		taken := false
		return func(proc *nsinit.Process) {
				if proc.Console == nil { // a starter without consoles (the unit tests' fake)
					return
				}
				taken = true
				c.setStdio(&stdio{w: proc.Console, tty: true, closed: !c.spec.Stdin})
				go copyConsole(proc.Console, out)
			}, func() {
				if !taken {
					out.Close()
				}
			}, nil
	case c.spec.Stdin:
		r, w, err := os.Pipe()
		if err != nil {
			return nil, nil, fmt.Errorf("stdin pipe: %w", err)
		}
		spec.Stdin = r
		taken := false
		return func(*nsinit.Process) {
				taken = true
				c.setStdio(&stdio{w: w})
			}, func() {
				r.Close()
				if !taken {
					w.Close()
				}
			}, nil
	}
	return func(*nsinit.Process) {}, nothing, nil
}

func (c *container) setStdio(s *stdio) {
	c.p.mu.Lock()
	c.stdio = s
	c.p.mu.Unlock()
}

// end closes the stdin of a run that ended (s nil: it had none), the keeper's copy too.
func (s *stdio) end() {
	if s == nil {
		return
	}
	if !s.tty {
		s.close()
	}
	s.mu.Lock()
	s.unkeepLocked()
	s.mu.Unlock()
}

// copyConsole copies what the container writes on its pty into its stdout log until every
// holder of the slave has gone (EIO), then closes both.
func copyConsole(master, out *os.File) {
	_, _ = io.Copy(out, master)
	out.Close()
	master.Close()
}

func dupFile(f *os.File) (*os.File, error) {
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup %s: %w", f.Name(), err)
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// Attach streams the output of a running container's current run, from now on, to stdout and
// stderr and, with opts.Stdin, stdin to the container's stdin, until the run ends or ctx is done.
func (rt *Runtime) Attach(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	c, _, err := rt.runningContainer(namespace, name, opts.Container)
	if err != nil {
		return err
	}
	c.p.mu.Lock()
	s, l, live := c.stdio, c.log, c.proc != nil // the run may have ended since
	c.p.mu.Unlock()
	if opts.Stdin && !c.spec.Stdin {
		return apierrors.NewBadRequest(fmt.Sprintf("container %s of pod %s does not have stdin: true: nothing reads what attach would send", c.name(), name))
	}
	if !live {
		return notRunning(c)
	}
	if opts.Stdin && s == nil {
		if !c.spec.StdinOnce {
			return apierrors.NewBadRequest(fmt.Sprintf("container %s of pod %s: its stdin is no longer open (not kept across a podd restart)", c.name(), name))
		}
		// stdinOnce, and an earlier attach closed it before podd restarted: as after that
		// attach without a restart, the output is streamed and the input goes nowhere.
		opts.Stdin = false
	}
	if l == nil {
		return notRunning(c)
	}
	tp := l.taps.add() // before any input: the output it causes is seen
	if opts.Stdin {
		go func() {
			_, _ = io.Copy(writerFunc(s.write), stdin)
			if c.spec.StdinOnce {
				s.close()
			}
		}()
	}
	streamRun(l, tp, stdout, stderr, ctx.Done())
	return nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
