package reaper

import (
	"os/exec"
	"testing"
	"time"
)

func TestExitStatusReachesOwner(t *testing.T) {
	r := shared
	c, err := r.Start(exec.Command("/bin/sh", "-c", "exit 7"))
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Exit
	select {
	case e := <-ch:
		if e.Code() != 7 {
			t.Fatalf("exit code %d, want 7", e.Code())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no exit reported")
	}
}

// Many children exiting at once coalesce their SIGCHLDs; every owner must still hear its own.
func TestManyConcurrentChildren(t *testing.T) {
	r := shared
	chans := make([]<-chan Exit, 50)
	for i := range chans {
		c, err := r.Start(exec.Command("/bin/sh", "-c", "exit $0", itoa(i%100)))
		if err != nil {
			t.Fatal(err)
		}
		ch := c.Exit
		chans[i] = ch
	}
	for i, ch := range chans {
		select {
		case e := <-ch:
			if e.Code() != i%100 {
				t.Fatalf("child %d: code %d", i, e.Code())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("child %d: no exit reported", i)
		}
	}
}

func TestSignalledCode(t *testing.T) {
	r := shared
	c, err := r.Start(exec.Command("/bin/sh", "-c", "kill -9 $$"))
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Exit
	if e := <-ch; e.Code() != 137 || !e.Status.Signaled() {
		t.Fatalf("code %d, want 137", e.Code())
	}
}

// shared is the one Reaper of the test binary: two would steal each other's children.
var shared = New()

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// A process that is not our child: Watch must still see it go; its status is lost, or read
// from its zombie when Watch looked before its parent (here the shared Reaper) reaped it.
func TestWatchNonChild(t *testing.T) {
	c, err := shared.Start(exec.Command("/bin/sh", "-c", "sleep 0.2"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Watch(c.Pid)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ch:
		if e.Pid != c.Pid || e.Code() != map[bool]int{true: 137, false: 0}[e.Unknown] {
			t.Fatalf("got %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("exit not seen")
	}
	<-c.Exit
}

// A child started outside Start (as one inherited across a re-exec) is claimed after it may
// already have been reaped: its status must still arrive.
func TestClaimAfterReap(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "exit 5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	time.Sleep(200 * time.Millisecond) // reaped and parked as unclaimed by now
	select {
	case e := <-shared.Claim(pid):
		if e.Code() != 5 {
			t.Fatalf("code %d, want 5", e.Code())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("claimed exit never arrived")
	}
}
