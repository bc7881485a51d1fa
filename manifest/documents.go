package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// document is one non-empty document of the input: its decoded JSON value,
// or why it could not be read.
type document struct {
	value any
	dups  field.ErrorList // keys given twice
	err   error           // syntax error
}

// splitDocuments splits the input into its non-empty documents: a stream
// of JSON values if it starts with '{', else "---" separated YAML.
func splitDocuments(data []byte) []document {
	if isJSON(data) {
		return jsonDocuments(data)
	}
	return yamlDocuments(data)
}

func isJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

func jsonDocuments(data []byte) []document {
	r := newJSONReader(data)
	var docs []document
	for {
		v, err := r.next()
		if err == io.EOF {
			return docs
		}
		docs = append(docs, document{value: v, dups: r.dups, err: err})
		if err != nil {
			return docs // no way to find the next value
		}
	}
}

func yamlDocuments(data []byte) []document {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []document
	for {
		chunk, err := reader.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			return append(docs, document{err: fmt.Errorf("YAML: %w", err)})
		}
		if doc, ok := yamlDocument(chunk); ok {
			docs = append(docs, doc)
		}
	}
}

// yamlDocument converts one YAML document; ok is false if it is empty.
func yamlDocument(chunk []byte) (doc document, ok bool) {
	data, err := yaml.YAMLToJSONStrict(chunk)
	if err != nil {
		return document{err: err}, true
	}
	if string(data) == "null" {
		return document{}, false
	}
	r := newJSONReader(data)
	v, err := r.next()
	if err != nil {
		// YAMLToJSON produced invalid JSON: not expected.
		return document{err: fmt.Errorf("YAML to JSON conversion: %w", err)}, true
	}
	return document{value: v, dups: r.dups}, true
}
