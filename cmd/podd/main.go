// Command podd is the pod supervisor: it runs Kubernetes Pods on this machine and serves podctl
// on a root-only unix socket. Run as PID 1 it also sets the machine up and powers it off.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/podd/podd/internal/pid1"
	"github.com/podd/podd/nsinit"
)

func main() {
	if nsinit.IsChild() {
		nsinit.Main() // a container being born: never returns
	}
	args := os.Args
	isInit := os.Getpid() == 1
	if isInit {
		if os.Getenv(reexecEnv) == "" { // a live upgrade finds the machine set up
			if err := pid1.Setup(); err != nil {
				fmt.Fprintf(os.Stderr, "podd: %v\n", err)
			}
		}
		os.Setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin")
	}
	a := app(isInit)
	if isInit {
		args = append(args, kernelFlags(a, pid1.CmdlineFlags(), os.Stderr)...)
	}
	os.Unsetenv(reexecEnv)
	err := a.Run(args)
	if isInit {
		pid1.PowerOff()
	}
	var status exitStatus
	if errors.As(err, &status) {
		os.Exit(int(status)) // the --run script's status, which it reported itself
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "podd: %v\n", err)
		os.Exit(1)
	}
}
