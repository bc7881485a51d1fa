// Command podctl is podd's kubectl-like client: it talks to podd over its API socket.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/podd/podd/cmd/podctl/internal/cli"

	"github.com/podd/podd/api/client"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// run runs podctl with args (args[0] is the program name) and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[1] == "--version" {
		fmt.Fprintf(stdout, "podctl version %s\n", clientVersion())
		return 0
	}
	app := newApp()
	app.Reader, app.Writer, app.ErrWriter = stdin, stdout, stderr
	err := app.Run(hoistFlags(app, args))
	return reportError(stderr, err)
}

func newApp() *cli.App {
	return &cli.App{
		Name:                      "podctl",
		Usage:                     "control podd, the single-host pod runtime (kubectl-like)",
		HideVersion:               true,
		UseShortOptionHandling:    true,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // run reports errors itself
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "socket", Usage: "podd API socket", EnvVars: []string{"PODD_SOCKET"}, Value: "/run/podd/podd.sock"},
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "namespace", Value: "default"},
		},
		Commands: []*cli.Command{
			applyCommand(), getCommand(), describeCommand(), logsCommand(), execCommand(), attachCommand(),
			deleteCommand(), runCommand(), labelCommand(), annotateCommand(), createCommand(),
			waitCommand(), versionCommand(), shutdownCommand(), portForwardCommand(), imageCommand(),
			infoCommand(), topCommand(), cpCommand(), completionCommand(),
		},
	}
}

func newClient(c *cli.Context) *client.Client {
	return client.New(c.String("socket"))
}

// exitError ends podctl with a status; its message, if any, has been printed already.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// reportError prints err like kubectl does and returns the exit status for it.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(w, errorText(err, ""))
	return 1
}

// errorText formats err like kubectl: "Error from server (Reason): [context: ]message" for an
// API error, "error: [context: ]message" for anything else.
func errorText(err error, context string) string {
	if context != "" {
		context += ": "
	}
	var as apierrors.APIStatus
	if errors.As(err, &as) {
		st := as.Status()
		return fmt.Sprintf("Error from server (%s): %s%s", st.Reason, context, st.Message)
	}
	return fmt.Sprintf("error: %s%v", context, err)
}
