package local

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/internal/cli"
)

// imageLoad sends a docker save archive, or an OCI layout directory as a tar archive, for
// podd to import, and prints what it loaded as docker load does.
func imageLoad(c *cli.Context, cl *podconn.Client, input string) error {
	if input == "" {
		return errors.New("image load: -i FILE|DIR is required (a docker save archive or an OCI layout directory)")
	}
	fi, err := os.Stat(input)
	if err != nil {
		return fmt.Errorf("image load: %w", err)
	}
	var r io.Reader
	if fi.IsDir() {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(tarDir(pw, input)) }()
		defer pr.Close()
		r = pr
	} else {
		f, err := os.Open(input)
		if err != nil {
			return fmt.Errorf("image load: %w", err)
		}
		defer f.Close()
		r = f
	}
	infos, err := cl.LoadImages(c.Context, r)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if in.Ref == "" {
			fmt.Fprintf(c.App.Writer, "Loaded image ID: %s\n", in.ID)
			continue
		}
		fmt.Fprintf(c.App.Writer, "Loaded image: %s\n", in.Ref)
	}
	return nil
}

// tarDir writes the directory's tree (an OCI layout: regular files and directories) as a tar
// archive with names relative to it.
func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		return fmt.Errorf("archive %s: %w", dir, err)
	}
	return tw.Close()
}
