package api

import (
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusTypeMeta is the kind of every metav1.Status body the server writes.
var statusTypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}

// failureStatus is the metav1.Status body of an error response: the status an apimachinery error
// (apierrors.APIStatus) carries, code, reason, message and details; any other error is a 500
// InternalError carrying its text.
func failureStatus(err error) *metav1.Status {
	var as apierrors.APIStatus
	if errors.As(err, &as) {
		st := as.Status()
		st.TypeMeta = statusTypeMeta
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		return &st
	}
	return &metav1.Status{
		TypeMeta: statusTypeMeta,
		Status:   metav1.StatusFailure,
		Message:  err.Error(),
		Reason:   metav1.StatusReasonInternalError,
		Code:     http.StatusInternalServerError,
	}
}

// successStatus is the metav1.Status body sent when a delete or shutdown succeeded.
func successStatus(kind, name string) *metav1.Status {
	return &metav1.Status{
		TypeMeta: statusTypeMeta,
		Status:   metav1.StatusSuccess,
		Details:  &metav1.StatusDetails{Kind: kind, Name: name},
	}
}

// statusError is an error with a code and reason apierrors has no constructor for.
func statusError(code int, reason metav1.StatusReason, msg string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg,
	}}
}
