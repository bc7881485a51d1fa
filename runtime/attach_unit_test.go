package runtime

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// slowKeeper is a keeper whose Drop waits until released: the moment a run that ended is
// letting its stdin go.
type slowKeeper struct {
	put, dropping chan string
	release       chan struct{}
}

func (k *slowKeeper) Put(key string, _ *os.File) error { k.put <- key; return nil }
func (k *slowKeeper) Get(string) (*os.File, error)     { return nil, nil }
func (k *slowKeeper) Keys() ([]string, error)          { return nil, nil }
func (k *slowKeeper) Drop(key string) error            { k.dropping <- key; <-k.release; return nil }

// attach -i to a stdin container whose run just ended, while its stdin is being let go, is
// refused as not running: not as a stdin "not kept across a podd restart" (no podd restarted).
func TestAttachToARunEnding(t *testing.T) {
	rt, h := newTestRuntime(t)
	k := &slowKeeper{put: make(chan string, 1), dropping: make(chan string, 1), release: make(chan struct{})}
	rt.keeper = k
	in := testPod(t, "web", "a")
	in.Spec.RestartPolicy = corev1.RestartPolicyNever
	in.Spec.Containers[0].Stdin = true
	_, procs := running(t, rt, h, in)
	<-k.put
	procs["a"].end(exitCode(1))
	<-k.dropping
	opts := podopts.ExecOptions{Container: "a", Stdin: true}
	err := rt.Attach(context.Background(), "default", "web", opts, strings.NewReader("x\n"), io.Discard, io.Discard)
	close(k.release)
	if !apierrors.IsBadRequest(err) || err.Error() != "container a is not running" {
		t.Errorf("attach -i as the run ends: %v, want 400 container a is not running", err)
	}
	deletePod(t, rt, "web", 0)
}
