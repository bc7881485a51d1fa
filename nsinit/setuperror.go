package nsinit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Step names the part of the setup between clone and execve that failed.
type Step string

// The steps of the child, in order.
const (
	StepConfig       Step = "read-config"
	StepCgroupNS     Step = "unshare-cgroupns"
	StepMountPrivate Step = "mount-private"
	StepMountRootfs  Step = "mount-rootfs"
	StepMountVolume  Step = "mount-volume"
	StepMountPseudo  Step = "mount-pseudo" // /proc, /dev, /sys
	StepSysctls      Step = "sysctls"
	StepMaskPaths    Step = "mask-paths"
	StepPivotRoot    Step = "pivot-root"
	StepReadOnlyRoot Step = "readonly-root"
	StepConsole      Step = "console" // the pty of a tty: true container
	StepChdir        Step = "chdir"
	StepCaps         Step = "caps"
	StepLimits       Step = "limits" // RLIMIT_NOFILE, oom_score_adj
	StepUser         Step = "user"   // setgroups, setgid, setuid
	StepNoNewPrivs   Step = "no-new-privs"
	StepSeccomp      Step = "seccomp"
	StepCloseFDs     Step = "close-fds"
	StepExec         Step = "exec" // finding the command and execve itself
)

// SetupError is a failure of the child's setup, as the child reports it to podd: one JSON
// message on the sync pipe (runc's libcontainer/sync.go does the same with its procError).
// Errno unwraps, so errors.Is(err, unix.ENOENT) works on it.
type SetupError struct {
	Step  Step       `json:"step"`
	Path  string     `json:"path,omitempty"`  // the path the step worked on, when it had one
	Field string     `json:"field,omitempty"` // the manifest field at fault, e.g. spec.containers[0].volumeMounts[1]
	Errno unix.Errno `json:"errno,omitempty"` // the system call's error, 0 when none
	Msg   string     `json:"msg"`
}

// Error reads "[field: ]step: [\"path\": ]msg", e.g. `exec: "app": executable file not found
// in $PATH`.
func (e *SetupError) Error() string {
	var b strings.Builder
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(string(e.Step) + ": ")
	if e.Path != "" {
		b.WriteString(strconv.Quote(e.Path) + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the errno, if any.
func (e *SetupError) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// setupError wraps err as the failure of step on path; an err that already is a SetupError is
// kept as it is (it knows its step better).
func setupError(step Step, path string, err error) *SetupError {
	var se *SetupError
	if errors.As(err, &se) {
		return se
	}
	se = &SetupError{Step: step, Path: path, Msg: err.Error()}
	errors.As(err, &se.Errno)
	return se
}

// maxReport bounds what podd reads from the sync pipe: a report is a few hundred bytes.
const maxReport = 64 << 10

// writeReport sends e on the sync pipe: the child's one message.
func writeReport(w io.Writer, e *SetupError) error {
	return json.NewEncoder(w).Encode(e)
}

// readReport reads the sync pipe to EOF: nothing means execve succeeded (the pipe is
// close-on-exec), one message is the child's *SetupError, anything else is an error saying
// the report could not be read.
func readReport(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, maxReport+1))
	if err != nil {
		return fmt.Errorf("read nsinit result: %w", err)
	}
	if len(data) == 0 {
		return nil
	}
	if len(data) > maxReport {
		return fmt.Errorf("nsinit setup report longer than %d bytes", maxReport)
	}
	var se SetupError
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&se); err != nil {
		return fmt.Errorf("nsinit setup failed with a report podd cannot decode (%d bytes: %.80q): %w", len(data), data, err)
	}
	if se.Step == "" || dec.More() {
		return fmt.Errorf("nsinit setup failed with a malformed report (%d bytes: %.80q)", len(data), data)
	}
	return &se
}
