// Command podctl is podd's kubectl-like client: it talks to podd over its API socket. It runs
// exec, attach, cp, port-forward, image, shutdown, version and completion itself and has podd
// run the commands that print what podd knows (package ctl), so it links no k8s.io package.
package main

import (
	"os"

	"github.com/podd/podd/ctl/local"
)

func main() {
	app := local.NewApp(local.Commands())
	os.Exit(local.Run(app, os.Args, os.Stdin, os.Stdout, os.Stderr, local.ErrorText))
}
