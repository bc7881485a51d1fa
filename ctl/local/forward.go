package local

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/cli"
)

// forward is the action of the commands podd runs for podctl (package ctl has their code):
// podctl sends the command line, with the files its -f flags name and stdin for "-f -" (or the
// file of patch's --patch-file), and prints what podd answers as it comes; podd's exit status
// is podctl's.
func forward(c *cli.Context) error {
	stdin, err := patchFile(c)
	if err != nil {
		return err
	}
	return forwardWith(c, stdin)
}

// patchFile is the file patch's --patch-file names (- : stdin), which podd reads as the
// request's stdin; nil for every other command.
func patchFile(c *cli.Context) ([]byte, error) {
	f := c.String("patch-file")
	if f == "" {
		return nil, nil
	}
	var data []byte
	var err error
	if f == "-" {
		data, err = io.ReadAll(c.App.Reader)
	} else {
		data, err = os.ReadFile(f)
	}
	if err != nil {
		return nil, fmt.Errorf("unable to read patch file: %w", err)
	}
	return data, nil
}

func forwardWith(c *cli.Context, stdin []byte) error {
	stdin, err := stdinOrFiles(c, stdin)
	if err != nil {
		return err
	}
	return forwardTo(c, stdin, c.App.Writer)
}

// stdinOrFiles is stdin, else podctl's own stdin when a -f flag is "-".
func stdinOrFiles(c *cli.Context, stdin []byte) ([]byte, error) {
	if stdin != nil || !slices.Contains(c.StringSlice("filename"), "-") {
		return stdin, nil
	}
	return io.ReadAll(c.App.Reader)
}

// forwardTo has podd run c's command line with stdin and the files its -f flags name, podd's
// stdout to stdout.
func forwardTo(c *cli.Context, stdin []byte, stdout io.Writer) error {
	req := wire.CommandRequest{Args: withoutSocket(c.Argv), TZ: os.Getenv("TZ"), Stdin: stdin}
	for _, f := range c.StringSlice("filename") {
		if f == "-" {
			continue
		}
		if req.Files == nil {
			req.Files = map[string]wire.File{}
		}
		ReadManifests(f, c.Bool("recursive"), req.Files)
	}
	cl := newClient(c)
	defer cl.CloseIdleConnections()
	code, err := cl.RunCommand(c.Context, req, stdout, c.App.ErrWriter)
	if err != nil {
		return err
	}
	if code != 0 {
		return ExitError{Code: code}
	}
	return nil
}

// withoutSocket is argv (hoisted: the global flags first) without --socket, which names the
// socket on podctl's side: podd runs the command against its own.
func withoutSocket(argv []string) []string {
	out := []string{argv[0]}
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			return append(out, argv[i:]...)
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "socket" {
			if !hasValue {
				i++
			}
			continue
		}
		out = append(out, a)
		if (name == "n" || name == "namespace") && !hasValue && i+1 < len(argv) {
			i++
			out = append(out, argv[i])
		}
	}
	return out
}
