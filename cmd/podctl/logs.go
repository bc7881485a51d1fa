package main

import (
	"fmt"

	"github.com/podd/podd/cmd/podctl/internal/cli"

	"github.com/podd/podd/podopts"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the log of a container",
		ArgsUsage: "NAME [CONTAINER]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep streaming new output"},
			&cli.BoolFlag{Name: "previous", Aliases: []string{"p"}, Usage: "the log of the previous run of the container"},
			&cli.Int64Flag{Name: "tail", Value: -1, Usage: "only the last N lines (-1: all)"},
			// kubectl's time options, refused: raw logs carry no timestamps to select by.
			&cli.StringFlag{Name: "since", Usage: "not supported: podd's logs have no timestamps"},
			&cli.StringFlag{Name: "since-time", Usage: "not supported: podd's logs have no timestamps"},
			&cli.BoolFlag{Name: "timestamps", Usage: "not supported: podd's logs have no timestamps"},
		},
		Action: logsAction,
	}
}

func logsAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || len(args) > 2 {
		return fmt.Errorf("expected 'logs NAME [CONTAINER]'")
	}
	for _, f := range []string{"since", "since-time", "timestamps"} {
		if c.IsSet(f) {
			return fmt.Errorf("--%s is not supported: podd keeps container logs as raw text without timestamps, so it cannot select or print by time", f)
		}
	}
	name, err := podName(args[0])
	if err != nil {
		return err
	}
	ctr := c.String("container")
	if len(args) == 2 {
		ctr = args[1]
	}
	client, ns := newClient(c), c.String("namespace")
	if ctr == "" {
		if ctr, err = pickContainer(c.Context, client, ns, name, c.App.ErrWriter); err != nil {
			return err
		}
	}
	opts := podopts.LogOptions{Container: ctr, Follow: c.Bool("follow"), Previous: c.Bool("previous"), TailLines: c.Int64("tail")}
	return client.Logs(c.Context, ns, name, opts, c.App.Writer)
}
