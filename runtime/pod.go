package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// pod is a running pod. Its mutex guards obj.Status and the containers' state (its events are
// in the runtime's event store).
type pod struct {
	*sandbox   // what the containers share (sandbox.go)
	rt         *Runtime
	mu         sync.Mutex
	saveMu     sync.Mutex // serializes record writes (see write)
	removed    bool       // the teardown removes the pod's directory: no record is written (saveMu)
	obj        *corev1.Pod
	ctrs       []*container // the app containers
	inits      []*container // the init containers, sidecars among them (initcontainers.go)
	deleting   bool
	appsDone   bool           // no app container will run again: the sidecars are stopped (initcontainers.go)
	deadline   *time.Timer    // spec.activeDeadlineSeconds (deadline.go)
	supervised bool           // container supervisors are running (they reap their processes)
	started    chan struct{}  // closed when Apply's start has finished, well or not
	gone       chan struct{}  // closed when the pod is torn down
	wg         sync.WaitGroup // container supervisors and the initializer
	mainWG     sync.WaitGroup // those of wg that are not sidecars' supervisors
	changed    chan struct{}  // closed at the next status change (waitChange), nil when none waits
}

func key(namespace, name string) string { return namespace + "/" + name }

func (p *pod) uid() string       { return string(p.obj.UID) }
func (p *pod) stateFile() string { return filepath.Join(p.dir(), "pod.json") }

// nameMax is the longest file name (NAME_MAX).
const nameMax = 255

// logDirName is kubelet's <ns>_<name>_<uid> when it fits in NAME_MAX. A longer one (a pod
// name may have 253 characters) keeps the namespace, the uid and as much of the name as fits,
// followed by "-" and 8 hex digits of the name's SHA-256, so that it stays readable, stable
// and unique.
func logDirName(ns, name, uid string) string {
	full := ns + "_" + name + "_" + uid
	if len(full) <= nameMax {
		return full
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "-" + hex.EncodeToString(sum[:4])
	keep := max(nameMax-len(ns)-len(uid)-2-len(suffix), 0)
	return ns + "_" + name[:min(keep, len(name))] + suffix + "_" + uid
}

// snapshot returns a deep copy of the pod object, safe to hand out.
func (p *pod) snapshot() *corev1.Pod {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.obj.DeepCopy()
}

// all is the init containers then the app containers.
func (p *pod) all() []*container {
	if len(p.inits) == 0 {
		return p.ctrs
	}
	return append(append([]*container(nil), p.inits...), p.ctrs...)
}

// container finds a container of the pod, init containers included, by name ("" picks the only
// app container).
func (p *pod) container(name string) (*container, error) {
	if name == "" && len(p.ctrs) == 1 {
		return p.ctrs[0], nil
	}
	for _, c := range p.all() {
		if c.name() == name {
			return c, nil
		}
	}
	if name == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", p.obj.Name))
	}
	return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, p.obj.Name))
}
