package ctl

import (
	"strings"
	"testing"
)

// The manifest goes to podd as written, plus the annotation holding it: numbers past 2^53
// unchanged, an old annotation replaced rather than nested.
func TestWithLastApplied(t *testing.T) {
	doc := `{"kind":"Pod","metadata":{"name":"p","annotations":{"a":"1","` + lastAppliedKey + `":"old"}},"spec":{"terminationGracePeriodSeconds":9007199254740993}}`
	out, err := withLastApplied([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"Pod","metadata":{"annotations":{"a":"1","` + lastAppliedKey + `":"{\"kind\":\"Pod\",\"metadata\":{\"annotations\":{\"a\":\"1\"},\"name\":\"p\"},\"spec\":{\"terminationGracePeriodSeconds\":9007199254740993}}\n"},"name":"p"},"spec":{"terminationGracePeriodSeconds":9007199254740993}}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if strings.Contains(string(out), "old") {
		t.Errorf("the old annotation stayed")
	}
}
