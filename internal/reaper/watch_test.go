package reaper

import (
	"bufio"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An adopted process (not podd's child) that ended while its parent has not reaped it yet:
// Watch reads its real status from the zombie instead of reporting it lost.
func TestWatchReadsTheZombiesStatus(t *testing.T) {
	// sh starts a child that exits 7 a little later, prints its pid, then becomes sleep, which
	// never reaps it.
	cmd := exec.Command("sh", "-c", `(sleep 0.3; exit 7) & echo $!; exec sleep 30`)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("child pid: %q %v %v", line, err, perr)
	}
	ch, err := Watch(pid)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ch:
		if e.Unknown || e.Code() != 7 || e.Note != "status read from the zombie" {
			t.Fatalf("exit %+v (code %d), want code 7 read from the zombie", e, e.Code())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit seen")
	}
}
