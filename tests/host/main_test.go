// Package host holds podd's tier-2 tests: the real podd and podctl binaries, run as root on this
// host, driven the way a user drives them (podctl apply/get/logs/exec/delete), with assertions
// on what the user and the host can see: processes, namespaces, cgroups, mounts, links, files.
//
// Every podd runs in a network and a mount namespace of its own, held by a "holder" process the
// test starts with unshare(1), so nothing a pod does reaches the host's network or mount table;
// the tests reach pod IPs from threads that joined that network namespace.
//
//	make build image && go test -count=1 -v ./tests/host/
package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podd/podd/cgroupfs"
	"github.com/podd/podd/internal/testutil"
)

const (
	// testImageDir is where `make image` installs the test image.
	testImageDir = "/var/lib/podd/images/podd-test"
	// testImage is how manifests name it.
	testImage = "oci:" + testImageDir + ":latest"
)

var (
	repoDir   string // the podd module
	poddBin   string // podd under test
	podctlBin string // podctl under test
	cgroupV2  string // the cgroup v2 mount; each podd gets a podd-test-<random> subtree of it
	// setupErr, when set, is why the tests cannot run (reported by every test).
	setupErr error
)

// TestMain builds podd (with podd-nsinit beside it) and podctl from this tree (PODD_BIN and
// PODCTL_BIN name prebuilt ones instead), and checks for root, cgroup v2 and the test image.
func TestMain(m *testing.M) {
	os.Exit(mainWithCleanup(m))
}

func mainWithCleanup(m *testing.M) int {
	if os.Geteuid() != 0 {
		setupErr = fmt.Errorf("needs root")
		return m.Run() // each test skips (or fails under CI) via testutil.RequireRoot
	}
	if _, err := os.Stat(filepath.Join(testImageDir, "index.json")); err != nil {
		fmt.Fprintf(os.Stderr, "tests/host: the test image is missing (%v): run `make image` first (it installs %s)\n", err, testImageDir)
		return 1
	}
	var err error
	if repoDir, err = findRepo(); err != nil {
		fmt.Fprintf(os.Stderr, "tests/host: %v\n", err)
		return 1
	}
	if cgroupV2, err = cgroupfs.V2Mount(); err != nil {
		setupErr = fmt.Errorf("no cgroup v2 mount: %w", err)
		return m.Run()
	}
	for _, tool := range []string{"unshare", "nsenter", "ip", "sleep"} {
		if _, err := exec.LookPath(tool); err != nil {
			setupErr = fmt.Errorf("%s(1) is missing: %w", tool, err)
			return m.Run()
		}
	}
	binDir, err := os.MkdirTemp("", "podd-host-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "tests/host: %v\n", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	if poddBin, err = binary("PODD_BIN", "./cmd/podd", filepath.Join(binDir, "podd")); err == nil {
		podctlBin, err = binary("PODCTL_BIN", "./cmd/podctl", filepath.Join(binDir, "podctl"))
	}
	// podd starts containers as the podd-nsinit found beside it (as installed).
	if _, statErr := os.Stat(filepath.Join(repoDir, "cmd", "podd-nsinit")); err == nil && statErr == nil && os.Getenv("PODD_BIN") == "" {
		_, err = binary("", "./cmd/podd-nsinit", filepath.Join(binDir, "podd-nsinit"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "tests/host: %v\n", err)
		return 1
	}
	return m.Run()
}

// findRepo is the module root: the test runs in tests/host.
func findRepo() (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !strings.Contains(string(data), "module github.com/podd/podd") {
		return "", fmt.Errorf("cannot find the podd module above %s (go.mod: %v)", dir, err)
	}
	return dir, nil
}

// binary returns $env if set, else builds pkg into out.
func binary(env, pkg, out string) (string, error) {
	if p := os.Getenv(env); env != "" && p != "" {
		return filepath.Abs(p)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go in PATH to build %s (or set %s): %w", pkg, env, err)
	}
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

// requireHost stops a test that cannot run here: not root (a skip, a failure under CI), or a
// host without what the tests need (a failure).
func requireHost(t *testing.T) {
	t.Helper()
	testutil.RequireRoot(t)
	if setupErr != nil {
		t.Fatalf("tests/host cannot run: %v", setupErr)
	}
}
