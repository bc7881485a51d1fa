package local

import (
	"fmt"
	"runtime/debug"

	"github.com/podd/podd/internal/cli"
)

func VersionCommand() *cli.Command {
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
	fmt.Fprintf(c.App.Writer, "Client Version: %s\n", ClientVersion())
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

// ClientVersion is podctl's module version, else "devel" (a build from a work tree).
func ClientVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
