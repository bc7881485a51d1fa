package manifest

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Error lists every problem found in one document, one per line, each as
// "<field path>: <reason>".
type Error struct {
	// Document is the index (from 0) of the document among the non-empty
	// documents of the input, or -1 when the input held only one.
	Document int
	// Errs are the problems, in the order they were found.
	Errs field.ErrorList
}

func (e *Error) Error() string {
	prefix := ""
	if e.Document >= 0 {
		prefix = documentPrefix(e.Document)
	}
	lines := make([]string, len(e.Errs))
	for i, fe := range e.Errs {
		lines[i] = prefix + describe(fe)
	}
	return strings.Join(lines, "\n")
}

func documentPrefix(index int) string {
	return fmt.Sprintf("document[%d]: ", index)
}

// newError returns nil when errs is empty, so that the result can be
// returned as an error directly.
func newError(errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return &Error{Document: -1, Errs: errs}
}

// Error types of the structural checks; field.Error has no wording for them.
const (
	typeUnknownField   field.ErrorType = "FieldValueUnknown"
	typeNotImplemented field.ErrorType = "FieldNotSupported"
	typeDuplicateField field.ErrorType = "FieldDuplicate"
	typeClusterVolume  field.ErrorType = "FieldClusterVolume"
)

var structuralMessages = map[field.ErrorType]string{
	typeUnknownField:   "unknown field",
	typeNotImplemented: "not supported",
	typeDuplicateField: "duplicate field",
	typeClusterVolume:  "not supported: a cluster volume (persistentVolumeClaim, csi, iscsi...) needs a control plane podd does not have; use nfs, hostPath or emptyDir",
}

func describe(e *field.Error) string {
	if msg, ok := structuralMessages[e.Type]; ok {
		return e.Field + ": " + msg
	}
	return e.Error()
}

// unknownField reports a field that is not in the v1 Pod schema.
func unknownField(p *field.Path) *field.Error {
	return &field.Error{Type: typeUnknownField, Field: p.String(), Detail: structuralMessages[typeUnknownField]}
}

// notImplemented reports a field of the v1 Pod schema that podd does not
// implement yet.
func notImplemented(p *field.Path) *field.Error {
	return &field.Error{Type: typeNotImplemented, Field: p.String(), Detail: structuralMessages[typeNotImplemented]}
}

// duplicateField reports a key given twice in one JSON object.
func duplicateField(p *field.Path) *field.Error {
	return &field.Error{Type: typeDuplicateField, Field: p.String(), Detail: structuralMessages[typeDuplicateField]}
}

// clusterVolume reports a volume source podd cannot provide (persistentVolumeClaim and the
// other cluster volumes).
func clusterVolume(p *field.Path) *field.Error {
	return &field.Error{Type: typeClusterVolume, Field: p.String(), Detail: structuralMessages[typeClusterVolume]}
}
