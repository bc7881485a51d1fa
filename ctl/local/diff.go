package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/podd/podd/internal/cli"
)

// diff with KUBECTL_EXTERNAL_DIFF set, kubectl's way: podd sends each object's two sides
// (`diff --sides`: LIVE as podd has it, absent for a new object; MERGED, podd's server dry run of
// the apply; Secret values masked), podctl writes them under two directories (LIVE-* and
// MERGED-*, a file v1.Pod.NAMESPACE.NAME each) and runs the program on them as the user, with
// kubectl's arguments: the directories, then the words of the variable after the first that are
// made only of letters, digits, '-' and '='. The program's exit status is podctl's (1 by
// convention: differences); a program that cannot run is status 2. Without the variable podd
// compares the sides itself (package ctl's diff).

// DiffSide is one object's two sides as `diff --sides` prints them, a JSON object a line.
type DiffSide struct {
	Name   string  `json:"name"` // v1.Pod.default.web
	Live   *string `json:"live"` // nil: no such object yet
	Merged string  `json:"merged"`
}

// externalDiffArg is what kubectl passes on of KUBECTL_EXTERNAL_DIFF's words after the first.
var externalDiffArg = regexp.MustCompile(`^[a-zA-Z0-9-=]+$`)

func diffAction(c *cli.Context) error {
	prog := os.Getenv("KUBECTL_EXTERNAL_DIFF")
	if prog == "" || c.Bool("sides") {
		return forward(c)
	}
	stdin, err := stdinOrFiles(c, nil)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	c.Argv = append(c.Argv, "--sides")
	if err := forwardTo(c, stdin, &out); err != nil {
		return err
	}
	live, merged, cleanup, err := writeSides(out.Bytes())
	defer cleanup()
	if err != nil {
		return err
	}
	words := strings.Split(prog, " ")
	args := []string{live, merged}
	for _, w := range words[1:] {
		if externalDiffArg.MatchString(w) {
			args = append(args, w)
		}
	}
	cmd := exec.Command(words[0], args...)
	cmd.Stdout, cmd.Stderr = c.App.Writer, c.App.ErrWriter
	err = cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return ExitError{Code: ee.ExitCode()}
	}
	if err != nil {
		fmt.Fprintln(c.App.ErrWriter, ErrorText(fmt.Errorf("failed to run %q: %w", words[0], err), ""))
		return ExitError{Code: 2}
	}
	return nil
}

// writeSides writes the sides podd sent under two new directories, LIVE-* and MERGED-*, and
// returns them with what removes them.
func writeSides(lines []byte) (live, merged string, cleanup func(), err error) {
	var dirs []string
	cleanup = func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	for _, prefix := range []string{"LIVE-", "MERGED-"} {
		d, err := os.MkdirTemp("", prefix)
		if err != nil {
			return "", "", cleanup, err
		}
		dirs = append(dirs, d)
	}
	dec := json.NewDecoder(bytes.NewReader(lines))
	for dec.More() {
		var s DiffSide
		if err := dec.Decode(&s); err != nil {
			return "", "", cleanup, fmt.Errorf("podd's diff sides: %w", err)
		}
		if s.Name == "" || s.Name != filepath.Base(s.Name) || strings.HasPrefix(s.Name, ".") {
			return "", "", cleanup, fmt.Errorf("podd's diff sides: a bad object file name %q", s.Name)
		}
		if s.Live != nil {
			if err := os.WriteFile(filepath.Join(dirs[0], s.Name), []byte(*s.Live), 0o600); err != nil {
				return "", "", cleanup, err
			}
		}
		if err := os.WriteFile(filepath.Join(dirs[1], s.Name), []byte(s.Merged), 0o600); err != nil {
			return "", "", cleanup, err
		}
	}
	return dirs[0], dirs[1], cleanup, nil
}
