package ctl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/podd/podd/manifest"
)

func TestSplitManifest(t *testing.T) {
	in := `# leading comment
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
--- # second
apiVersion: v1
kind: Pod
metadata:
  name: b
---
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: c}}
- {apiVersion: v1, kind: Pod, metadata: {name: d}}
---
key: [unclosed
`
	docs := splitManifest([]byte(in))
	var names []string
	for _, d := range docs[:len(docs)-1] {
		if d.err != nil {
			t.Fatalf("doc error: %v", d.err)
		}
		names = append(names, d.meta().Metadata.Name)
	}
	if got := len(names); got != 4 || names[0] != "a" || names[3] != "d" {
		t.Fatalf("names %q", names)
	}
	if docs[0].meta().Metadata.Namespace != "x" {
		t.Errorf("namespace of a: %+v", docs[0].meta())
	}
	if docs[len(docs)-1].err == nil {
		t.Errorf("bad YAML not reported")
	}
}

func TestSplitJSONStream(t *testing.T) {
	docs := splitManifest([]byte("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\n\t\"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}}\n"))
	if len(docs) != 2 || docs[1].meta().Metadata.Name != "b" {
		t.Fatalf("docs %+v", docs)
	}
}

func TestDocumentNamespace(t *testing.T) {
	var m objectMeta
	if ns, _ := documentNamespace(m, "default", false); ns != "default" {
		t.Errorf("no namespace: %q", ns)
	}
	m.Metadata.Namespace = "x"
	if ns, _ := documentNamespace(m, "default", false); ns != "x" {
		t.Errorf("manifest namespace: %q", ns)
	}
	if _, err := documentNamespace(m, "y", true); err == nil {
		t.Errorf("mismatch with -n accepted")
	}
}

// A YAML document larger than the API takes for an object is refused before podd converts it
// (a 40 MB one: 650 MB of podd's heap, 16 s of CPU, then a 413); the others are kept.
func TestSplitManifestBoundsADocument(t *testing.T) {
	small := "kind: Pod\nmetadata: {name: a}\n"
	big := "kind: Pod\nmetadata: {name: b, annotations: {a: " + strings.Repeat("x", manifest.MaxSize) + "}}\n"
	docs := splitManifest([]byte(small + "---\n" + big + "---\n" + small))
	if len(docs) != 3 || docs[0].err != nil || docs[2].err != nil {
		t.Fatalf("%d documents: %+v", len(docs), docs)
	}
	if docs[1].err == nil || !strings.Contains(docs[1].err.Error(), fmt.Sprintf("more than the %d of an object", manifest.MaxSize)) {
		t.Errorf("the big document: %v", docs[1].err)
	}
}
