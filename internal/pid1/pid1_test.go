package pid1

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

func TestParseCmdline(t *testing.T) {
	got := parseCmdline("console=ttyS0 quiet podd.run=/test/script podd.manifests=/etc/podd/manifests panic=-1\n")
	want := []string{"--run=/test/script", "--manifests=/etc/podd/manifests"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestParseCmdlineQuotes(t *testing.T) {
	got := parseCmdline(`quiet podd.run="/test/my script" "podd.manifests=/etc/a b" podd.bogus=1 x="podd.no=1"` + "\n")
	want := []string{"--run=/test/my script", "--manifests=/etc/a b", "--bogus=1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestLoopbackUp sets lo up in a network namespace of its own (a locked thread that unshared
// it), as PID 1 does on the node.
func TestLoopbackUp(t *testing.T) {
	testutil.RequireRoot(t)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		if err := LoopbackUp(); err != nil {
			done <- err
			return
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(fd)
		ifr, _ := unix.NewIfreq("lo")
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
			done <- err
			return
		}
		if ifr.Uint16()&unix.IFF_UP == 0 {
			done <- fmt.Errorf("lo flags %#x: not up", ifr.Uint16())
			return
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
