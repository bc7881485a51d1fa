package runtime

import (
	"errors"
	"fmt"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/nsinit"
	"golang.org/x/sys/unix"
)

// kubelet's Waiting reasons for a container that could not be (re)started.
const (
	reasonCreateContainerError = "CreateContainerError" // the setup before the command's execve failed
	reasonRunContainerError    = "RunContainerError"    // the execve of the command failed
)

// startVerdict is what a failed container start means in Kubernetes' terms.
type startVerdict struct {
	reason string // the container's Waiting reason when a restart fails
	field  string // the manifest field at fault (the apply is refused with 422), "" for none
}

// judgeStart maps a failed start to kubelet's reason and the manifest field at fault, from the
// child's typed report (no string matching). ctrField is the container's own path
// (spec.containers[N]). A command the image does not have is the manifest's command field; a
// setup step that names a field (a volume mount) is that field's; anything else is the
// container's own failure.
func judgeStart(err error, ctrField string) startVerdict {
	if isConfigError(err) {
		return startVerdict{reason: reasonCreateContainerConfigError}
	}
	var se *nsinit.SetupError
	if !errors.As(err, &se) {
		return startVerdict{reason: reasonCreateContainerError}
	}
	v := startVerdict{reason: reasonCreateContainerError, field: se.Field}
	if se.Step == nsinit.StepExec {
		v.reason = reasonRunContainerError
		if commandMissing(se.Errno) {
			v.field = ctrField + ".command"
		}
	}
	return v
}

// commandMissing reports whether execve's (or the lookup's) errno says the image has no such
// executable command.
func commandMissing(errno unix.Errno) bool {
	return errno == unix.ENOENT || errno == unix.EACCES || errno == unix.ENOTDIR
}

// startFailure is a failed start as the API shows it (shown) and as the child reported it
// (cause): errors.As finds both, so the reason is still judged from the child's report.
type startFailure struct{ shown, cause error }

func (f *startFailure) Error() string   { return f.shown.Error() }
func (f *startFailure) Unwrap() []error { return []error{f.shown, f.cause} }

// startError turns a failed start into the error the user sees: a 422 naming the manifest
// field at fault, or the container's error; either keeps the child's report (startReason).
func (c *container) startError(err error) error {
	v := judgeStart(err, c.fieldPath())
	var shown error
	switch {
	case v.field == c.fieldPath()+".command":
		shown = invalid.Pod(c.p.obj.Name, fmt.Sprintf("%s: Invalid value: %q: %v", v.field, argv(c.spec, c.img.Config), err), invalid.Field(v.field, err.Error()))
	case v.field != "":
		shown = invalid.Pod(c.p.obj.Name, err.Error(), invalid.Field(v.field, err.Error())) // the child's message starts with the field
	default:
		shown = fmt.Errorf("container %q: %w", c.name(), err)
	}
	return &startFailure{shown: shown, cause: err}
}

// startReason is kubelet's Waiting reason for a container whose start failed with err.
func startReason(err error) string { return judgeStart(err, "").reason }
