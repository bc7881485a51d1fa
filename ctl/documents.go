package ctl

import (
	"encoding/json"
	"fmt"

	"github.com/podd/podd/manifest"
	"github.com/podd/podd/manifest/split"
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
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
}

func (d document) meta() objectMeta {
	var m objectMeta
	_ = json.Unmarshal(d.json, &m) // best effort: podd reports what is wrong with the object
	return m
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

// rawDocuments is the manifest's documents as the one splitter (package manifest/split) cuts them.
// A YAML document over the API's bound on an object (manifest.MaxSize) is refused before podd
// converts it: a 40 MB one took podd's heap to 650 MB and 16 s of CPU, then got a 413.
func rawDocuments(data []byte) []document {
	var docs []document
	for _, d := range split.Documents(data, manifest.MaxSize) {
		if d.Err != nil {
			docs = append(docs, document{err: fmt.Errorf("parse YAML: %w", d.Err)})
			continue
		}
		docs = append(docs, document{json: d.JSON})
	}
	return docs
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
