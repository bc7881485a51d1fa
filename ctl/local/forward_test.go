package local

import (
	"reflect"
	"strings"
	"testing"
)

// podd runs a forwarded command against its own socket: podctl's --socket is not sent, every
// other argument is, in order (a value that looks like --socket after the verb included).
func TestWithoutSocket(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"podctl --socket /s get pods", "podctl get pods"},
		{"podctl --socket=/s -n x get pods", "podctl -n x get pods"},
		{"podctl -n --socket get pods", "podctl -n --socket get pods"},
		{"podctl --namespace=x -socket /s logs web -c --socket", "podctl --namespace=x logs web -c --socket"},
		{"podctl get pods", "podctl get pods"},
	} {
		got := withoutSocket(strings.Fields(c.in))
		if want := strings.Fields(c.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", c.in, got, want)
		}
	}
}
