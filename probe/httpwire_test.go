package probe

import (
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadResponse: the response reader of the httpGet probe on what servers send, a byte at a
// time (the worst split of reads).
func TestReadResponse(t *testing.T) {
	big := strings.Repeat("x", maxBody+100)
	for _, tc := range []struct {
		name, in  string
		status    int
		loc, body string
		errPrefix string
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, "", "ok", ""},
		{"until EOF", "HTTP/1.0 200 OK\r\n\r\nto the end", 200, "", "to the end", ""},
		{"chunked", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 200, "", "abcde", ""},
		{"early hints first", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404, "", "", ""},
		{"redirect", "HTTP/1.1 302 Found\r\nLOCATION: /other\r\nContent-Length: 3\r\n\r\nbye", 302, "/other", "bye", ""},
		{"body cut", "HTTP/1.1 200 OK\r\nContent-Length: " + "10340" + "\r\n\r\n" + big, 200, "", big[:maxBody], ""},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", 204, "", "", ""},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 0, "", "", "unexpected EOF"},
		{"garbage", "SSH-2.0-OpenSSH_9.2\r\n\r\n", 0, "", "", "malformed HTTP response"},
		{"empty", "", 0, "", "", "EOF"},
		{"cut header", "HTTP/1.1 200 OK\r\nContent-", 0, "", "", "unexpected EOF"},
		{"huge header", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("h", maxHeader) + "\r\n\r\n", 0, "", "", "net/http: server response headers exceeded"},
	} {
		buf := make([]byte, maxHeader+maxBody)
		res, err := readResponse(iotest.OneByteReader(strings.NewReader(tc.in)), buf)
		switch {
		case tc.errPrefix != "":
			if err == nil || !strings.HasPrefix(err.Error(), tc.errPrefix) {
				t.Errorf("%s: error %v, want %q...", tc.name, err, tc.errPrefix)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case res.status != tc.status || res.location != tc.loc || string(res.body) != tc.body:
			t.Errorf("%s: %d %q %q, want %d %q %q", tc.name, res.status, res.location, res.body, tc.status, tc.loc, tc.body)
		}
	}
}

// TestReadResponseAllocs: a usual answer (status, a few headers, a short body, all read) is
// parsed with no allocation: at 1000 probes a second each one counts (parseHeader split the
// header into a slice of lines per answer before).
func TestReadResponseAllocs(t *testing.T) {
	in := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Wed, 02 Dec 2026 07:00:00 GMT\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	buf := make([]byte, maxHeader+maxBody)
	var r pendingReader
	allocs := testing.AllocsPerRun(100, func() {
		r = pendingReader{b: in}
		if res, err := readResponse(&r, buf); err != nil || res.status != 200 || string(res.body) != "ok" {
			t.Fatalf("readResponse: %+v %v", res, err)
		}
	})
	if allocs != 0 {
		t.Errorf("readResponse of a usual answer: %.0f allocations, want 0", allocs)
	}
}
