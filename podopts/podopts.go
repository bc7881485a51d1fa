// Package podopts holds the options of the two streaming requests on a pod, logs and exec, and
// the result of an apply: the API client sends them, the API server decodes them and the runtime
// serves them. It imports
// only the standard library, so each of those can depend on it without depending on the others (the runtime
// does not import the API, podctl links neither the server nor the runtime).
package podopts

import "time"

// LogOptions selects the log stream of one container, as the Kubernetes PodLogOptions.
type LogOptions struct {
	Container    string
	Follow       bool
	Previous     bool
	TailLines    int64     // -1: all lines
	SinceSeconds int64     // 0: no bound; only lines newer than this many seconds
	SinceTime    time.Time // zero: no bound; only lines from this time on
	Timestamps   bool      // each line starts with its RFC 3339 time
	LimitBytes   int64     // 0: no limit
}

// Since is the earliest time of a line to show (zero: all), as of now.
func (o LogOptions) Since(now time.Time) time.Time {
	if o.SinceSeconds > 0 {
		return now.Add(-time.Duration(o.SinceSeconds) * time.Second)
	}
	return o.SinceTime
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

// Write is the kind of pod write a dry run answers for.
type Write int

const (
	WriteApply  Write = iota // create, or update with apply's three-way merge of labels
	WriteCreate              // create; a pod that exists is AlreadyExists
	WriteUpdate              // update of an existing pod (a PATCH); none is NotFound
)
