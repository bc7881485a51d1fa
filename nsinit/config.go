// Package nsinit owns the processes of containers: everything between clone and execve of a
// container process, and the commands exec'd into running containers with their pty and pipes.
// podd clones podd-nsinit (or itself as `podd nsinit`) inside new mount and PID namespaces,
// already in the container's cgroup and in the pod's network, IPC and UTS namespaces; the
// child reads its Config, builds the container's root and execs the container command. A setup
// failure comes back as one *SetupError (step, path, manifest field, errno) on a sync pipe
// that closes on exec, so the parent knows "running" the moment execve succeeds (EOF). Starter
// is the interface callers use; Launcher is the real one. The package also reads the /proc
// facts podd needs about processes (parent, start time, caught signals).
package nsinit

import (
	"github.com/podd/podd/mounts"
	"github.com/podd/podd/rootfs/overlay"
)

// Config is what the child needs to turn itself into the container.
type Config struct {
	Overlay overlay.Overlay `json:"overlay"`
	Binds   []mounts.Bind   `json:"binds,omitempty"`
	Args    []string        `json:"args"`
	Env     []string        `json:"env"`
	Cwd     string          `json:"cwd"`
	// Security is the user, capabilities, limits and filters (zero: root with no
	// capabilities, no filter).
	Security Security `json:"security"`
}

// Arg is the argv[1] that selects the nsinit entry point of the podd binary.
const Arg = "nsinit"

const (
	configFD = 3 // the child reads its Config here
	syncFD   = 4 // and reports a setup error here (a SetupError); closed by execve on success
	// binaryFD is the sealed copy the child is executed from (/proc/self/fd/5): a descriptor
	// the child is given like the others, so the fork's descriptor shuffle puts it in place
	// rather than overwriting it (see Binary).
	binaryFD = 5
)
