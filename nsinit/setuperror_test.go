package nsinit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReportRoundTrip(t *testing.T) {
	sent := &SetupError{Step: StepMountVolume, Path: "/etc/passwd/x", Field: "spec.containers[1].volumeMounts[0]",
		Errno: unix.ENOTDIR, Msg: "open /etc/passwd/x: not a directory"}
	var pipe bytes.Buffer
	if err := writeReport(&pipe, sent); err != nil {
		t.Fatal(err)
	}
	err := readReport(&pipe)
	var got *SetupError
	if !errors.As(err, &got) || *got != *sent {
		t.Fatalf("read back %#v, sent %#v", err, sent)
	}
	if !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("errors.Is(%v, ENOTDIR) = false", err)
	}
	var errno unix.Errno
	if !errors.As(fmt.Errorf("wrapped: %w", err), &errno) || errno != unix.ENOTDIR {
		t.Errorf("errors.As errno through a wrap: %v", errno)
	}
	want := `spec.containers[1].volumeMounts[0]: mount-volume: "/etc/passwd/x": open /etc/passwd/x: not a directory`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

// EOF with nothing written is the success of execve (the sync pipe is close-on-exec).
func TestReportEOFIsSuccess(t *testing.T) {
	if err := readReport(strings.NewReader("")); err != nil {
		t.Fatalf("empty pipe: %v, want nil", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Close()
	if err := readReport(r); err != nil {
		t.Fatalf("closed pipe: %v, want nil", err)
	}
}

// A report podd cannot decode is an error that says so (and is never taken for success or for
// a SetupError of some step).
func TestReportGarbage(t *testing.T) {
	for name, data := range map[string]string{
		"truncated":     `{"step":"mount-volume","path":"/x","er`,
		"not json":      "exec: \"app\": executable file not found in $PATH",
		"no step":       `{"msg":"boom"}`,
		"unknown field": `{"step":"exec","msg":"x","extra":1}`,
		"two messages":  `{"step":"exec","msg":"x"}{"step":"chdir","msg":"y"}`,
		"too long":      `{"step":"exec","msg":"` + strings.Repeat("x", maxReport) + `"}`,
	} {
		err := readReport(strings.NewReader(data))
		var se *SetupError
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "nsinit setup") {
			t.Errorf("%s: %v, want an error about nsinit's setup report", name, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, unix.EIO }

func TestReportReadError(t *testing.T) {
	err := readReport(io.MultiReader(strings.NewReader(`{"step"`), failingReader{}))
	if !errors.Is(err, unix.EIO) || !strings.Contains(err.Error(), "read nsinit result") {
		t.Fatalf("%v, want the read error", err)
	}
}

// setupError keeps the step of a SetupError it is given and takes the errno out of a wrapped one.
func TestSetupErrorWrapping(t *testing.T) {
	inner := &SetupError{Step: StepExec, Path: "app", Errno: unix.ENOENT, Msg: "executable file not found in $PATH"}
	if got := setupError(StepConfig, "", fmt.Errorf("x: %w", inner)); got != inner {
		t.Errorf("a SetupError was re-wrapped: %#v", got)
	}
	got := setupError(StepChdir, "/w", fmt.Errorf("working directory: %w", unix.ENOENT))
	want := SetupError{Step: StepChdir, Path: "/w", Errno: unix.ENOENT, Msg: "working directory: no such file or directory"}
	if *got != want {
		t.Errorf("got %#v, want %#v", *got, want)
	}
	if got.Error() != `chdir: "/w": working directory: no such file or directory` {
		t.Errorf("Error() = %q", got.Error())
	}
}

// A command the image does not have is a SetupError of StepExec with execve's errno.
func TestLookPathErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/data", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file  string
		env   []string
		errno unix.Errno
	}{
		{"nope", []string{"PATH=" + dir}, unix.ENOENT},
		{dir + "/nope", nil, unix.ENOENT},
		{dir + "/data", nil, unix.EACCES},
		{dir, nil, unix.EACCES},
		{dir + "/data/x", nil, unix.ENOTDIR},
	} {
		_, err := LookPath(tc.file, tc.env)
		var se *SetupError
		if !errors.As(err, &se) || se.Step != StepExec || se.Errno != tc.errno {
			t.Errorf("LookPath(%q) = %#v, want a SetupError of step exec, errno %v", tc.file, err, tc.errno)
		}
	}
}
