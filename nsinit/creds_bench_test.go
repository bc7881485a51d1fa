package nsinit

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary run with credsVar set switches to its own uid and gid the way the value
// says, as podd-nsinit does on its way to execve, and exits.
const credsVar = "NSINIT_BENCH_CREDS"

func init() {
	how := os.Getenv(credsVar)
	if how == "" {
		return
	}
	runtime.LockOSThread()
	s := &Security{UID: uint32(os.Getuid()), GID: uint32(os.Getgid())}
	var err error
	if how == "all-threads" { // what setCredentials did before
		if err = unix.Setresgid(int(s.GID), int(s.GID), int(s.GID)); err == nil {
			err = unix.Setresuid(int(s.UID), int(s.UID), int(s.UID))
		}
	} else {
		err = setCredentials(s)
	}
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// BenchmarkCredentials reports the CPU a child's start and credential switch cost, with the
// all-threads setresgid/setresuid and with setCredentials' calling-thread ones: the difference
// is what each container start saves.
func BenchmarkCredentials(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for _, how := range []string{"all-threads", "calling-thread"} {
		b.Run(how, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(self)
				cmd.Env = append([]string{credsVar + "=" + how}, childEnv...)
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
