package api

import (
	"context"
	"io"
	"net/http"

	"github.com/podd/podd/api/wire"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ImageBackend is the image store's side of the API (podctl image pull|ls|rm|prune); a
// Backend without it answers 404 there.
type ImageBackend interface {
	PullImage(ctx context.Context, ref string, progress func(wire.PullProgress)) (wire.ImageInfo, error)
	LoadImages(r io.Reader) ([]wire.ImageInfo, error)
	Images() ([]wire.ImageInfo, error)
	RemoveImage(ref string) error
	PruneImages() (wire.PruneResult, error)
}

func imageRoutes(mux *http.ServeMux, h *handlers) {
	mux.HandleFunc("GET /podd/v1/images", h.images(func(b ImageBackend, w http.ResponseWriter, r *http.Request) {
		items, err := b.Images()
		reply(w, wire.ImageList{Items: items}, err)
	}))
	mux.HandleFunc("POST /podd/v1/images/pull", h.images(func(b ImageBackend, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("progress") == "true" {
			pullWithProgress(b, w, r)
			return
		}
		info, err := b.PullImage(r.Context(), r.URL.Query().Get("image"), nil)
		reply(w, info, err)
	}))
	mux.HandleFunc("POST /podd/v1/images/load", h.images(func(b ImageBackend, w http.ResponseWriter, r *http.Request) {
		items, err := b.LoadImages(r.Body) // a tar archive, streamed
		reply(w, wire.ImageList{Items: items}, err)
	}))
	mux.HandleFunc("DELETE /podd/v1/images", h.images(func(b ImageBackend, w http.ResponseWriter, r *http.Request) {
		reply(w, struct{}{}, b.RemoveImage(r.URL.Query().Get("image")))
	}))
	mux.HandleFunc("POST /podd/v1/images/prune", h.images(func(b ImageBackend, w http.ResponseWriter, r *http.Request) {
		res, err := b.PruneImages()
		reply(w, res, err)
	}))
}

// images adapts an image handler: 404 when the backend keeps no images, 400 without ?image=
// where one is needed.
func (h *handlers) images(f func(ImageBackend, http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, ok := h.b.(ImageBackend)
		if !ok {
			notFound(w, r)
			return
		}
		needsRef := r.Method == http.MethodDelete || r.URL.Path == "/podd/v1/images/pull"
		if needsRef && r.URL.Query().Get("image") == "" {
			writeError(w, apierrors.NewBadRequest("the image query parameter is required"))
			return
		}
		f(b, w, r)
	}
}

func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
