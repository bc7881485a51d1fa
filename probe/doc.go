// Package probe owns container health probes as the kubelet runs them: the API's defaults and
// validation of a v1.Probe, the per-probe state (results -> success/failure runs -> ready,
// started and restart decisions, startup gating liveness and readiness), one scheduler for every
// probe of every pod (a timer heap on one goroutine feeding a small bounded pool of workers),
// and the checkers that podd dials itself from inside the pod's network namespace (tcpSocket,
// httpGet) or runs through the runtime's exec path (exec). The image needs no curl, nc or
// shell.
//
// The semantics (kind.go, worker.go, container.go) are pure and run on an injectable Clock;
// runtime wires a container run's probes to its status, its events and its restart.
package probe
