package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/intree"
)

func CpCommand() *cli.Command {
	return &cli.Command{
		Name:      "cp",
		Usage:     "copy files and directories to and from containers (no tar needed in the image)",
		ArgsUsage: "[NAMESPACE/]POD:PATH LOCAL | LOCAL [NAMESPACE/]POD:PATH",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name (default: the first)"},
		},
		Action: cpAction,
	}
}

// fileSpec is one side of a copy: a local path, or a path in a pod.
type fileSpec struct {
	namespace, pod, path string
}

var errFileSpec = errors.New("filespec must match the canonical format: [[namespace/]pod:]file/path")

// parseFileSpec reads kubectl's "[namespace/]pod:path" or a local path (no colon).
func parseFileSpec(arg string) (fileSpec, error) {
	i := strings.Index(arg, ":")
	if i == 0 {
		return fileSpec{}, errFileSpec
	}
	if i < 0 {
		return fileSpec{path: arg}, nil
	}
	pod, file := arg[:i], arg[i+1:]
	switch pieces := strings.Split(pod, "/"); len(pieces) {
	case 1:
		return fileSpec{pod: pod, path: file}, nil
	case 2:
		return fileSpec{namespace: pieces[0], pod: pieces[1], path: file}, nil
	}
	return fileSpec{}, errFileSpec
}

// cpSpecs reads the two arguments as kubectl checks them: exactly one side in a pod.
func cpSpecs(args []string) (src, dest fileSpec, err error) {
	if len(args) != 2 {
		return src, dest, errors.New("source and destination are required")
	}
	if src, err = parseFileSpec(args[0]); err != nil {
		return src, dest, err
	}
	if dest, err = parseFileSpec(args[1]); err != nil {
		return src, dest, err
	}
	switch {
	case src.pod != "" && dest.pod != "":
		err = errors.New("one of src or dest must be a local file specification")
	case src.path == "" || dest.path == "":
		err = errors.New("filepath can not be empty")
	case src.pod == "" && dest.pod == "":
		err = errors.New("one of src or dest must be a remote file specification")
	}
	return src, dest, err
}

func cpAction(c *cli.Context) error {
	src, dest, err := cpSpecs(c.Args().Slice())
	if err != nil {
		return err
	}
	remote := src
	if dest.pod != "" {
		remote = dest
	}
	if remote.namespace == "" {
		remote.namespace = c.String("namespace")
	}
	cl, ctr := newClient(c), c.String("container")
	if ctr == "" {
		if ctr, err = pickContainer(c.Context, cl, remote.namespace, remote.pod, c.App.ErrWriter); err != nil {
			return err
		}
	}
	if src.pod != "" {
		return cl.FilesFrom(c.Context, remote.namespace, remote.pod, ctr, src.path, func(r io.Reader) error {
			return extractLocal(r, dest.path, c.App.ErrWriter)
		})
	}
	return copyToPod(c, cl, remote, ctr, src.path)
}

// copyToPod streams the local src as a tar archive (built by handles, links sent as links).
func copyToPod(c *cli.Context, cl *podconn.Client, remote fileSpec, ctr, src string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("%s doesn't exist in local filesystem", src)
	}
	root, err := os.Open("/")
	if err != nil {
		return fmt.Errorf("open /: %w", err)
	}
	defer root.Close()
	abs, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(intree.Send(root, abs, pw, func(p string) {
			fmt.Fprintf(c.App.ErrWriter, "warning: skipping %q: not a regular file, directory or symlink\n", p)
		}))
	}()
	err = cl.FilesTo(c.Context, remote.namespace, remote.pod, ctr, remote.path, filepath.Base(abs), pr)
	pr.CloseWithError(err)
	return err
}

// extractLocal writes the archive r at dest, never outside it: names leaving it, links
// pointing out of it, hardlinks and devices are skipped with kubectl's warnings.
func extractLocal(r io.Reader, dest string, errOut io.Writer) error {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("%s: %w", dest, err)
	}
	root, err := os.Open(filepath.Dir(abs))
	if err != nil {
		return fmt.Errorf("destination: %w", err)
	}
	defer root.Close()
	warn := func(msg string) { fmt.Fprintln(errOut, msg) }
	return intree.Receive(root, filepath.Base(abs), r, intree.Options{Warn: warn, ConfineLinks: true, Shown: dest})
}
