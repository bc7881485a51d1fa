package ctl

import (
	"fmt"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/cli"
)

// dryRun is --dry-run as kubectl reads it: "" (none), "client" or "server". podd checks both
// the same way, against the pods and objects it has (podctl runs in podd: there is no cheaper
// client side), and changes nothing; only the words printed differ, as kubectl's do.
type dryRun string

func parseDryRun(c *cli.Context) (dryRun, error) {
	switch v := c.String("dry-run"); v {
	case "", "none":
		return "", nil
	case "client", "server":
		return dryRun(v), nil
	default:
		return "", fmt.Errorf("Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", v)
	}
}

// suffix is what kubectl adds to each line of a dry run: "pod/web created (server dry run)".
func (d dryRun) suffix() string {
	switch d {
	case "client":
		return " (dry run)"
	case "server":
		return " (server dry run)"
	}
	return ""
}

// client is cl, or for a dry run a client whose writes are dry runs.
func (d dryRun) client(cl *client.Client) *client.Client {
	if d == "" {
		return cl
	}
	return cl.DryRun()
}
