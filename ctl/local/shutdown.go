package local

import "github.com/podd/podd/internal/cli"

func ShutdownCommand() *cli.Command {
	return &cli.Command{
		Name:  "shutdown",
		Usage: "stop all pods and stop podd (powers off when podd is PID 1)",
		Action: func(c *cli.Context) error {
			return newClient(c).Shutdown(c.Context)
		},
	}
}
