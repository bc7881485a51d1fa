// Package invalid builds podd's 422 answers: apimachinery StatusErrors made by apierrors.NewInvalid
// (kind Pod, the pod's name, one status cause per field path) that keep podd's own wording as
// their message, "<field path>: <reason>" one per line, rather than apimachinery's
// `Pod "x" is invalid: [...]`. The runtime and the API server both use it, so neither needs the
// other to say that a pod is invalid.
package invalid

import (
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
	for i, fe := range errs {
		if !worded[fe.Type] { // ErrorBody would call it an internal error: the detail says it
			se.ErrStatus.Details.Causes[i].Message = fe.Detail
		}
	}
	return se
}

// worded are the error types field.Error has words for.
var worded = map[field.ErrorType]bool{
	field.ErrorTypeNotFound: true, field.ErrorTypeRequired: true, field.ErrorTypeDuplicate: true,
	field.ErrorTypeInvalid: true, field.ErrorTypeNotSupported: true, field.ErrorTypeForbidden: true,
	field.ErrorTypeTooLong: true, field.ErrorTypeTooMany: true, field.ErrorTypeInternal: true,
	field.ErrorTypeTypeInvalid: true,
}

// Field is the error of a field known only by its path, with a reason in words.
func Field(path, detail string) *field.Error {
	return &field.Error{Type: field.ErrorTypeInvalid, Field: path, BadValue: field.OmitValueType{}, Detail: detail}
}

// Object is Pod's 422 for an object of another kind (ConfigMap, Secret).
func Object(kind, name, msg string, errs ...*field.Error) *apierrors.StatusError {
	se := Pod(name, msg, errs...)
	se.ErrStatus.Details.Kind = kind
	return se
}
