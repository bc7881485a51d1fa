package local

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/podd/podd/internal/cli"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/podopts"
)

func ExecCommand() *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command in a container",
		ArgsUsage: "NAME -- COMMAND [ARG...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name (default: the first)"},
			&cli.BoolFlag{Name: "stdin", Aliases: []string{"i"}, Usage: "pass stdin to the command"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "stdin is a terminal"},
		},
		Action: execAction,
	}
}

func execAction(c *cli.Context) error {
	name, command, err := execArgs(c.Args().Slice())
	if err != nil {
		return err
	}
	client, ns := newClient(c), c.String("namespace")
	opts := podopts.ExecOptions{Container: c.String("container"), Command: command, Stdin: c.Bool("stdin"), TTY: c.Bool("tty")}
	if opts.Container == "" {
		if opts.Container, err = pickContainer(c.Context, client, ns, name, c.App.ErrWriter); err != nil {
			return err
		}
	}
	code, err := runExec(c, client, ns, name, opts)
	if err != nil {
		return err
	}
	if code != 0 {
		fmt.Fprintf(c.App.ErrWriter, "command terminated with exit code %d\n", code)
		return ExitError{code}
	}
	return nil
}

// execArgs reads "NAME [--] COMMAND [ARG...]".
func execArgs(args []string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, errors.New("expected 'exec NAME -- COMMAND [ARG...]': a pod name is required")
	}
	name, err := PodName(args[0])
	if err != nil {
		return "", nil, err
	}
	command := args[1:]
	if len(command) > 0 && command[0] == "--" {
		command = command[1:]
	}
	if len(command) == 0 {
		return "", nil, errors.New("you must specify at least one command for the container")
	}
	return name, command, nil
}

// runExec wires the terminal: with -t and a terminal on stdin, stdin goes raw for the command.
func runExec(c *cli.Context, client *podconn.Client, ns, name string, opts podopts.ExecOptions) (int, error) {
	var stdin io.Reader
	if opts.Stdin {
		stdin = c.App.Reader
	}
	if opts.TTY {
		restore, ok := rawTerminal(stdin)
		if !ok {
			fmt.Fprintln(c.App.ErrWriter, "Unable to use a TTY - input is not a terminal or the right kind of file")
			opts.TTY = false
		} else {
			defer restore()
		}
	}
	return client.Exec(c.Context, ns, name, opts, stdin, c.App.Writer, c.App.ErrWriter)
}

// rawTerminal puts r in raw mode when it is a terminal and returns how to restore it.
func rawTerminal(r io.Reader) (func(), bool) {
	f, ok := r.(*os.File)
	if !ok {
		return nil, false
	}
	return makeRaw(int(f.Fd()))
}
