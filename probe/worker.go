package probe

import corev1 "k8s.io/api/core/v1"

// worker is the state of one probe over one run of its container, the kubelet's worker.doProbe:
// a result counts only once the same raw outcome came successThreshold (success) or
// failureThreshold (failure) times in a row; a liveness or startup failure that counts puts the
// probe on hold until the container is restarted (the next run has new workers).
type worker struct {
	kind   Kind
	spec   *corev1.Probe
	result Outcome // what the probe says now: Success, Failure or Unknown (no verdict yet)
	last   Outcome // the last raw outcome (Success or Failure)
	run    int     // how many times in a row last came
	onHold bool
}

// newWorker starts with the kubelet's initial results: readiness Failure (not ready until the
// first success), liveness Success, startup Unknown (not started).
func newWorker(k Kind, spec *corev1.Probe) *worker {
	initial := map[Kind]Outcome{Liveness: Success, Readiness: Failure, Startup: Unknown}[k]
	return &worker{kind: k, spec: spec, result: initial}
}

// observe counts a raw outcome (Success or Failure) and reports whether the probe's result
// changed, and whether the container must be restarted.
func (w *worker) observe(o Outcome) (changed, restart bool) {
	if o == w.last {
		w.run++
	} else {
		w.last, w.run = o, 1
	}
	if (o == Failure && w.run < int(w.spec.FailureThreshold)) || (o == Success && w.run < int(w.spec.SuccessThreshold)) {
		return false, false
	}
	changed = w.result != o
	w.result = o
	if o == Failure && w.kind != Readiness {
		w.onHold, w.run = true, 0
		return changed, true
	}
	return changed, false
}
