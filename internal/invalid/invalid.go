// Package invalid builds podd's 422 answers: apimachinery StatusErrors made by apierrors.NewInvalid
// (kind Pod, the pod's name, one status cause per field path) that keep podd's own wording as
// their message, "<field path>: <reason>" one per line, rather than apimachinery's
// `Pod "x" is invalid: [...]`. The runtime and the API server both use it, so neither needs the
// other to say that a pod is invalid.
package invalid

import (
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var podKind = schema.GroupKind{Kind: "Pod"}

// Pod is the 422 Invalid error about pod name: msg is the message users see, errs the fields at
// fault (the status causes).
func Pod(name, msg string, errs ...*field.Error) *apierrors.StatusError {
	se := apierrors.NewInvalid(podKind, name, errs)
	se.ErrStatus.Message = msg
	for i := range se.ErrStatus.Details.Causes {
		c := &se.ErrStatus.Details.Causes[i]
		if strings.HasPrefix(c.Message, "<unknown error") { // an error type field.Error has no words for
			c.Message = strings.TrimSpace(errs[i].Detail)
		}
	}
	return se
}

// Field is the error of a field known only by its path, with a reason in words.
func Field(path, detail string) *field.Error {
	return &field.Error{Type: field.ErrorTypeInvalid, Field: path, BadValue: field.OmitValueType{}, Detail: detail}
}
