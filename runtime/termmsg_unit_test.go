package runtime

import (
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The termination message: the file bound at terminationMessagePath (never through a
// symlink), else with FallbackToLogsOnError the tail of a failed run's log.
func TestTerminationMessage(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		policy     corev1.TerminationMessagePolicy
		write      func(file, log string)
		code       int
		want       string
	}{
		{"file", "/tmp/msg", corev1.TerminationMessageReadFile, func(file, _ string) {
			os.WriteFile(file, []byte("done"), 0o644)
		}, 0, "done"},
		{"symlink refused", "/tmp/msg", corev1.TerminationMessageReadFile, func(file, _ string) {
			os.Remove(file)
			os.Symlink("/etc/hostname", file)
		}, 1, ""},
		{"logs on error", "/dev/termination-log", corev1.TerminationMessageFallbackToLogsOnError, func(_, log string) {
			os.WriteFile(log, []byte("starting\nboom\n"), 0o644)
		}, 2, "starting\nboom\n"},
		{"no logs on success", "/dev/termination-log", corev1.TerminationMessageFallbackToLogsOnError, func(_, log string) {
			os.WriteFile(log, []byte("fine\n"), 0o644)
		}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, h := newTestRuntime(t)
			in := testPod(t, "job", "a")
			in.Spec.RestartPolicy = corev1.RestartPolicyNever
			in.Spec.Containers[0].TerminationMessagePath, in.Spec.Containers[0].TerminationMessagePolicy = tc.path, tc.policy
			apply(t, rt, in)
			proc := nextStart(t, h)
			c := rt.lookup("default", "job").ctrs[0]
			tc.write(c.termFile(), c.logPath(0))
			proc.end(exitCode(tc.code))
			waitFor(t, func() bool { return ctrStatus(t, rt, "job", "a").State.Terminated != nil })
			if got := ctrStatus(t, rt, "job", "a").State.Terminated.Message; got != tc.want {
				t.Errorf("message %q, want %q", got, tc.want)
			}
			deleteLeavesNothing(t, rt, h, "job")
		})
	}
}
