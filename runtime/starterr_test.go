package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/rootfs"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestJudgeStart(t *testing.T) {
	const ctr = "spec.containers[2]"
	vol := "spec.containers[2].volumeMounts[1]"
	for _, tc := range []struct {
		name string
		err  error
		want startVerdict
	}{
		{"command not in PATH", &nsinit.SetupError{Step: nsinit.StepExec, Path: "app", Errno: unix.ENOENT},
			startVerdict{reasonRunContainerError, ctr + ".command"}},
		{"command not executable", &nsinit.SetupError{Step: nsinit.StepExec, Path: "/app", Errno: unix.EACCES},
			startVerdict{reasonRunContainerError, ctr + ".command"}},
		{"command below a file", &nsinit.SetupError{Step: nsinit.StepExec, Path: "/etc/passwd/x", Errno: unix.ENOTDIR},
			startVerdict{reasonRunContainerError, ctr + ".command"}},
		{"execve: bad binary format", &nsinit.SetupError{Step: nsinit.StepExec, Path: "/app", Errno: unix.ENOEXEC},
			startVerdict{reasonRunContainerError, ""}},
		{"volume mount", &nsinit.SetupError{Step: nsinit.StepMountVolume, Path: "/m", Field: vol, Errno: unix.ENOTDIR},
			startVerdict{reasonCreateContainerError, vol}},
		{"podd's own bind (/etc/hosts)", &nsinit.SetupError{Step: nsinit.StepMountVolume, Path: "/etc/hosts", Errno: unix.EPERM},
			startVerdict{reasonCreateContainerError, ""}},
		{"rootfs", &nsinit.SetupError{Step: nsinit.StepMountRootfs, Errno: unix.EINVAL},
			startVerdict{reasonCreateContainerError, ""}},
		{"working directory", &nsinit.SetupError{Step: nsinit.StepChdir, Path: "/w", Errno: unix.ENOENT},
			startVerdict{reasonCreateContainerError, ""}},
		{"capabilities", &nsinit.SetupError{Step: nsinit.StepCaps, Errno: unix.EPERM},
			startVerdict{reasonCreateContainerError, ""}},
		{"wrapped report", fmt.Errorf("container: %w", &nsinit.SetupError{Step: nsinit.StepExec, Errno: unix.ENOENT}),
			startVerdict{reasonRunContainerError, ctr + ".command"}},
		{"parent side (cgroup, overlay, log)", errors.New("cgroup: no space left on device"),
			startVerdict{reasonCreateContainerError, ""}},
		{"undecodable report", fmt.Errorf("nsinit setup failed with a malformed report"),
			startVerdict{reasonCreateContainerError, ""}},
	} {
		if got := judgeStart(tc.err, ctr); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// The error the API shows for a failed start still carries the child's report, so a failed
// restart's Waiting reason is judged from it.
func TestStartReasonThroughShownError(t *testing.T) {
	se := &nsinit.SetupError{Step: nsinit.StepExec, Path: "/app", Errno: unix.ENOEXEC, Msg: "exec format error"}
	f := &startFailure{shown: errors.New("shown"), cause: se}
	if got := startReason(f); got != reasonRunContainerError {
		t.Errorf("startReason = %q, want %q", got, reasonRunContainerError)
	}
	if !errors.Is(f, unix.ENOEXEC) {
		t.Error("errno lost through startFailure")
	}
}

func TestExecError(t *testing.T) {
	c := &container{spec: &corev1.Container{Name: "app"}}
	other := errors.New("exec: unshare fs: EPERM")
	for _, tc := range []struct {
		err      error
		code     int
		contains string
	}{
		{fmt.Errorf("exec: %w", nsinit.ErrNotRunning), 400, "container app is not running"},
		{&nsinit.SetupError{Step: nsinit.StepExec, Path: "nope", Errno: unix.ENOENT, Msg: "executable file not found in $PATH"},
			400, `exec: "nope": executable file not found in $PATH`},
		{other, 0, other.Error()},
	} {
		got := execError(c, tc.err)
		var ae *apierrors.StatusError
		if tc.code != 0 && (!errors.As(got, &ae) || ae.ErrStatus.Code != int32(tc.code)) || tc.code == 0 && got != tc.err {
			t.Errorf("execError(%v) = %#v, want code %d", tc.err, got, tc.code)
		}
		if !strings.Contains(got.Error(), tc.contains) {
			t.Errorf("execError(%v) = %q, want %q in it", tc.err, got, tc.contains)
		}
	}
}

// What the user sees for a failed start: the 422s name the field, and every form still carries
// the child's report.
func TestStartErrorShown(t *testing.T) {
	c := &container{p: &pod{obj: &corev1.Pod{}}, idx: 1, spec: &corev1.Container{Name: "app", Command: []string{"nope"}}, img: &rootfs.Image{}}
	vol := &nsinit.SetupError{Step: nsinit.StepMountVolume, Path: "/etc/passwd/x", Field: "spec.containers[1].volumeMounts[0]",
		Errno: unix.ENOTDIR, Msg: "not a directory"}
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{&nsinit.SetupError{Step: nsinit.StepExec, Path: "nope", Errno: unix.ENOENT, Msg: "executable file not found in $PATH"}, 422,
			`spec.containers[1].command: Invalid value: ["nope"]: exec: "nope": executable file not found in $PATH`},
		{vol, 422, `spec.containers[1].volumeMounts[0]: mount-volume: "/etc/passwd/x": not a directory`},
		{&nsinit.SetupError{Step: nsinit.StepPivotRoot, Path: "/r", Errno: unix.EINVAL, Msg: "invalid argument"}, 0,
			`container "app": pivot-root: "/r": invalid argument`},
	} {
		got := c.startError(tc.err)
		var ae *apierrors.StatusError
		if isAPI := errors.As(got, &ae); isAPI != (tc.code != 0) || isAPI && ae.ErrStatus.Code != int32(tc.code) {
			t.Errorf("%v: %#v, want API code %d", tc.err, got, tc.code)
		}
		if got.Error() != tc.want {
			t.Errorf("shown %q, want %q", got.Error(), tc.want)
		}
		var se *nsinit.SetupError
		if !errors.As(got, &se) || se != tc.err {
			t.Errorf("%q: the child's report is lost", got)
		}
	}
}
