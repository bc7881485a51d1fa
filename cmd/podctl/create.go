package main

import (
	"fmt"
	"runtime/debug"

	"github.com/podd/podd/cmd/podctl/internal/cli"
)

func createCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create pods from manifest files (a pod that exists is an error: see apply)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "manifest file (YAML or JSON, several documents allowed; - reads stdin)", Required: true},
		},
		Action: func(c *cli.Context) error { return applyFiles(c, true) },
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print podctl's version and podd's",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "client", Usage: "podctl's version only"},
		},
		Action: versionAction,
	}
}

// versionAction prints kubectl's "Client Version:" and "Server Version:" lines.
func versionAction(c *cli.Context) error {
	fmt.Fprintf(c.App.Writer, "Client Version: %s\n", clientVersion())
	if c.Bool("client") {
		return nil
	}
	v, err := newClient(c).Version(c.Context)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "Server Version: %s\n", v.GitVersion)
	return nil
}

// clientVersion is podctl's module version, else "devel" (a build from a work tree).
func clientVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
