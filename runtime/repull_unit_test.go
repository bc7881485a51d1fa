package runtime

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rt "github.com/podd/podd/rootfs/registrytest"
	corev1 "k8s.io/api/core/v1"
)

// getCounter counts a registry's manifest and blob GETs.
type getCounter struct {
	mu               sync.Mutex
	manifests, blobs int
}

func (g *getCounter) wrap(w http.ResponseWriter, req *http.Request, next http.Handler) {
	g.mu.Lock()
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
		g.manifests++
	}
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/") {
		g.blobs++
	}
	g.mu.Unlock()
	next.ServeHTTP(w, req)
}

func (g *getCounter) counts() (int, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.manifests, g.blobs
}

func waitImageID(t *testing.T, r *Runtime, not string) string {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		cs := ctrStatus(t, r, "web", "c")
		if cs.State.Running != nil && cs.ImageID != "" && cs.ImageID != not {
			return cs.ImageID
		}
	}
	t.Fatalf("no running container with an imageID other than %q: %+v", not, ctrStatus(t, r, "web", "c"))
	return ""
}

// With imagePullPolicy Always every restart pulls again, as the kubelet does: an unchanged
// digest downloads no blob; a tag moved to a new image restarts the container on it.
func TestImageAlwaysRepullsAtRestart(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	var gets getCounter
	reg.Wrap(gets.wrap)
	image := reg.Push(t, "app:1", simpleImage(t))
	apply(t, r, registryPod("web", image, corev1.PullAlways))
	first := nextStart(t, h)
	id1 := waitImageID(t, r, "")
	manifests, blobs := gets.counts()

	first.end(0) // the first restart is immediate
	second := nextStart(t, h)
	if m, b := gets.counts(); m == manifests || b != blobs {
		t.Errorf("restart: %d manifest and %d blob GETs, want a manifest GET and no blob", m-manifests, b-blobs)
	}
	if id := waitImageID(t, r, ""); id != id1 {
		t.Errorf("imageID %s after a restart on the same digest, want %s", id, id1)
	}

	reg.Push(t, "app:1", rt.Image(t, v1.Config{Cmd: []string{"/bin/app"}}, false, rt.Layer(t, rt.File("bin/app", "v2"))))
	second.end(0)
	clock.wait(t, backoffBase)
	clock.tick <- time.Now()
	nextStart(t, h)
	if id := waitImageID(t, r, id1); !strings.HasPrefix(id, reg.Host+"/app@sha256:") {
		t.Errorf("imageID %s after the tag moved", id)
	}
	wantEvents(t, r, `Pulling Pulling image "`+image+`"`, `Pulled Successfully pulled image "`+image+`"`)
	clock.drain()
	deleteLeavesNothing(t, r, h, "web")
}
