package rootfs

import (
	"context"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rt "github.com/podd/podd/rootfs/registrytest"
)

type progressLog struct {
	mu  sync.Mutex
	all []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, p)
}

// last is each layer's last report.
func (l *progressLog) last() map[string]Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]Progress{}
	for _, p := range l.all {
		m[p.Layer] = p
	}
	return m
}

// A pull reports every layer: Waiting, Downloading with the bytes read of the compressed
// size, Pull complete; a layer the store holds already is Already exists.
func TestPullProgress(t *testing.T) {
	reg := rt.Start(t)
	base := rt.Layer(t, rt.File("big", randomString(t, 2<<20)))
	top := rt.Layer(t, rt.File("top", "t"))
	ref := reg.Push(t, "p:1", rt.Image(t, v1.Config{}, false, base, top))
	s := &Store{Dir: t.TempDir()}
	var log progressLog
	if _, err := s.PullWith(context.Background(), ref, PullOptions{Progress: log.add}); err != nil {
		t.Fatal(err)
	}
	baseD, topD := layerDigest(base), layerDigest(top)
	baseSize, _ := base.Size()
	last := log.last()
	for _, d := range []string{baseD, topD} {
		if p := last[d]; p.Status != StatusComplete || p.Current != p.Total || p.Total == 0 {
			t.Errorf("layer %s ends %+v, want %s with all bytes", d, p, StatusComplete)
		}
	}
	var downloading int
	for _, p := range log.all {
		if p.Layer == baseD && p.Status == StatusDownloading {
			downloading++
			if p.Total != baseSize || p.Current > p.Total {
				t.Errorf("downloading %+v, total want %d", p, baseSize)
			}
		}
	}
	if downloading < 2 || log.all[0].Status != StatusWaiting {
		t.Errorf("%d Downloading reports of a 2 MiB layer; first report %+v", downloading, log.all[0])
	}

	ref2 := reg.Push(t, "p:2", rt.Image(t, v1.Config{}, false, base, rt.Layer(t, rt.File("other", "o"))))
	var log2 progressLog
	if _, err := s.PullWith(context.Background(), ref2, PullOptions{Progress: log2.add}); err != nil {
		t.Fatal(err)
	}
	if p := log2.last()[baseD]; p.Status != StatusExists {
		t.Errorf("shared layer: %+v, want %s", p, StatusExists)
	}
	for _, p := range log2.all {
		if p.Layer == baseD && strings.HasPrefix(p.Status, "Down") {
			t.Errorf("the present layer was downloaded: %+v", p)
		}
	}
}
