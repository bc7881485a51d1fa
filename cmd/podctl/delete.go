package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/cmd/podctl/internal/cli"

	"github.com/podd/podd/api/client"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func deleteCommand() *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "delete pods, by name or as listed in manifest files",
		ArgsUsage: "pod NAME... | -f FILE",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "delete the pods of this manifest (- reads stdin)"},
			&cli.Int64Flag{Name: "grace-period", Value: -1, Usage: "seconds between SIGTERM and SIGKILL (-1: the pod's own)"},
			&cli.BoolFlag{Name: "now", Usage: "same as --grace-period=1"},
			&cli.BoolFlag{Name: "ignore-not-found", Usage: "a missing pod is not an error"},
		},
		Action: deleteAction,
	}
}

// podRef names a pod to delete.
type podRef struct{ namespace, name string }

func deleteAction(c *cli.Context) error {
	refs, err := deleteTargets(c)
	if err != nil {
		return err
	}
	grace, err := gracePeriod(c.Int64("grace-period"), c.Bool("now"))
	if err != nil {
		return err
	}
	d := deleter{client: newClient(c), grace: grace, ignoreNotFound: c.Bool("ignore-not-found"), out: c.App.Writer, errOut: c.App.ErrWriter}
	failed := false
	for _, r := range refs {
		if !d.delete(c.Context, r) {
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

func gracePeriod(seconds int64, now bool) (*int64, error) {
	if now {
		if seconds >= 0 {
			return nil, errors.New("--now and --grace-period cannot be specified together")
		}
		seconds = 1
	}
	if seconds < 0 {
		return nil, nil
	}
	return &seconds, nil
}

func deleteTargets(c *cli.Context) ([]podRef, error) {
	files, ns := c.StringSlice("filename"), c.String("namespace")
	if len(files) > 0 {
		if c.Args().Present() {
			return nil, errors.New("give either -f FILE or pod names, not both")
		}
		return fileTargets(files, ns, c.IsSet("namespace"), c.App.Reader)
	}
	names, err := podNames("delete", c.Args().Slice())
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("resource(s) were provided, but no name was specified")
	}
	refs := make([]podRef, len(names))
	for i, n := range names {
		refs[i] = podRef{ns, n}
	}
	return refs, nil
}

// fileTargets reads the names and namespaces of the pods of manifest files.
func fileTargets(files []string, ns string, explicitNS bool, stdin io.Reader) ([]podRef, error) {
	var refs []podRef
	for _, f := range files {
		data, err := readFile(f, stdin)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		for _, d := range splitManifest(data) {
			if d.err != nil {
				return nil, fmt.Errorf("%s: %w", f, d.err)
			}
			m := d.meta()
			podNS, err := documentNamespace(m, ns, explicitNS)
			if err != nil {
				return nil, err
			}
			if m.Metadata.Name == "" {
				return nil, fmt.Errorf("%s: a document has no metadata.name", f)
			}
			refs = append(refs, podRef{podNS, m.Metadata.Name})
		}
	}
	return refs, nil
}

type deleter struct {
	client         *client.Client
	grace          *int64
	ignoreNotFound bool
	out, errOut    io.Writer
}

// delete deletes one pod and reports success.
func (d deleter) delete(ctx context.Context, r podRef) bool {
	err := d.client.Delete(ctx, r.namespace, r.name, d.grace)
	if err != nil && d.ignoreNotFound && apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		fmt.Fprintln(d.errOut, errorText(err, ""))
		return false
	}
	fmt.Fprintf(d.out, "pod %q deleted\n", r.name)
	return true
}
