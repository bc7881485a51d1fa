// Package podopts holds the options of the two streaming requests on a pod, logs and exec, and
// the result of an apply: the API client sends them, the API server decodes them and the runtime
// serves them. It imports
// nothing, so each of those can depend on it without depending on the others (the runtime
// does not import the API, podctl links neither the server nor the runtime).
package podopts

// LogOptions selects the log stream of one container.
type LogOptions struct {
	Container string
	Follow    bool
	Previous  bool
	TailLines int64 // -1: all lines
}

// ExecOptions describes a command to run in a container.
type ExecOptions struct {
	Container string
	Command   []string
	Stdin     bool
	TTY       bool
}

// ApplyResult is what an apply did to a pod, as kubectl words it: "pod/web configured".
type ApplyResult string

const (
	ApplyCreated    ApplyResult = "created"    // a new pod
	ApplyConfigured ApplyResult = "configured" // labels, annotations or an image changed
	ApplyUnchanged  ApplyResult = "unchanged"  // nothing to change
)
