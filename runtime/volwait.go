package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/podd/podd/configobj"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/podstatus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Volumes of ConfigMaps and Secrets, kubelet's way. A configMap, secret or projected volume
// whose object or key is missing (and not optional) does not refuse the pod: it is pending,
// the pod's containers wait in ContainerCreating, a Warning FailedMount event says why
// (`MountVolume.SetUp failed for volume "x" : configmap "y" not found`), and the mount is tried
// again with kubelet's growing delay, and at once whenever a ConfigMap or Secret of the pod's
// namespace is applied. A ConfigMap or Secret applied again rewrites the files of the running
// pods' volumes through the atomic writer (mounts.Project: ..data swapped to a new timestamped
// directory); subPath mounts keep the file they bound and env keeps its values, as in
// Kubernetes.
const (
	reasonFailedMount = "FailedMount"
	mountRetryFirst   = 2 * time.Second
	mountRetryMax     = 2*time.Minute + 2*time.Second // kubelet's exponential back-off cap
)

// volumeState is the state of the pod's projected volumes; mu serializes every write of their
// files with their removal.
type volumeState struct {
	mu        sync.Mutex
	pending   map[string]string // volume name -> FailedMount message
	projected map[string]bool   // volumes whose files are written
	removed   bool              // the volumes are gone: write nothing more
	ready     chan struct{}     // closed once no volume was pending
	poke      chan struct{}     // an object of the namespace changed: try again now
}

func newVolumeState() volumeState {
	return volumeState{pending: map[string]string{}, projected: map[string]bool{},
		ready: make(chan struct{}), poke: make(chan struct{}, 1)}
}

// mounted reports whether every volume could be set up (the containers may start).
func (s *sandbox) mounted() bool {
	select {
	case <-s.vols.ready:
		return true
	default:
		return false
	}
}

// project writes the files of volume i; a missing object or key leaves it pending with
// kubelet's message and the files it had (none the first time). s.vols.mu is held.
func (s *sandbox) projectLocked(i int) *field.Error {
	v := &s.volumes[i]
	if s.vols.removed {
		return nil
	}
	fe := s.createProjected(v, field.NewPath("spec", "volumes").Index(i))
	switch {
	case fe == nil:
		delete(s.vols.pending, v.Name)
		s.vols.projected[v.Name] = true
	case fe.Type == field.ErrorTypeNotFound:
		s.vols.pending[v.Name] = fmt.Sprintf("MountVolume.SetUp failed for volume %q : %s", v.Name, fe.Detail)
		return nil
	}
	return fe
}

// projectAll writes the projected volumes (all of them, or the pending ones) and closes ready
// when none is left pending; it returns the FailedMount messages of those still pending.
func (s *sandbox) projectAll(onlyPending bool) ([]string, error) {
	s.vols.mu.Lock()
	defer s.vols.mu.Unlock()
	for i := range s.volumes {
		v := &s.volumes[i]
		if !configobj.Projected(v) {
			continue
		}
		if _, ok := s.vols.pending[v.Name]; onlyPending && !ok {
			continue
		}
		if fe := s.projectLocked(i); fe != nil {
			return nil, invalid.Pod(s.podName(), fe.Error(), fe)
		}
	}
	if len(s.vols.pending) == 0 {
		if !s.mounted() {
			close(s.vols.ready)
		}
		return nil, nil
	}
	msgs := make([]string, 0, len(s.vols.pending))
	for i := range s.volumes {
		if m, ok := s.vols.pending[s.volumes[i].Name]; ok {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// recoverVolumes takes the projected volumes of a pod a previous podd ran: those whose files
// are there are kept; the others (a new memory tmpfs after a reboot, or pending ones) are
// written again from the objects as they are now, or left pending.
func (s *sandbox) recoverVolumes() error {
	s.recoverNFS()
	s.vols.mu.Lock()
	for i := range s.volumes {
		v := &s.volumes[i]
		if !configobj.Projected(v) {
			continue
		}
		dir, _ := s.volumeSource(v.Name)
		if _, err := os.Lstat(filepath.Join(dir, "..data")); err == nil {
			s.vols.projected[v.Name] = true
		} else {
			s.vols.pending[v.Name] = ""
		}
	}
	s.vols.mu.Unlock()
	_, err := s.projectAll(true)
	return err
}

// removeProjected stops every later write of the volumes' files (removeVolumes removes them).
func (s *sandbox) removeProjected() {
	s.vols.mu.Lock()
	s.vols.removed = true
	s.vols.mu.Unlock()
}

// startMounter runs the retry loop of the pending volumes, if any, until they are set up or the
// pod is deleted.
func (p *pod) startMounter() {
	if p.mounted() {
		return
	}
	go p.retryMounts()
}

func (p *pod) retryMounts() {
	for n := 0; ; n++ {
		p.mountNFS()
		msgs, err := p.projectAll(true)
		if err != nil {
			logf("pod %s: volumes: %v", p.name, err)
		}
		if len(msgs) == 0 && err == nil {
			return
		}
		for _, m := range msgs {
			if m != "" {
				p.event(corev1.EventTypeWarning, reasonFailedMount, m)
			}
		}
		if !p.waitMountRetry(min(mountRetryFirst<<min(n, 10), mountRetryMax)) {
			return
		}
	}
}

// waitMountRetry waits d or a change of an object, false when the pod is being deleted.
func (p *pod) waitMountRetry(d time.Duration) bool {
	timer := p.rt.after(d)
	for {
		p.mu.Lock()
		deleting := p.deleting
		changed := p.waitChangeLocked()
		p.mu.Unlock()
		if deleting {
			return false
		}
		select {
		case <-timer:
			return true
		case <-p.vols.poke:
			return true
		case <-changed:
		}
	}
}

// ifMounted runs f only when the volumes are set up (sandbox.run makes them before f runs).
func (p *pod) ifMounted(f func() error) func() error {
	return func() error {
		if !p.mounted() {
			return nil
		}
		return f()
	}
}

// creating reports whether the container still waits in ContainerCreating: the apply did not
// start it (its volumes were pending then, though they may be ready by now).
func (c *container) creating() bool {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	w := c.status().State.Waiting
	return w != nil && w.Reason == podstatus.ReasonContainerCreating
}

// awaitMounts holds a container's first start until its pod's volumes are set up; false when
// the pod is deleted first.
func (c *container) awaitMounts() bool {
	select {
	case <-c.p.vols.ready:
		return true
	case <-c.stopAt:
		return false
	}
}

// PutConfigMap stores cm, then brings it to the pods that use it (objectChanged).
func (rt *Runtime) PutConfigMap(cm *corev1.ConfigMap) (*corev1.ConfigMap, string, error) {
	out, result, err := rt.Store.PutConfigMap(cm)
	if err == nil && result != configobj.Unchanged {
		rt.objectChanged(configobj.ConfigMaps, out.Namespace, out.Name)
	}
	return out, result, err
}

// PutSecret stores sec, then brings it to the pods that use it (objectChanged).
func (rt *Runtime) PutSecret(sec *corev1.Secret) (*corev1.Secret, string, error) {
	out, result, err := rt.Store.PutSecret(sec)
	if err == nil && result != configobj.Unchanged {
		rt.objectChanged(configobj.Secrets, out.Namespace, out.Name)
	}
	return out, result, err
}

// objectChanged rewrites, before the apply of the object returns, the files of every volume
// made from it, and wakes the pods whose volumes are pending.
func (rt *Runtime) objectChanged(resource, ns, name string) {
	for _, p := range rt.podsWhere(func(p *pod) bool { return p.obj.Namespace == ns }) {
		uses := func(v *corev1.Volume) bool { return configobj.References(v, resource, name) }
		if err := p.refreshVolumes(uses); err != nil {
			logf("pod %s: update volumes from %s %s: %v", p.name, resource, name, err)
		}
	}
}

// refreshVolumes writes again the volumes of the pod that uses picks (those made from an object
// that changed, or showing the pod's metadata); one that cannot be (the object lost a key) keeps
// its files and gets a FailedMount event, as with the kubelet.
func (p *pod) refreshVolumes(uses func(*corev1.Volume) bool) error {
	s := p.sandbox
	s.vols.mu.Lock()
	var errs []error
	var failed []string
	for i := range s.volumes {
		v := &s.volumes[i]
		_, pending := s.vols.pending[v.Name]
		if !uses(v) {
			continue
		}
		if pending {
			select {
			case s.vols.poke <- struct{}{}:
			default:
			}
			continue
		}
		if !s.vols.projected[v.Name] {
			continue // not written yet: the pod's start writes it
		}
		if fe := s.projectLocked(i); fe != nil {
			errs = append(errs, fe)
		}
		if m, ok := s.vols.pending[v.Name]; ok {
			delete(s.vols.pending, v.Name) // the volume keeps its files; the containers run on
			failed = append(failed, m)
		}
	}
	s.vols.mu.Unlock()
	for _, m := range failed {
		p.event(corev1.EventTypeWarning, reasonFailedMount, m)
	}
	return errors.Join(errs...)
}
