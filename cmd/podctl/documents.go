package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/yaml"
)

// document is one object of a manifest file, as JSON, or the error that stopped its decoding.
type document struct {
	json []byte
	err  error
}

// objectMeta is what podctl reads from a manifest itself; podd checks the rest.
type objectMeta struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

func (d document) meta() objectMeta {
	var m objectMeta
	_ = json.Unmarshal(d.json, &m) // best effort: podd reports what is wrong with the object
	return m
}

// readFile reads path, or stdin for "-".
func readFile(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(path)
}

// splitManifest turns a YAML stream ("---" between documents) or a JSON stream into JSON
// documents, skipping empty ones and expanding a kind: List into its items.
func splitManifest(data []byte) []document {
	var docs []document
	for _, d := range rawDocuments(data) {
		if d.err == nil {
			docs = append(docs, expandList(d)...)
		} else {
			docs = append(docs, d)
		}
	}
	return docs
}

func rawDocuments(data []byte) []document {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return jsonDocuments(data)
	}
	var docs []document
	for _, y := range splitYAML(data) {
		j, err := yaml.YAMLToJSON(y)
		switch {
		case err != nil:
			docs = append(docs, document{err: fmt.Errorf("parse YAML: %w", err)})
		case string(j) != "null":
			docs = append(docs, document{json: j})
		}
	}
	return docs
}

func jsonDocuments(data []byte) []document {
	var docs []document
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			return append(docs, document{err: fmt.Errorf("parse JSON: %w", err)})
		}
		docs = append(docs, document{json: raw})
	}
}

// splitYAML splits at lines that are "---" (maybe followed by a comment).
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for sc.Scan() {
		line := sc.Bytes()
		if isSeparator(line) {
			docs = append(docs, cur)
			cur = nil
			continue
		}
		cur = append(append(cur, line...), '\n')
	}
	return append(docs, cur)
}

func isSeparator(line []byte) bool {
	line = bytes.TrimRight(line, " \t\r")
	return bytes.Equal(line, []byte("---")) || bytes.HasPrefix(line, []byte("--- #"))
}

func expandList(d document) []document {
	var list struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(d.json, &list) != nil || (list.Kind != "List" && list.Kind != "PodList") {
		return []document{d}
	}
	docs := make([]document, len(list.Items))
	for i, item := range list.Items {
		docs[i] = document{json: item}
	}
	return docs
}
