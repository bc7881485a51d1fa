package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"time"

	"github.com/podd/podd/intree"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FilesBackend opens a running container's root for podctl cp; a Backend without it answers
// 404 on the files route.
type FilesBackend interface {
	ContainerRoot(ctx context.Context, namespace, name, container string) (*os.File, error)
}

// CopyErrorTrailer carries the error that cut a GET files stream short after it had started.
const CopyErrorTrailer = "Podd-Copy-Error"

// filesRoutes: GET .../files?container=C&path=P sends P as a tar stream (entry "." is P);
// PUT .../files?container=C&path=P&name=N extracts the tar body at P, or at P/N when P is an
// existing directory. Paths resolve inside the container's root; nothing in the image runs.
func filesRoutes(mux *http.ServeMux, h *handlers) {
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/files", h.files(sendFiles))
	mux.HandleFunc("PUT /api/v1/namespaces/{ns}/pods/{name}/files", h.files(h.receiveFiles))
}

func (h *handlers) files(f func(root *os.File, w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, ok := h.b.(FilesBackend)
		if !ok {
			notFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("path") == "" {
			writeError(w, filesInvalid("path", "", "a path in the container is required"))
			return
		}
		root, err := b.ContainerRoot(r.Context(), r.PathValue("ns"), r.PathValue("name"), q.Get("container"))
		if err != nil {
			writeError(w, err)
			return
		}
		defer root.Close()
		f(root, w, r)
	}
}

func filesInvalid(name, value, detail string) error {
	return apierrors.NewInvalid(schema.GroupKind{Kind: "PodFiles"}, "", field.ErrorList{field.Invalid(field.NewPath(name), value, detail)})
}

func sendFiles(root *os.File, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Trailer", CopyErrorTrailer)
	tw := &startWriter{w: w}
	err := intree.Send(root, r.URL.Query().Get("path"), tw, nil)
	switch {
	case err == nil:
	case !tw.started:
		writeError(w, copyError(err))
	default:
		w.Header().Set(CopyErrorTrailer, "tar: "+err.Error())
	}
}

func (h *handlers) receiveFiles(root *os.File, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	base := path.Base(q.Get("name"))
	if base == ".." || base == "/" || base == "." {
		writeError(w, filesInvalid("name", q.Get("name"), "a file name, not . or .. or /"))
		return
	}
	release, err := copySlot(r)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()
	maxBytes := h.maxCopyBytes()
	body := idleReader(w, r, maxBytes+maxCopyEntries*copyHeaderAllowance)
	dest := intree.Target(root, q.Get("path"), base)
	err = intree.Receive(root, dest, body, intree.Options{MaxBytes: maxBytes, MaxEntries: maxCopyEntries})
	if lerr := copyLimitError(err, maxBytes); lerr != nil {
		writeError(w, lerr)
		return
	}
	if err != nil {
		writeError(w, copyError(err))
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	writeJSON(w, http.StatusOK, struct{}{})
}

// copyError is a failed copy's status: 404 for a path that is not there, else 400, with
// tar's words.
func copyError(err error) error {
	code, reason := http.StatusBadRequest, metav1.StatusReasonBadRequest
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, intree.ErrNotExist) {
		code, reason = http.StatusNotFound, metav1.StatusReasonNotFound
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure,
		Code: int32(code), Reason: reason, Message: fmt.Sprintf("tar: %v", err)}}
}

// startWriter notes whether the stream started (then errors can only go in the trailer).
type startWriter struct {
	w       http.ResponseWriter
	started bool
}

func (s *startWriter) Write(p []byte) (int, error) {
	if !s.started {
		s.w.Header().Set("Content-Type", "application/x-tar")
		s.started = true
	}
	return s.w.Write(p)
}
