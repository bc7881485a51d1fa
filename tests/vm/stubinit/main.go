// Command stubinit is a stand-in /init for the VM tier: podd's PID 1 duties (internal/pid1:
// leave the initramfs, early mounts, modules, kernel command line, power-off) without the API
// and without pods. It runs the podd.run= script (default /test/script) with busybox sh, prints
// PODD_RUN_EXIT=<status> on its own line and powers off.
//
// It doubles as a kernel smoke test (tests/vm/smoke.sh) and lets tests/vm/run be exercised
// without podd. Build it static: CGO_ENABLED=0 go build ./tests/vm/stubinit.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/podd/podd/internal/pid1"
	"golang.org/x/sys/unix"
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "stubinit: "+format+"\n", args...)
}

func main() {
	if os.Getpid() != 1 {
		logf("not PID 1; refusing to run")
		os.Exit(2)
	}
	status := 125
	if err := pid1.Setup(); err != nil {
		logf("%v", err)
	} else {
		logf("running %s", script()) // tests/vm/run's boot watchdog waits for this line
		status = run(script())
	}
	// The exit line goes to the console on its own line, whatever the script left unterminated.
	fmt.Fprintf(os.Stdout, "\nPODD_RUN_EXIT=%d\n", status)
	pid1.PowerOff()
}

// script is --run's value among the podd.* kernel arguments.
func script() string {
	for _, f := range pid1.CmdlineFlags() {
		if v, ok := strings.CutPrefix(f, "--run="); ok {
			return v
		}
	}
	return "/test/script"
}

// run starts the script and reaps every process (orphans reparent to PID 1) until it exits.
func run(script string) int {
	cmd := exec.Command("/bin/busybox", "sh", script)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Dir = "/root"
	cmd.Env = []string{"PATH=/bin:/sbin", "HOME=/root", "TERM=dumb", "PODD_VM=1"}
	if err := cmd.Start(); err != nil {
		logf("start %s: %v", script, err)
		return 127
	}
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			logf("wait4: %v", err)
			return 125
		}
		if pid != cmd.Process.Pid || (!ws.Exited() && !ws.Signaled()) {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
