package netsetup

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
)

// inNSEnv marks the test process re-executed in its own namespaces.
const inNSEnv = "PODD_NETSETUP_TEST_NS"

// privateNS is true when this test process runs in network, mount, UTS and IPC namespaces of its
// own: only then may tests create bridges, veths and mounts.
var privateNS bool

// ownNetNS is the test process's network namespace inode, read before any test ran.
var ownNetNS uint64

// TestMain re-executes the test binary, as root, in new network, mount, UTS and IPC namespaces,
// so every bridge, veth, mount and hostname the tests make lives and dies with that process and
// no traffic leaves it.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv(inNSEnv) == "1":
		// Keep the tests' mounts out of the host's mount namespace.
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			fmt.Fprintf(os.Stderr, "netsetup tests: make / private: %v\n", err)
			os.Exit(1)
		}
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			fmt.Fprintf(os.Stderr, "netsetup tests: %v\n", err)
			os.Exit(1)
		}
		privateNS, ownNetNS = true, st.Ino
	case os.Geteuid() == 0 && os.Getenv(inNSEnv) == "":
		code, err := reexecInNewNS()
		if err == nil {
			os.Exit(code)
		}
		fmt.Fprintf(os.Stderr, "netsetup tests: no private namespaces, root tests will not run: %v\n", err)
	}
	os.Exit(m.Run())
}

func reexecInNewNS() (int, error) {
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), inNSEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNET | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC,
		Pdeathsig:  syscall.SIGKILL,
	}
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// requireNS stops a test that needs root and the private namespaces of TestMain.
func requireNS(t testing.TB) {
	t.Helper()
	testutil.RequireRoot(t)
	if !privateNS {
		testutil.Unavailable(t, "private network and mount namespaces for the test process")
	}
}
