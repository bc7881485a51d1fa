package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// lastAppliedKey is kubectl's annotation holding the manifest an apply sent.
const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

// withLastApplied is a pod document carrying itself (without that annotation, as kubectl
// writes it: compact JSON and a newline) in the last-applied-configuration annotation, from
// which podd merges a re-apply's labels and annotations three ways, as kubectl apply does.
func withLastApplied(doc []byte) ([]byte, error) {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // numbers pass through as written, past float64's 2^53 too
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		return doc, nil // podd says what is missing
	}
	annotations, _ := meta["annotations"].(map[string]any)
	delete(annotations, lastAppliedKey)
	if len(annotations) == 0 {
		delete(meta, "annotations")
	}
	last, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode last-applied-configuration: %w", err)
	}
	if annotations == nil {
		annotations = map[string]any{}
	}
	annotations[lastAppliedKey] = string(last) + "\n"
	meta["annotations"] = annotations
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return out, nil
}
