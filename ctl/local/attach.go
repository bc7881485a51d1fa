package local

import (
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/podopts"
)

// attach, kubectl's way: the container's process output from now on, with -i the terminal's
// input to its stdin (stdin: true), with -t raw (tty: true); it ends when the process does, or
// on Ctrl-C (without -t).
func AttachCommand() *cli.Command {
	return &cli.Command{
		Name:      "attach",
		Usage:     "attach to the process of a running container",
		ArgsUsage: "POD [-c CONTAINER]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name (default: the first)"},
			&cli.BoolFlag{Name: "stdin", Aliases: []string{"i"}, Usage: "pass stdin to the container"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "stdin is a TTY"},
		},
		Action: attachAction,
	}
}

func attachAction(c *cli.Context) error {
	if c.Args().Len() != 1 {
		return errors.New("expected POD: one pod name is required for attach")
	}
	name, err := PodName(c.Args().First())
	if err != nil {
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	pod, err := getPod(c.Context, cl, ns, name)
	if err != nil {
		return err
	}
	opts := podopts.ExecOptions{Container: c.String("container"), Stdin: c.Bool("stdin"), TTY: c.Bool("tty")}
	if opts.Container == "" {
		if opts.Container, err = DefaultContainer(pod, c.App.ErrWriter); err != nil {
			return err
		}
	}
	spec := findContainer(pod, opts.Container)
	if spec == nil {
		return fmt.Errorf("container %s not found in pod %s", opts.Container, name)
	}
	errOut := c.App.ErrWriter
	switch {
	case opts.TTY && !spec.TTY:
		opts.TTY = false
		fmt.Fprintf(errOut, "error: Unable to use a TTY - container %s did not allocate one\n", spec.Name)
	case !opts.TTY && spec.TTY: // the process has a terminal: its output is the terminal's
		opts.TTY = true
	}
	var stdin io.Reader
	if opts.Stdin {
		stdin = c.App.Reader
	}
	if opts.TTY && opts.Stdin {
		if restore, ok := rawTerminal(stdin); ok {
			defer restore()
			fmt.Fprintln(errOut, "If you don't see a command prompt, try pressing enter.")
		}
	}
	return cl.Attach(c.Context, ns, name, opts, stdin, c.App.Writer, errOut)
}

// findContainer is the spec of the app or init container named name.
func findContainer(pod *Pod, name string) *Container {
	for _, list := range [][]Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
