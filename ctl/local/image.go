package local

import (
	"fmt"
	"text/tabwriter"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/cli"
)

func ImageCommand() *cli.Command {
	return &cli.Command{
		Name:      "image",
		Usage:     "registry images: pull one, load an archive, list them, remove one, prune what nothing uses",
		ArgsUsage: "pull REF | load -i FILE|DIR | ls | rm REF... | prune",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "load: a docker save archive or an OCI image layout directory"},
		},
		Action: imageAction,
	}
}

func imageAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		return fmt.Errorf("image: a subcommand is required (pull, load, ls, rm, prune)")
	}
	cl, out := newClient(c), c.App.Writer
	switch sub, refs := args[0], args[1:]; {
	case sub == "pull" && len(refs) == 1:
		var info wire.ImageInfo
		var err error
		if isTerminal(c.App.ErrWriter) { // each layer's progress on stderr; quiet otherwise
			info, err = cl.PullImageProgress(c.Context, refs[0], newPullView(c.App.ErrWriter).update)
		} else {
			info, err = cl.PullImage(c.Context, refs[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n%s\n", info.Ref, info.RepoDigest)
		return nil
	case sub == "load" && len(refs) == 0:
		return imageLoad(c, cl, c.String("input"))
	case (sub == "ls" || sub == "list") && len(refs) == 0:
		infos, err := cl.Images(c.Context)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "IMAGE\tID\tPULLED")
		for _, in := range infos {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", in.Ref, shortDigest(in.ID), in.Pulled)
		}
		return tw.Flush()
	case sub == "rm" && len(refs) > 0:
		for _, ref := range refs {
			if err := cl.RemoveImage(c.Context, ref); err != nil {
				return err
			}
			fmt.Fprintf(out, "Deleted: %s\n", ref)
		}
		return nil
	case sub == "prune" && len(refs) == 0:
		res, err := cl.PruneImages(c.Context)
		if err != nil {
			return err
		}
		for _, d := range res.Images {
			fmt.Fprintf(out, "Deleted: %s\n", d)
		}
		fmt.Fprintf(out, "%d images, %d layers, %d blobs removed\n", len(res.Images), res.Layers, res.Blobs)
		return nil
	}
	return fmt.Errorf("image: usage: podctl image pull REF | load -i FILE|DIR | ls | rm REF... | prune")
}

// shortDigest is the first 12 hex digits of a sha256 digest, as crictl images shows IDs.
func shortDigest(d string) string {
	const prefix = "sha256:"
	if len(d) >= len(prefix)+12 && d[:len(prefix)] == prefix {
		return d[len(prefix) : len(prefix)+12]
	}
	return d
}
