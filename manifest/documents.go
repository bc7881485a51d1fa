package manifest

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podd/podd/manifest/split"
)

// document is one non-empty document of the input: its decoded JSON value,
// or why it could not be read.
type document struct {
	value any
	dups  field.ErrorList // keys given twice
	err   error           // syntax error
}

// splitDocuments splits the input into its non-empty documents (package split: a stream of
// JSON values if it starts with '{', else "---" separated YAML) and reads each with the
// depth-bounded reader that records keys given twice.
func splitDocuments(data []byte) []document {
	var docs []document
	for _, d := range split.Documents(data, 0) {
		if d.Err != nil {
			docs = append(docs, document{err: d.Err})
			continue
		}
		r := newJSONReader(d.JSON)
		v, err := r.next()
		docs = append(docs, document{value: v, dups: r.dups, err: err})
	}
	return docs
}
