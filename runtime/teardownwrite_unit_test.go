package runtime

import (
	"os"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// An update (podctl label during a delete: it found the pod before the delete forgot it) or a
// status save that comes once the teardown removes the pod's directory writes no record: it
// would recreate the record in the directory being removed (TestStressFeatures saw a pod's
// directory left, "unlinkat ...: directory not empty"), for a restarted podd to bring the
// deleted pod back. The update is answered NotFound, as for a pod already gone.
func TestNoRecordWrittenOnceTornDown(t *testing.T) {
	rt, h := newTestRuntime(t)
	running(t, rt, h, testPod(t, "web", "a"))
	p := rt.lookup("default", "web")
	in := p.snapshot()
	deletePod(t, rt, "web", 0)
	in.Labels = map[string]string{"tier": "x"}
	if err := p.change(in, false); !apierrors.IsNotFound(err) {
		t.Errorf("update once torn down: %v, want NotFound", err)
	}
	if err := p.write(true); err != nil {
		t.Errorf("status save once torn down: %v, want nothing written, no error", err)
	}
	if _, err := os.Stat(p.dir()); !os.IsNotExist(err) {
		t.Errorf("pod directory after the teardown: %v, want none", err)
	}
}
