package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxDepth bounds the nesting of objects and lists in a manifest. The
// deepest field of a v1 Pod (an affinity's matchExpressions values) lies
// about 10 levels down, 12 in a List; 100 leaves room and keeps every
// recursive step of decoding, checking and converting a value shallow.
const MaxDepth = 100

// MaxSize bounds a manifest podd reads, from the API or from a --manifests file: 3 MiB, as
// kube-apiserver's limit on a request body.
const MaxSize = 3 << 20

// jsonReader reads JSON values as map[string]any, []any, string,
// json.Number, bool and nil, and records keys given twice in an object
// (encoding/json would silently keep the last one). It refuses values
// nested deeper than MaxDepth, so reading never recurses without a bound.
type jsonReader struct {
	dec   *json.Decoder
	dups  field.ErrorList
	depth int
	path  []step // down to the value being read
}

// step is one step of a path: an object key, or a list index when index >= 0.
type step struct {
	key   string
	index int
}

// errTooDeep is the error of a value nested deeper than MaxDepth.
var errTooDeep = fmt.Errorf("exceeds the maximum nesting depth of %d objects and lists", MaxDepth)

func newJSONReader(data []byte) *jsonReader {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &jsonReader{dec: dec}
}

// next reads the next value of the stream; io.EOF when there is none.
func (r *jsonReader) next() (any, error) {
	r.dups, r.depth, r.path = nil, 0, r.path[:0]
	v, err := r.value()
	if err != nil && err != io.EOF {
		return nil, r.syntaxError(err)
	}
	return v, err
}

func (r *jsonReader) value() (any, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return tok, nil
	}
	if r.depth++; r.depth > MaxDepth {
		return nil, errTooDeep
	}
	defer func() { r.depth-- }()
	if tok == json.Delim('{') {
		return r.object()
	}
	return r.array()
}

func (r *jsonReader) object() (any, error) {
	obj := map[string]any{}
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // the decoder only returns strings as keys
		r.path = append(r.path, step{key: key, index: -1})
		v, err := r.value()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		if _, dup := obj[key]; dup {
			r.dups = append(r.dups, duplicateField(r.fieldPath()))
		}
		r.path = r.path[:len(r.path)-1]
		obj[key] = v
	}
	_, err := r.dec.Token() // '}'
	return obj, unexpectedEOF(err)
}

func (r *jsonReader) array() (any, error) {
	list := []any{}
	r.path = append(r.path, step{})
	for r.dec.More() {
		r.path[len(r.path)-1].index = len(list)
		v, err := r.value()
		if err != nil {
			return nil, unexpectedEOF(err)
		}
		list = append(list, v)
	}
	r.path = r.path[:len(r.path)-1]
	_, err := r.dec.Token() // ']'
	return list, unexpectedEOF(err)
}

// fieldPath is the path of the value being read, built only when an error needs it.
func (r *jsonReader) fieldPath() *field.Path {
	var p *field.Path
	for _, s := range r.path {
		if s.index >= 0 {
			p = p.Index(s.index)
		} else {
			p = p.Child(s.key)
		}
	}
	return p
}

// unexpectedEOF turns an EOF inside a value into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (r *jsonReader) syntaxError(err error) error {
	if errors.Is(err, errTooDeep) {
		return fmt.Errorf("JSON at byte %d: %w", r.dec.InputOffset(), err)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("JSON syntax error at byte %d: %w", se.Offset, err)
	}
	if err == io.ErrUnexpectedEOF {
		return errors.New("JSON syntax error: unexpected end of input")
	}
	return fmt.Errorf("JSON syntax error at byte %d: %w", r.dec.InputOffset(), err)
}
