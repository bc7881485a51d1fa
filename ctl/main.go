// Package ctl is podctl's commands: package local's, which podctl runs itself, and the ones
// that print what podd knows (get, describe, logs, apply, delete, run, label, wait, top, events,
// info, completion), which podd runs for podctl (NewHandler) as the API server prints kubectl's
// tables: podctl then links no k8s.io package and starts as fast as a small Go program.
package ctl

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// run runs podctl with args (args[0] is the program name) and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return local.Run(newApp(), args, stdin, stdout, stderr, errorText)
}

// podctlActions are the actions of the commands podd runs for podctl (podctl forwards them).
var podctlActions = map[string]func(*cli.Context) error{
	"apply": applyAction, "get": getAction, "describe": describeAction, "logs": logsAction,
	"delete": deleteAction, "run": runAction, "label": labelAction, "annotate": annotateAction, "patch": patchAction, "set": setAction, "diff": diffAction, "edit-save": editSaveAction,
	"create": createAction, "wait": waitAction, "info": infoAction, "top": topAction,
}

// newApp is podctl's app with the actions of the commands podd runs for podctl.
func newApp() *cli.App {
	app := local.NewApp(local.Commands())
	for _, cmd := range app.Commands {
		if a := podctlActions[cmd.Name]; a != nil {
			cmd.Action = a
		}
	}
	return app
}

// routeApp is the app podd runs a request of the podctl route with: newApp, whose other
// commands (cp, image load, port-forward, exec, ...) read or write the user's files, terminal
// or ports and run on podctl's side only. Run by podd they acted on the host as root: cp sent a
// host file into a pod, port-forward listened on podd's host (TestCommandRouteOpensNoHostPath).
func routeApp() *cli.App {
	app := newApp()
	for _, cmd := range app.Commands {
		if podctlActions[cmd.Name] == nil {
			name := cmd.Name
			cmd.Action = func(*cli.Context) error {
				return fmt.Errorf("%q runs on podctl's side: podd runs only the commands podctl sends it", name)
			}
		}
	}
	return app
}

func createAction(c *cli.Context) error { return applyFiles(c, true) }

func labelAction(c *cli.Context) error { return metadataAction(c, labelVerb) }

func annotateAction(c *cli.Context) error { return metadataAction(c, annotateVerb) }

// clients holds one client per socket: the commands podd runs for podctl share its connection
// pool. A client per command left its keep-alive connection to podd open until the server's
// 2-minute idle timeout: ~70 kB and two descriptors per command (podd's RSS at 1000 pods 48 ->
// 116 MB, TestForwardedCommandsKeepNoConnections).
var clients sync.Map

func newClient(c *cli.Context) *client.Client {
	socket := c.String("socket")
	cl, ok := clients.Load(socket)
	if !ok {
		cl, _ = clients.LoadOrStore(socket, client.New(socket))
	}
	pods, _ := c.Context.Value(podsKey{}).(client.PodReader)
	if pods == nil {
		return cl.(*client.Client)
	}
	// in podd: the same client, reading pods in-process
	local := *cl.(*client.Client)
	local.Pods = pods
	return &local
}

// exitError ends podctl with a status; its message, if any, has been printed already.
type exitError = local.ExitError

// errorText formats err like kubectl: "Error from server (Reason): [context: ]message" for an
// API error, "error: [context: ]message" for anything else.
func errorText(err error, context string) string {
	var as apierrors.APIStatus
	if errors.As(err, &as) {
		st := as.Status()
		return local.ServerErrorText(string(st.Reason), context, st.Message)
	}
	return local.ErrorText(err, context)
}
