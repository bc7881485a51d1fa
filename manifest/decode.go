package manifest

import (
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
)

var (
	podKinds = []string{"Pod"}
	anyKinds = []string{"Pod", "List", "PodList"}
)

// Decode reads one or more YAML or JSON documents ("---" separated YAML, or
// a single JSON object, or a v1 List of Pods) and returns the pods,
// defaulted and validated. Empty documents are skipped. Any error names the
// document index when there are several and the field path.
func Decode(data []byte) ([]*corev1.Pod, error) {
	docs := splitDocuments(data)
	if len(docs) == 0 {
		return nil, errors.New("no pods found: the input is empty")
	}
	var pods []*corev1.Pod
	var errs []error
	for i, doc := range docs {
		got, err := decodeDocument(doc)
		if err != nil && len(docs) > 1 {
			err = inDocument(err, i)
		}
		pods = append(pods, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	if len(pods) == 0 {
		return nil, errors.New("no pods found: the list is empty")
	}
	return pods, nil
}

// DecodeJSON decodes exactly one Pod from JSON (what the API server
// receives), defaulted and validated.
func DecodeJSON(data []byte) (*corev1.Pod, error) {
	r := newJSONReader(data)
	v, err := r.next()
	if err == io.EOF {
		return nil, errors.New("no pod found: the input is empty")
	}
	if err != nil {
		return nil, err
	}
	if len(r.dups) > 0 {
		return nil, newError(r.dups)
	}
	if _, err := r.next(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	pods, err := decodeObject(v, podKinds)
	if err != nil {
		return nil, err
	}
	return pods[0], nil
}

func decodeDocument(doc document) ([]*corev1.Pod, error) {
	if doc.err != nil {
		return nil, doc.err
	}
	if len(doc.dups) > 0 {
		return nil, newError(doc.dups)
	}
	return decodeObject(doc.value, anyKinds)
}

// joinErrors joins errs one per line; a single error is returned as is.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// inDocument marks err as coming from document i.
func inDocument(err error, i int) error {
	if e, ok := err.(*Error); ok {
		e.Document = i
		return e
	}
	return fmt.Errorf("%s%w", documentPrefix(i), err)
}

// decodeObject decodes a top-level object: a Pod or, if kinds allows it, a
// list of pods.
func decodeObject(v any, kinds []string) ([]*corev1.Pod, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a Pod object, got %s", jsonType(v))
	}
	if errs := checkTypeMeta(obj, nil, kinds, true); len(errs) > 0 {
		return nil, newError(errs)
	}
	if obj["kind"] != "Pod" {
		pods, errs := decodeList(obj)
		return pods, newError(errs)
	}
	pod, errs := decodePod(obj, nil)
	if len(errs) > 0 {
		return nil, newError(errs)
	}
	return []*corev1.Pod{pod}, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}
