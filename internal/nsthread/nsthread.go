// Package nsthread runs functions on throwaway OS threads, for work that changes a thread's
// namespaces or filesystem context for good (setns, unshare(CLONE_FS)).
package nsthread

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// Run runs fn on a goroutine locked to its OS thread and never unlocked, so the Go runtime
// discards the thread (whatever namespaces fn joined) when fn returns.
//
// The main thread is never used: /proc/<pid>/ns shows its namespaces, and the runtime wedges it
// rather than ending it, which would pin a pod's namespaces for good. Landing there, the
// goroutine holds the main thread while another one does the work.
func Run(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			err := Run(fn)
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		errc <- fn()
	}()
	return <-errc
}
