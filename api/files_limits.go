package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/podd/podd/intree"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// What a copy into a container (PUT .../files) may take: the files' bytes are bounded by podd
// --max-copy-size (CopyLimiter; the container's disk is the real limit, this keeps one request
// from filling it), the entries by maxCopyEntries, the raw body by both (tar headers and
// padding take about a KiB an entry), a client that sends nothing for copyIdleTimeout is cut
// (408), and copySlots copies run at once (the others wait).
const (
	DefaultMaxCopyBytes = 1 << 30
	maxCopyEntries      = 1 << 20
	copyHeaderAllowance = 2 << 10 // raw body bytes per entry beyond the files' data
)

var (
	copyIdleTimeout = 30 * time.Second // a variable for tests
	copySlots       = make(chan struct{}, 4)
)

// CopyLimiter is a Backend that says how many bytes of files one copy into a container may
// write (podd --max-copy-size); without it DefaultMaxCopyBytes.
type CopyLimiter interface {
	MaxCopyBytes() int64
}

func (h *handlers) maxCopyBytes() int64 {
	if l, ok := h.b.(CopyLimiter); ok && l.MaxCopyBytes() > 0 {
		return l.MaxCopyBytes()
	}
	return DefaultMaxCopyBytes
}

// copySlot waits for one of copySlots (or for the client to go) and returns its release.
func copySlot(r *http.Request) (release func(), err error) {
	select {
	case copySlots <- struct{}{}:
		return func() { <-copySlots }, nil
	case <-r.Context().Done():
		return nil, fmt.Errorf("waiting for a copy slot: %w", r.Context().Err())
	}
}

// idleReader reads a request body, each read within copyIdleTimeout of the last, and at most
// max bytes (then it fails with *http.MaxBytesError).
func idleReader(w http.ResponseWriter, r *http.Request, max int64) io.Reader {
	return &idleBody{rc: http.NewResponseController(w), r: http.MaxBytesReader(w, r.Body, max)}
}

type idleBody struct {
	rc *http.ResponseController
	r  io.Reader
}

func (b *idleBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(time.Now().Add(copyIdleTimeout))
	return b.r.Read(p)
}

// copyLimitError is the status of a copy cut by a limit, or nil when err is not one.
func copyLimitError(err error, maxBytes int64) error {
	var le *intree.LimitError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &le) && le.What == "bytes":
		return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			fmt.Sprintf("copy too large: %s passes the limit of %d bytes (podd --max-copy-size)", le.Entry, le.Limit))
	case errors.As(err, &le):
		return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			fmt.Sprintf("copy too large: %s passes the limit of %d entries", le.Entry, le.Limit))
	case errors.As(err, &big):
		return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			fmt.Sprintf("copy too large: the archive passes %d bytes (files up to podd --max-copy-size=%d, and tar headers)", big.Limit, maxBytes))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return statusError(http.StatusRequestTimeout, metav1.StatusReasonTimeout,
			fmt.Sprintf("copy: nothing received from the client for %v", copyIdleTimeout))
	}
	return nil
}
