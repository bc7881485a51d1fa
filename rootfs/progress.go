package rootfs

import (
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// Layer pull states, as docker pull shows them.
const (
	StatusWaiting     = "Waiting"
	StatusDownloading = "Downloading" // downloaded and unpacked as it arrives
	StatusComplete    = "Pull complete"
	StatusExists      = "Already exists"
)

// Progress is one layer's state during a pull: Current of Total compressed bytes read.
type Progress struct {
	Layer   string `json:"layer"` // the compressed layer's digest
	Status  string `json:"status"`
	Current int64  `json:"current,omitempty"`
	Total   int64  `json:"total,omitempty"`
}

// progressStep is how many bytes a layer reads between two Downloading reports.
const progressStep = 512 << 10

// progressHubs fans a shared pull's progress out to every caller waiting on it.
type progressHubs struct {
	mu   sync.Mutex
	next int
	subs map[string]map[int]func(Progress) // pull key -> subscribers
}

// add subscribes f (nil: nothing) to the pull key's reports and returns the unsubscribe.
func (h *progressHubs) add(key string, f func(Progress)) func() {
	if f == nil {
		return func() {}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[string]map[int]func(Progress){}
	}
	if h.subs[key] == nil {
		h.subs[key] = map[int]func(Progress){}
	}
	h.next++
	id := h.next
	h.subs[key][id] = f
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[key], id)
		if len(h.subs[key]) == 0 {
			delete(h.subs, key)
		}
	}
}

// reporter is the report function of the pull key: it calls every subscriber of the moment.
func (h *progressHubs) reporter(key string) func(Progress) {
	return func(p Progress) {
		h.mu.Lock()
		var fs []func(Progress)
		for _, f := range h.subs[key] {
			fs = append(fs, f)
		}
		h.mu.Unlock()
		for _, f := range fs {
			f(p)
		}
	}
}

// reportingLayer is a layer whose compressed stream reports what was read.
type reportingLayer struct {
	v1.Layer
	report func(Progress)
}

// withProgress makes l report its compressed bytes as they are read; its uncompressed stream
// is decompressed from that one (go-containerregistry's partial.CompressedToLayer).
func withProgress(l v1.Layer, report func(Progress)) v1.Layer {
	if report == nil {
		return l
	}
	wrapped, err := partial.CompressedToLayer(reportingLayer{Layer: l, report: report})
	if err != nil {
		return l
	}
	return wrapped
}

func (l reportingLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	d, err := l.Digest()
	if err != nil {
		rc.Close()
		return nil, err
	}
	total, _ := l.Size()
	return &countingReader{ReadCloser: rc, p: Progress{Layer: d.String(), Status: StatusDownloading, Total: total},
		report: l.report}, nil
}

type countingReader struct {
	io.ReadCloser
	p      Progress
	last   int64
	report func(Progress)
}

func (r *countingReader) Read(b []byte) (int, error) {
	n, err := r.ReadCloser.Read(b)
	r.p.Current += int64(n)
	if r.p.Current-r.last >= progressStep || (err == io.EOF && r.p.Current > r.last) {
		r.last = r.p.Current
		r.report(r.p)
	}
	return n, err
}

// reporter is b's report function; nil when nobody asked for progress (or b is nil).
func (b *budget) reporter() func(Progress) {
	if b == nil {
		return nil
	}
	return b.report
}

// reportLayer reports the layer's final state, with its full size.
func (b *budget) reportLayer(l v1.Layer, status string) {
	if b == nil || b.report == nil {
		return
	}
	size, _ := l.Size()
	b.report(Progress{Layer: layerDigest(l), Status: status, Current: size, Total: size})
}

// layerDigest is l's compressed digest as a string ("" if unknown).
func layerDigest(l v1.Layer) string {
	d, err := l.Digest()
	if err != nil {
		return ""
	}
	return d.String()
}
