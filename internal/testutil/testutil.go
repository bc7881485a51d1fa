// Package testutil holds the few helpers shared by podd's tests.
package testutil

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/podd/podd/internal/nsthread"
	"golang.org/x/sys/unix"
)

// InCI reports whether the tests run under CI (CI=true), where a test that cannot run is a
// failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// RequireRoot stops a test that needs root: under CI it fails, elsewhere it skips, saying why.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root")
	}
}

// Unavailable stops a test whose feature (root, a kernel feature, a tool) is missing: a failure
// under CI=true, a skip elsewhere.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("cannot run under CI: %s", why)
	}
	t.Skipf("feature not available: %s", why)
}

// InMountNS runs f on a throwaway thread (nsthread.Run) in a private mount namespace of its
// own: whatever f mounts goes with the thread. f runs off the test goroutine: it reports
// through its error (or t.Error), never t.Fatal.
func InMountNS(f func() error) error {
	return nsthread.Run(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("unshare the mount namespace: %w", err)
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make / private: %w", err)
		}
		return f()
	})
}

// WaitUntil polls cond until it holds, failing t after a deadline generous under any load
// (what names the awaited state).
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 2 minutes", what)
		}
	}
}

// ServeEach listens on a loopback TCP port and hands each connection to handle, in a goroutine
// of its own; the listener closes with the test.
func ServeEach(t testing.TB, handle func(net.Conn)) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go AcceptEach(l, handle)
	return l
}

// AcceptEach hands each connection l accepts to handle, in a goroutine of its own, until l is
// closed.
func AcceptEach(l net.Listener, handle func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go handle(c)
	}
}
