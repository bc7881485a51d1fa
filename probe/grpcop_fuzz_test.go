package probe

import (
	"errors"
	"io"
	"testing"
)

// FuzzGRPCAnswer: whatever a server sends, parsing the answer so far never panics, and says
// either "more to read" or a verdict; once the connection is at its end there is always a
// verdict, and a verdict does not change with bytes that come after it.
func FuzzGRPCAnswer(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x04\x00\x00\x00\x00\x00"+ // SETTINGS
		"\x00\x00\x0e\x01\x04\x00\x00\x00\x01\x88\x5f\x8b\x1d\x75\xd0\x62\x0d\x26\x3d\x4c\x4d\x65\x64"+ // HEADERS :status 200, content-type application/grpc
		"\x00\x00\x07\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x02\x08\x01"+ // DATA SERVING
		"\x00\x00\x0c\x01\x05\x00\x00\x00\x01\x40\x0b\x67\x72\x70\x63\x2d\x73\x74\x61\x74\x75\x73\x01\x30"), uint16(20))
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), uint16(3))
	f.Fuzz(func(t *testing.T, answer []byte, cut uint16) {
		k := int(cut) % (len(answer) + 1)
		parse := func(b []byte, end error) (int32, error) {
			return readHealth(&pendingReader{b: b, end: end}, io.Discard)
		}
		s1, err1 := parse(answer[:k], nil)
		s2, err2 := parse(answer, io.EOF)
		if errors.Is(err2, errNeedMore) {
			t.Fatalf("more to read at the connection's end: %q", answer)
		}
		if !errors.Is(err1, errNeedMore) && (s1 != s2 || (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error())) {
			t.Fatalf("the verdict on %q changed with the bytes after it: %d %v, then %d %v", answer[:k], s1, err1, s2, err2)
		}
	})
}
