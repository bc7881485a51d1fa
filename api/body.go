package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strings"
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

// readBody reads a whole request body of at most maxBody bytes within bodyTimeout and
// bodyBudget (inflight.ReadBody): more is a 413, slower a 408, a client gone while waiting its
// turn a 503. The caller calls release once done with the body (decoded).
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	if err := jsonBody(r); err != nil {
		return nil, func() {}, err
	}
	body, release, err = bodyBudget.ReadBody(w, r, maxBody, bodyTimeout)
	if err == nil {
		return body, release, nil
	}
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return nil, release, tooLarge()
	case errors.As(err, new(*inflight.NoTurnError)):
		return nil, release, statusError(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, release, statusError(http.StatusRequestTimeout, metav1.StatusReasonTimeout,
			fmt.Sprintf("request body not received within %v", bodyTimeout))
	}
	return nil, release, apierrors.NewBadRequest(fmt.Sprintf("read body: %v", err))
}

func tooLarge() error {
	return statusError(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
		fmt.Sprintf("request body too large: the limit is %d bytes", maxBody))
}

// jsonBody refuses a body that says it is not JSON (415): podd decodes JSON only, where a
// client such as client-go may send protobuf (kube-apiserver's words, naming what podd takes).
func jsonBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json (not %q)", ct))
}
