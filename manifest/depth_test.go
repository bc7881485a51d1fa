package manifest

import (
	"strings"
	"testing"
)

// TestDecodeDepthBounded: deeply nested input is refused with the reason, whatever the path
// (API JSON, a JSON or a YAML file), without recursing once per level.
func TestDecodeDepthBounded(t *testing.T) {
	deepObj := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	inputs := map[string]func() error{
		"DecodeJSON 2 MB of [":          func() error { _, err := DecodeJSON([]byte(strings.Repeat("[", 2_000_000))); return err },
		"DecodeJSON 10000-deep objects": func() error { _, err := DecodeJSON([]byte(deepObj)); return err },
		"Decode JSON 2 MB of {\"a\":[": func() error {
			_, err := Decode([]byte(`{"a":` + strings.Repeat("[", 2_000_000)))
			return err
		},
		"Decode YAML flow 5000 deep": func() error {
			_, err := Decode([]byte("kind: Pod\nx: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"))
			return err
		},
	}
	for name, decode := range inputs {
		t.Run(name, func(t *testing.T) {
			err := decode()
			if err == nil || !strings.Contains(err.Error(), "nesting depth of 100") {
				t.Fatalf("got %v, want the nesting depth refused", err)
			}
		})
	}
	// A pod at the limit's scale still decodes: depth is not a problem for real manifests.
	if _, err := DecodeJSON([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"a","image":"/i"}]}}`)); err != nil {
		t.Fatal(err)
	}
}
