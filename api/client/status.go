package client

import (
	"encoding/json"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// errorFromStatus turns a failure answer back into the apimachinery error the server wrote:
// a metav1.Status body becomes its StatusError (apierrors.FromObject), code, reason, message
// and details as sent. Any other body becomes a StatusError with the answer's code, no reason,
// and the body (or the status text) as its message.
func errorFromStatus(code int, body []byte) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		return apierrors.FromObject(&st)
	}
	msg := string(body)
	if msg == "" {
		msg = http.StatusText(code)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: metav1.StatusReasonUnknown, Message: msg,
	}}
}
