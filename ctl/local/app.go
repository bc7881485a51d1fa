// Package local holds what podctl runs on its own side: the commands that need the user's
// terminal, files or ports (exec, attach, cp, port-forward, image, shutdown, version), the
// flags every command shares, and the app around them. Package ctl adds the commands podd runs
// for podctl (the printing ones); podctl forwards those to podd (ForwardCommand). It imports no
// k8s.io package (cmd/podctl's imports test keeps it so).
package local

import (
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/internal/cli"
)

// DefaultSocket is podd's API socket unless --socket or PODD_SOCKET name another.
const DefaultSocket = "/run/podd/podd.sock"

// NewApp is podctl's app with commands.
func NewApp(commands []*cli.Command) *cli.App {
	return &cli.App{
		Name:                      "podctl",
		Usage:                     "control podd, the single-host pod runtime (kubectl-like)",
		HideVersion:               true,
		UseShortOptionHandling:    true,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // Run reports errors itself
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "socket", Usage: "podd API socket", EnvVars: []string{"PODD_SOCKET"}, Value: DefaultSocket},
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace", Value: "default"},
		},
		Commands: commands,
	}
}

// Run runs app with args (args[0] is the program name) and returns the exit status; errText
// prints a failure (ErrorText, or one that knows more error types).
func Run(app *cli.App, args []string, stdin io.Reader, stdout, stderr io.Writer, errText func(error, string) string) int {
	if len(args) == 2 && args[1] == "--version" {
		fmt.Fprintf(stdout, "podctl version %s\n", ClientVersion())
		return 0
	}
	app.Reader, app.Writer, app.ErrWriter = stdin, stdout, stderr
	hoisted, err := HoistFlags(app, args)
	if err == nil {
		err = app.Run(hoisted)
	}
	if err == nil {
		return 0
	}
	var ee ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	fmt.Fprintln(stderr, errText(err, ""))
	return 1
}

func newClient(c *cli.Context) *podconn.Client {
	return podconn.New(c.String("socket"))
}

// ExitError ends podctl with a status; its message, if any, has been printed already.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrorText formats err like kubectl: "Error from server (Reason): [context: ]message" for a
// failure answer of podd's, "error: [context: ]message" for anything else.
func ErrorText(err error, context string) string {
	var se *podconn.StatusError
	if errors.As(err, &se) {
		return ServerErrorText(se.Reason, context, se.Message)
	}
	if context != "" {
		context += ": "
	}
	return fmt.Sprintf("error: %s%v", context, err)
}

// ServerErrorText is kubectl's "Error from server (Reason): [context: ]message".
func ServerErrorText(reason, context, message string) string {
	if context != "" {
		context += ": "
	}
	return fmt.Sprintf("Error from server (%s): %s%s", reason, context, message)
}
