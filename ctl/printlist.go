package ctl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
)

// listItemIndent is where MarshalIndent(list, "", "    ") puts the lines of an item.
const listItemIndent = "        "

// writeJSONList writes pods as the v1 List json.MarshalIndent(podList(pods), "", "    ") is,
// byte for byte, one pod at a time (setting each one's Kind and APIVersion): in podd, the
// list's encoding and its indented copy (10 MB at 1000 pods) were held at once.
func writeJSONList(w io.Writer, pods []corev1.Pod) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	// one Encoder for every item: its indented buffer is reused, its encoding buffer pooled
	var item bytes.Buffer
	enc := json.NewEncoder(&item)
	enc.SetIndent(listItemIndent, "    ")
	io.WriteString(bw, "{\n    \"apiVersion\": \"v1\",\n    \"items\": [")
	for i := range pods {
		pods[i].APIVersion, pods[i].Kind = "v1", "Pod" // typedPod's, without a copy to box
		item.Reset()
		if err := enc.Encode(&pods[i]); err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		io.WriteString(bw, "\n"+listItemIndent)
		bw.Write(bytes.TrimSuffix(item.Bytes(), []byte("\n"))) // Encode's newline
	}
	if len(pods) > 0 {
		io.WriteString(bw, "\n    ")
	}
	io.WriteString(bw, "],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
	return bw.Flush()
}
