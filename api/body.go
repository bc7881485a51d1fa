package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/podd/podd/manifest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxBody bounds a request body that is read whole (a pod manifest, delete options).
const maxBody = manifest.MaxSize

// bodyTimeout bounds the time a client may take to send such a body (a variable for tests).
var bodyTimeout = 10 * time.Second

// readBody reads a whole request body of at most maxBody bytes within bodyTimeout: more is a
// 413, slower a 408. The read deadline is lifted once the body is in, so that a long apply is
// never cut; after a failure it stays, so the server drops the rest of the body and the
// connection instead of waiting for them.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBody {
		return nil, tooLarge()
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return nil, tooLarge()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, statusError(http.StatusRequestTimeout, metav1.StatusReasonTimeout,
			fmt.Sprintf("request body not received within %v", bodyTimeout))
	case err != nil:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read body: %v", err))
	}
	return body, nil
}

func tooLarge() error {
	return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
		fmt.Sprintf("request body too large: the limit is %d bytes", maxBody))
}
