package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Error is an API error: an HTTP status code and a Kubernetes status reason. The backend returns
// it to pick the response; the client returns it for every non-2xx answer from podd.
type Error struct {
	Code    int
	Reason  metav1.StatusReason
	Message string
}

// Error returns the message alone, as the server wrote it.
func (e *Error) Error() string { return e.Message }

// NotFound reports a missing object: 404, `pods "web" not found` for NotFound("pods", "web").
func NotFound(kind, name string) error {
	return &Error{http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("%s %q not found", kind, name)}
}

// AlreadyExists reports an object that exists already: 409, `pods "web" already exists`.
func AlreadyExists(kind, name string) error {
	return &Error{http.StatusConflict, metav1.StatusReasonAlreadyExists, fmt.Sprintf("%s %q already exists", kind, name)}
}

// Invalid reports a request that failed validation: 422; msg names the fields.
func Invalid(msg string) error {
	return &Error{http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, msg}
}

// Conflict reports a request that conflicts with the current state: 409.
func Conflict(msg string) error {
	return &Error{http.StatusConflict, metav1.StatusReasonConflict, msg}
}

// BadRequest reports a malformed request (a bad query parameter, a namespace mismatch): 400.
func BadRequest(msg string) error {
	return &Error{http.StatusBadRequest, metav1.StatusReasonBadRequest, msg}
}

// Forbidden reports a caller that may not use the API: 403.
func Forbidden(msg string) error {
	return &Error{http.StatusForbidden, metav1.StatusReasonForbidden, msg}
}

// asError returns err as an *Error; anything else is a 500 InternalError carrying err's text.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error()}
}

// failureStatus is the metav1.Status body sent with an error response.
func failureStatus(e *Error) *metav1.Status {
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  e.Message,
		Reason:   e.Reason,
		Code:     int32(e.Code),
	}
}

// successStatus is the metav1.Status body sent when a delete or shutdown succeeded.
func successStatus(kind, name string) *metav1.Status {
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusSuccess,
		Details:  &metav1.StatusDetails{Kind: kind, Name: name},
	}
}

// errorFromStatus rebuilds the *Error from a failure response; body is what the server sent.
func errorFromStatus(code int, body []byte) *Error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		return &Error{Code: code, Reason: st.Reason, Message: st.Message}
	}
	msg := string(body)
	if msg == "" {
		msg = http.StatusText(code)
	}
	return &Error{Code: code, Reason: metav1.StatusReasonUnknown, Message: msg}
}
