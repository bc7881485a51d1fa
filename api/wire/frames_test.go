package wire

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	for _, f := range []struct {
		stream byte
		p      string
	}{{StreamStdout, "a"}, {StreamStdin, ""}, {StreamExit, "3"}} {
		if err := WriteFrame(&buf, f.stream, []byte(f.p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := buf.Bytes()[:6]; !bytes.Equal(got, []byte{1, 0, 0, 0, 1, 'a'}) {
		t.Fatalf("wire bytes %v", got)
	}
	for _, want := range []string{"1:a", "0:", "3:3"} {
		s, p, err := ReadFrame(&buf)
		if err != nil || fmt.Sprintf("%d:%s", s, p) != want {
			t.Fatalf("frame %d:%q %v, want %s", s, p, err, want)
		}
	}
	if _, _, err := ReadFrame(&buf); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}
