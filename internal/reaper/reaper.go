// Package reaper owns wait4(-1) for the whole podd process. Every child podd starts goes through
// Start, which registers the pid under the same lock the reap loop takes, so the loop can never
// reap a child before its owner is listening; children nobody registered (orphans reparented to
// podd as PID 1 or as a subreaper) are reaped and dropped. Nothing else in podd may wait.
package reaper

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Exit is how a child ended.
type Exit struct {
	Pid     int
	Status  unix.WaitStatus
	Time    time.Time
	Unknown bool // the process was not podd's child (see Watch): its status is lost
	// Note says, for an exit Watch saw, how its status was learnt or why it is lost.
	Note string
}

// Code is the shell-style exit code: the exit status, or 128+signal; 137 when unknown (as
// kubelet reports a container it lost track of).
func (e Exit) Code() int {
	if e.Unknown {
		return 137
	}
	if e.Status.Signaled() {
		return 128 + int(e.Status.Signal())
	}
	return e.Status.ExitStatus()
}

// Reaper dispatches exit statuses to the goroutines that started the children.
type Reaper struct {
	mu        sync.Mutex
	waiters   map[int]chan Exit
	unclaimed map[int]Exit // exits of children nobody registered (yet): see Claim
	sigs      chan os.Signal
}

// maxUnclaimed bounds what orphans (PID 1 reaps every process of the machine) can pile up.
const maxUnclaimed = 4096

// New starts the reap loop. Only one Reaper may exist in a process.
func New() *Reaper {
	r := &Reaper{waiters: map[int]chan Exit{}, unclaimed: map[int]Exit{}, sigs: make(chan os.Signal, 64)}
	signal.Notify(r.sigs, unix.SIGCHLD)
	go r.loop()
	return r
}

// Child is a started child process.
type Child struct {
	Pid  int
	Exit <-chan Exit // receives the exit exactly once
}

// Start starts cmd and registers it. cmd.Wait must not be called; the process handle is
// released (its pidfd closed) once the child is registered, so use Child.Pid.
func (r *Reaper) Start(cmd *exec.Cmd) (Child, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return Child{}, err
	}
	pid := cmd.Process.Pid
	delete(r.unclaimed, pid) // a stale exit of an earlier process with this pid
	ch := make(chan Exit, 1)
	r.waiters[pid] = ch
	_ = cmd.Process.Release()
	return Child{Pid: pid, Exit: ch}, nil
}

// Claim registers a child this process did not start through Start: one it inherited across
// an in-place re-exec (live upgrade). An exit reaped before the claim is delivered at once.
func (r *Reaper) Claim(pid int) <-chan Exit {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := make(chan Exit, 1)
	if e, ok := r.unclaimed[pid]; ok {
		delete(r.unclaimed, pid)
		ch <- e
		return ch
	}
	r.waiters[pid] = ch
	return ch
}

func (r *Reaper) loop() {
	for range r.sigs {
		r.reapAll()
	}
}

// reapAll collects every exited child. SIGCHLD coalesces, so one signal may stand for many.
func (r *Reaper) reapAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if ws.Stopped() || ws.Continued() {
			continue
		}
		e := Exit{Pid: pid, Status: ws, Time: time.Now()}
		if ch, ok := r.waiters[pid]; ok {
			delete(r.waiters, pid)
			ch <- e
			continue
		}
		if len(r.unclaimed) >= maxUnclaimed {
			clear(r.unclaimed)
		}
		r.unclaimed[pid] = e
	}
}
