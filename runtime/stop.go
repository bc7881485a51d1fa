package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Delete stops the pod's containers within the grace period and removes every trace of the pod.
// A container whose PID 1 has no SIGTERM handler is killed at once: the kernel drops SIGTERM
// for a PID-namespace init without a handler, so waiting out the grace would be futile.
// The deletion is recorded (fsynced) before anything is stopped, so a podd that dies meanwhile
// finishes it when it starts again; a client that goes away (ctx) does not stop it either.
func (rt *Runtime) Delete(ctx context.Context, namespace, name string, grace *int64) error {
	p := rt.lookup(namespace, name)
	if p == nil {
		return apierrors.NewNotFound(podsResource, name)
	}
	g := p.graceFor(grace)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.delete(g)
		rt.forget(p)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("delete pod %q: %w (the deletion goes on)", name, ctx.Err())
	}
}

func (p *pod) graceFor(grace *int64) time.Duration {
	if grace != nil {
		return seconds(*grace)
	}
	if g := p.obj.Spec.TerminationGracePeriodSeconds; g != nil {
		return seconds(*g)
	}
	return 30 * time.Second
}

// seconds converts a grace period without overflowing time.Duration: the API and validation
// refuse such values, but a record written by an older podd may still hold one.
func seconds(s int64) time.Duration {
	const most = int64(math.MaxInt64 / int64(time.Second))
	return time.Duration(max(0, min(s, most))) * time.Second
}

// delete stops the containers (each supervisor runs its StopContainer on the deadline), then
// tears the pod down. It is idempotent: a second caller waits for the first one's teardown.
func (p *pod) delete(grace time.Duration) {
	<-p.started
	if !p.supervised {
		p.teardown() // a failed start or recovery: nothing runs, only remains to clear
		return
	}
	deadline := time.Now().Add(grace)
	p.mu.Lock()
	first := !p.deleting
	p.deleting = true
	if first {
		p.killingEventsLocked()
	}
	changed := p.markDeleted(deadline, grace)
	p.notifyLocked() // the initializer stops
	p.mu.Unlock()
	if changed {
		if err := p.write(true); err != nil {
			logf("pod %s/%s: record the deletion: %v (deleting it anyway)", p.obj.Namespace, p.obj.Name, err)
		}
	}
	if first {
		crashpoint(crashDeleteRecorded)
	}
	if !first {
		// A later delete may shorten the grace (kubectl delete --grace-period=0), never extend it.
		for _, c := range p.all() {
			select {
			case c.stopAt <- deadline:
			default:
			}
		}
	} else {
		p.stopContainers(deadline)
		crashpoint(crashDeleteKilled)
		p.teardown()
		close(p.gone)
	}
	<-p.gone
}

// stopContainers stops the app and regular init containers at once, then the sidecars one by
// one, last first, all by the same deadline (kubelet's order).
func (p *pod) stopContainers(deadline time.Time) {
	for _, c := range p.all() {
		if !c.sidecar() {
			select {
			case c.stopAt <- deadline:
			default: // a deadline is pending already
			}
		}
	}
	p.mainWG.Wait() // the initializer too: no sidecar starts any more
	p.stopSidecars(deadline)
	p.wg.Wait()
}

// markDeleted records the deletion in the pod object, Kubernetes' way: deletionTimestamp is
// when the pod must be gone (now + grace). A later, shorter delete moves it closer, never
// further. It reports whether anything changed. Called with p.mu held.
func (p *pod) markDeleted(deadline time.Time, grace time.Duration) bool {
	if t := p.obj.DeletionTimestamp; t != nil && !deadline.Before(t.Time) {
		return false
	}
	at := metav1.NewTime(deadline)
	secs := int64(grace / time.Second)
	p.obj.DeletionTimestamp = &at
	p.obj.DeletionGracePeriodSeconds = &secs
	return true
}

// teardown removes everything the pod had, carrying on past errors so as much as possible is
// gone: the sandbox's stop (what still runs in it, namespaces, address), each container's remove,
// the sandbox's remove (record last, so a failed teardown is retried). A delete has stopped the
// containers first; a failed apply has not, and the sandbox's stop kills what it started. It is
// idempotent: what is already gone is fine, so a restarted podd can run it again.
func (p *pod) teardown() {
	p.stopDeadline()
	errs := []error{p.sandbox.stop()}
	for _, c := range p.all() {
		errs = append(errs, c.remove())
	}
	p.awaitLogs(logDrainBound)
	p.saveMu.Lock() // an update or save under way ends first; none writes after
	p.removed = true
	p.saveMu.Unlock()
	errs = append(errs, p.sandbox.remove())
	if err := errors.Join(errs...); err != nil {
		logf("pod %s/%s teardown: %v", p.obj.Namespace, p.obj.Name, err)
	}
}

// removeRecordLast removes a pod directory, its record (pod.json) last: a podd killed midway
// finds the record and finishes the job.
func removeRecordLast(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if e.Name() != "pod.json" {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	crashpoint(crashDeleteBeforeRm)
	return os.RemoveAll(dir)
}

// Shutdown stops every pod (each with its own grace period) in parallel.
func (rt *Runtime) Shutdown() {
	rt.mu.Lock()
	rt.closing = true
	pods := make([]*pod, 0, len(rt.pods))
	for _, p := range rt.pods {
		pods = append(pods, p)
	}
	rt.mu.Unlock()
	done := make(chan struct{}, len(pods))
	for _, p := range pods {
		go func() {
			start := time.Now()
			p.delete(p.graceFor(nil))
			rt.forget(p)
			logf("stopped pod %s/%s in %v", p.obj.Namespace, p.obj.Name, time.Since(start).Round(time.Millisecond))
			done <- struct{}{}
		}()
	}
	for range pods {
		<-done
	}
	rt.stopProbing()
	rt.stopOOMWatch()
	rt.settleNetwork()
	logf("all pods stopped")
}

// settleNetwork removes now what the network keeps for a while after the last pod (podd's
// nftables table), so that nothing outlives podd when no pod is left.
func (rt *Runtime) settleNetwork() {
	s, ok := rt.net.(interface{ Settle() error })
	if !ok {
		return
	}
	if err := s.Settle(); err != nil {
		logf("%v", err)
	}
}

// Detach is how podd leaves without stopping pods (SIGTERM when not PID 1): it refuses new
// applies and lets those in progress finish (up to timeout), so none is left half made; the
// pods keep running and the next podd adopts them.
func (rt *Runtime) Detach(timeout time.Duration) {
	rt.mu.Lock()
	rt.closing = true
	rt.mu.Unlock()
	done := make(chan struct{})
	go func() { rt.applies.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		logf("applies still in progress after %v: the next podd rolls them back", timeout)
	}
	rt.settleNetwork()
	rt.events.flush() // the next podd reads them back
}

// logDrainBound caps how long a teardown waits for the containers' log captures to drain what
// is left in their pipes (their processes are gone by then: the pipes end at once).
const logDrainBound = 2 * time.Second

// awaitLogs waits for each container's last log capture to end, so that no rotation creates a
// file in the log directory while the sandbox removes it. Past the bound it closes the log
// files of the captures still running: their remaining output is dropped (counted and logged)
// rather than written into a directory being removed.
func (p *pod) awaitLogs(bound time.Duration) {
	deadline := time.After(bound)
	late := false
	for _, c := range p.all() {
		p.mu.Lock()
		l := c.log
		p.mu.Unlock()
		if l == nil {
			continue
		}
		if !late {
			select {
			case <-l.done:
				continue
			case <-deadline:
				late = true
			}
		}
		select {
		case <-l.done:
		default:
			logf("pod %s/%s: container %s: its log capture did not end within %v of the teardown: closing its log file", p.obj.Namespace, p.obj.Name, c.name(), bound)
			if l.w != nil {
				l.w.Close()
			}
		}
	}
}
