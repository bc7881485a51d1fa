package split

import (
	"strings"
	"testing"
)

func jsonOf(t *testing.T, docs []Doc) []string {
	t.Helper()
	var out []string
	for _, d := range docs {
		if d.Err != nil {
			out = append(out, "error")
			continue
		}
		out = append(out, string(d.JSON))
	}
	return out
}

func TestYAMLDocuments(t *testing.T) {
	in := "# leading comment\n---\nkind: Pod\nmetadata: {name: a}\n--- # second\r\n" +
		"kind: Pod\ndata: |\n  ---\n  not a separator\n---\n---   \n# only a comment\n---\nkey: [unclosed\n"
	got := jsonOf(t, Documents([]byte(in), 0))
	want := []string{`{"kind":"Pod","metadata":{"name":"a"}}`,
		`{"data":"---\nnot a separator\n","kind":"Pod"}`, "error"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestYAMLDuplicateKeyIsAnError(t *testing.T) {
	docs := Documents([]byte("kind: Pod\nkind: Pod\n"), 0)
	if len(docs) != 1 || docs[0].Err == nil {
		t.Fatalf("got %+v, want one document with an error", docs)
	}
}

func TestJSONStream(t *testing.T) {
	in := "{\"kind\":\"Pod\",\"s\":\"}{\\\"\"}\n{\n\t\"kind\": \"List\", \"items\": [{}]}  {\"a\":1}"
	got := jsonOf(t, Documents([]byte(in), 0))
	want := []string{`{"kind":"Pod","s":"}{\""}`, "{\n\t\"kind\": \"List\", \"items\": [{}]}", `{"a":1}`}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// TestJSONUnclosedOrDeep: a value that never closes is one document, the rest of the input
// (the decoder reports it), and millions of brackets are scanned without recursion.
func TestJSONUnclosedOrDeep(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[", 2_000_000)
	for _, in := range []string{deep, `{"a": "b"`, `{"a":1}} 7 "s"`} {
		docs := Documents([]byte(in), 0)
		if len(docs) == 0 || docs[0].Err != nil {
			t.Fatalf("%.20q: %+v", in, docs)
		}
	}
	if got := jsonOf(t, Documents([]byte(`{"a":1}} 7 "s"`), 0)); strings.Join(got, "|") != `{"a":1}|}|7|"s"` {
		t.Errorf("stray characters: %q", got)
	}
	if len(Documents([]byte(deep), 0)[0].JSON) != len(deep) {
		t.Errorf("unclosed value is not the rest of the input")
	}
}

func TestEmpty(t *testing.T) {
	for _, in := range []string{"", "\n---\n# nothing\n---\n", " \n"} {
		if docs := Documents([]byte(in), 0); len(docs) != 0 {
			t.Errorf("%q: %+v", in, docs)
		}
	}
}
