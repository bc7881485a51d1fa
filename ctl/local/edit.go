package local

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/cli"
)

// edit, kubectl's way: the pod as `get -o yaml` prints it goes to the user's editor
// ($KUBE_EDITOR, $EDITOR, else vi) under kubectl's header; what was saved (lines starting with
// '#' dropped) goes back to podd with what the editor was given, as edit-save, which patches the
// pod with the change. Nothing saved, or nothing changed: "Edit cancelled, no changes made.".
// A change podd refuses as invalid reopens the editor on what was saved, the reasons in the
// header, until it is saved unchanged ("Edit cancelled, no valid changes were saved."). Any
// other failure ends the edit. Either way the error is printed with where a copy of the
// changes is.

const editHeader = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`

// EditInvalidStatus is edit-save's exit status when podd refused the change as invalid; its
// stdout then holds the reasons, as comment lines for the header of the file reopened.
const EditInvalidStatus = 3

func EditCommand() *cli.Command {
	return &cli.Command{
		Name:      "edit",
		Usage:     "edit a pod in $KUBE_EDITOR or $EDITOR (vi) and save the change (labels, annotations, images)",
		ArgsUsage: "pod NAME | pod/NAME",
		Action:    editAction,
	}
}

// EditSaveCommand is edit's second half, which podd runs: the pod's YAML as the editor was
// given it (-f) and as it was saved (-f).
func EditSaveCommand() *cli.Command {
	return &cli.Command{
		Name:      "edit-save",
		Usage:     "patch a pod with the change between two files of its YAML (podctl edit's second half)",
		ArgsUsage: "pod NAME -f ORIGINAL -f EDITED",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "the YAML before, then after", Required: true},
		},
		Action: forward,
		Hidden: true,
	}
}

func editAction(c *cli.Context) error {
	name, err := editTarget(c.Args().Slice())
	if err != nil {
		return err
	}
	ns := "--namespace=" + c.String("namespace")
	var original bytes.Buffer
	if err := runInPodd(c, []string{"podctl", ns, "get", "pod", name, "-o", "yaml"}, nil, &original); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "podctl-edit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	before, after := filepath.Join(dir, "original.yaml"), filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(before, original.Bytes(), 0o600); err != nil {
		return err
	}
	text, reasons, refused := original.Bytes(), "", []byte(nil)
	for {
		saved, err := editFile(c, after, reasons, text)
		switch {
		case err != nil:
			return err
		case len(bytes.TrimSpace(saved)) == 0 || bytes.Equal(saved, original.Bytes()):
			fmt.Fprintln(c.App.Writer, "Edit cancelled, no changes made.")
			return nil
		case refused != nil && bytes.Equal(saved, refused):
			return keepCopy(c, after, saved, errors.New("Edit cancelled, no valid changes were saved."))
		}
		if err := os.WriteFile(after, saved, 0o600); err != nil {
			return err
		}
		var out bytes.Buffer
		err = runInPodd(c, []string{"podctl", ns, "edit-save", "pod", name, "-f", before, "-f", after}, []string{before, after}, &out)
		if ee := (ExitError{}); errors.As(err, &ee) && ee.Code == EditInvalidStatus {
			text, reasons, refused = saved, out.String(), saved
			continue
		}
		c.App.Writer.Write(out.Bytes())
		if err != nil {
			return keepCopy(c, after, saved, err)
		}
		return nil
	}
}

// keepCopy stores what the user saved where it outlives the edit, says where, and returns err.
func keepCopy(c *cli.Context, name string, saved []byte, err error) error {
	f, cerr := os.CreateTemp("", "podctl-edit-*-"+filepath.Base(name))
	if cerr == nil {
		_, cerr = f.Write(saved)
		f.Close()
	}
	if cerr == nil {
		fmt.Fprintf(c.App.ErrWriter, "A copy of your changes has been stored to %q\n", f.Name())
	}
	return err
}

// editTarget reads "pod NAME" or "pod/NAME".
func editTarget(args []string) (string, error) {
	switch {
	case len(args) == 1 && strings.Contains(args[0], "/"):
		return PodName(args[0])
	case len(args) == 2 && IsPodType(args[0]):
		return args[1], nil
	}
	return "", fmt.Errorf("edit takes one pod: pod NAME or pod/NAME")
}

// editFile writes text under the header and the reasons of the last refusal (comment lines) to
// path, runs the editor on it and returns what was saved, without the lines starting with '#'.
func editFile(c *cli.Context, path, reasons string, text []byte) ([]byte, error) {
	if err := os.WriteFile(path, append([]byte(editHeader+reasons), text...), 0o600); err != nil {
		return nil, err
	}
	editor := "vi"
	for _, env := range []string{"KUBE_EDITOR", "EDITOR"} {
		if v := os.Getenv(env); v != "" {
			editor = v
			break
		}
	}
	// through the shell, as kubectl does, so that EDITOR="code --wait" works
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.App.Reader, c.App.Writer, c.App.ErrWriter
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("the editor %q failed: %w", editor, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("#")) {
			out = append(out, line...)
		}
	}
	return out, nil
}

// runInPodd has podd run args (with the files named) as a forwarded command would, its
// stdout to stdout and its stderr through; a non-zero status is an ExitError.
func runInPodd(c *cli.Context, args, files []string, stdout io.Writer) error {
	req := wire.CommandRequest{Args: args, TZ: os.Getenv("TZ")}
	for _, f := range files {
		if req.Files == nil {
			req.Files = map[string]wire.File{}
		}
		ReadManifests(f, false, req.Files)
	}
	cl := newClient(c)
	defer cl.CloseIdleConnections()
	code, err := cl.RunCommand(c.Context, req, stdout, c.App.ErrWriter)
	if err == nil && code != 0 {
		err = ExitError{Code: code}
	}
	return err
}
