package local

import (
	"bytes"
	"strings"
	"testing"

	"github.com/podd/podd/api/wire"
)

// Each layer keeps its own line, redrawn in place (cursor up over the lines drawn before).
func TestPullView(t *testing.T) {
	var buf bytes.Buffer
	v := newPullView(&buf)
	a := "sha256:aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000"
	b := "sha256:bbbbbbbbbbbb0000000000000000000000000000000000000000000000000000"
	v.update(wire.PullProgress{Layer: a, Status: "Waiting"})
	v.update(wire.PullProgress{Layer: b, Status: "Already exists", Current: 5, Total: 5})
	v.update(wire.PullProgress{Layer: a, Status: "Downloading", Current: 1_500_000, Total: 3_000_000})
	frames := strings.Split(buf.String(), "\x1b[2A")
	if len(frames) != 2 || !strings.Contains(buf.String(), "\x1b[1A") {
		t.Fatalf("output %q: want the second update to go up 1 line, the third 2", buf.String())
	}
	last := frames[1]
	want := "\raaaaaaaaaaaa: Downloading [===============>              ] 1.5MB/3MB\x1b[K\n" +
		"\rbbbbbbbbbbbb: Already exists\x1b[K\n"
	if last != want {
		t.Errorf("last frame\n%q\nwant\n%q", last, want)
	}
	if isTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
}
