package nsinit

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Resize sets the window size the command sees on its terminal (the pty slave).
func TestResizeTTY(t *testing.T) {
	x := &execution{tty: true}
	if err := x.openTTY(); err != nil {
		t.Fatalf("pty from %s: %v", ptmxPath, err)
	}
	defer closeFiles(x.childIn, x.parentIn)
	p := &execProcess{x: x}
	if err := p.Resize(132, 43); err != nil {
		t.Fatal(err)
	}
	ws, err := unix.IoctlGetWinsize(int(x.childIn.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col != 132 || ws.Row != 43 {
		t.Fatalf("slave window %+v, %v; want 132x43", ws, err)
	}
	if err := (&execProcess{x: &execution{}}).Resize(80, 24); err == nil {
		t.Error("resizing an exec without a terminal succeeded")
	}
}
