package main

import (
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
	if err := json.Unmarshal(doc, &obj); err != nil {
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
