package api

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/podd/podd/internal/inflight"
	"github.com/podd/podd/manifest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxBody bounds a request body that is read whole (a pod manifest, delete options).
const maxBody = manifest.MaxSize

// bodyTimeout bounds the time a client may take to send such a body (a variable for tests).
var bodyTimeout = 10 * time.Second

// bodyBudget bounds the bytes of bodies read whole and decoded at once (a variable for tests):
// podd's budget, which the podctl route shares.
var bodyBudget = inflight.Bodies

// readBody reads a whole request body of at most maxBody bytes within bodyTimeout: more is a
// 413, slower a 408. It first waits for the body's size (declared, else maxBody) of
// bodyBudget, which release gives back: the caller calls it once done with the body (decoded).
// The read deadline starts when the body's turn comes and is lifted once the body is in, so
// that a long apply is never cut; after a failure it stays, so the server drops the rest of
// the body and the connection instead of waiting for them.
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	if r.ContentLength > maxBody {
		return nil, func() {}, tooLarge()
	}
	size := r.ContentLength
	if size < 0 {
		size = maxBody
	}
	release, err = bodyBudget.Acquire(r.Context(), size)
	if err != nil {
		return nil, func() {}, statusError(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout))
	body, err = inflight.Read(http.MaxBytesReader(w, r.Body, maxBody), r.ContentLength, maxBody)
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
		return body, release, nil
	}
	release()
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return nil, func() {}, tooLarge()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, func() {}, statusError(http.StatusRequestTimeout, metav1.StatusReasonTimeout,
			fmt.Sprintf("request body not received within %v", bodyTimeout))
	}
	return nil, func() {}, apierrors.NewBadRequest(fmt.Sprintf("read body: %v", err))
}

func tooLarge() error {
	return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
		fmt.Sprintf("request body too large: the limit is %d bytes", maxBody))
}
