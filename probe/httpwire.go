package probe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
)

// The httpGet probe's HTTP/1.1 without net/http's client: the request is written once (by
// net/http's own request writer, so the bytes are those the kubelet sends) and replayed on each
// probe's new connection, and the response is read into a pooled buffer and parsed in place:
// status line, the headers a probe needs (Location, Content-Length, Transfer-Encoding), and at
// most maxBody bytes of the body.

// requestBytes is the GET request for u with header, Host host (empty: u's), Connection: close.
func requestBytes(u *url.URL, header http.Header, host string) ([]byte, error) {
	req := &http.Request{Method: http.MethodGet, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Host: host, Close: true}
	var b bytes.Buffer
	if err := req.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxHeader is how large a response's status line and headers may be.
const maxHeader = 16 << 10

// respBufs holds the buffers responses are read into: headers, then the body that came with
// them.
var respBufs = sync.Pool{New: func() any { b := make([]byte, maxHeader+maxBody); return &b }}

// response is what a probe keeps of an HTTP response.
type response struct {
	status   int
	location string // the Location header, "" when none
	body     []byte // at most maxBody bytes, in the pooled buffer
}

// readResponse reads a response to a GET from r into buf: the final one (1xx responses
// skipped), its body cut at maxBody bytes.
func readResponse(r io.Reader, buf []byte) (response, error) {
	n := 0
	for {
		end, err := readHeader(r, buf, &n)
		if err != nil {
			return response{}, err
		}
		res, framing, err := parseHeader(buf[:end])
		if err != nil {
			return response{}, err
		}
		rest := buf[end:n]
		if res.status >= 100 && res.status < 200 && res.status != http.StatusSwitchingProtocols {
			n = copy(buf, rest) // an informational response: the real one follows
			continue
		}
		res.body, err = readBody(r, buf[end:], rest, framing, res.status)
		return res, err
	}
}

// readHeader reads into buf (n bytes there already) until the blank line ending the header,
// and returns where the body starts.
func readHeader(r io.Reader, buf []byte, n *int) (int, error) {
	for {
		if i := bytes.Index(buf[:*n], []byte("\r\n\r\n")); i >= 0 {
			return i + 4, nil
		}
		if *n >= maxHeader {
			return 0, errors.New("net/http: server response headers exceeded 16384 bytes; aborted")
		}
		m, err := r.Read(buf[*n:maxHeader])
		*n += m
		if err == io.EOF {
			if *n == 0 {
				return 0, io.EOF
			}
			return 0, io.ErrUnexpectedEOF
		}
		if err != nil && m == 0 {
			return 0, err
		}
	}
}

// framing is how a response's body ends.
type framing struct {
	length  int64 // Content-Length; -1 when none
	chunked bool
}

// parseHeader parses the status line and the headers a probe needs.
func parseHeader(h []byte) (response, framing, error) {
	var res response
	fr := framing{length: -1}
	status, lines, more := bytes.Cut(h[:len(h)-4], []byte("\r\n")) // no allocation per answer
	proto, rest, _ := bytes.Cut(status, []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	n, err := strconv.Atoi(string(code))
	if !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(code) != 3 || err != nil || n < 100 {
		return res, fr, fmt.Errorf("malformed HTTP response %q", status)
	}
	res.status = n
	for more {
		var l []byte
		l, lines, more = bytes.Cut(lines, []byte("\r\n"))
		k, v, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return res, fr, fmt.Errorf("malformed MIME header line: %s", l)
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "Location"):
			res.location = string(v)
		case asciiEqualFold(k, "Content-Length"):
			if fr.length, err = strconv.ParseInt(string(v), 10, 64); err != nil || fr.length < 0 {
				return res, fr, fmt.Errorf("bad Content-Length %q", v)
			}
		case asciiEqualFold(k, "Transfer-Encoding"):
			fr.chunked = asciiEqualFold(v, "chunked")
		}
	}
	return res, fr, nil
}

func asciiEqualFold(b []byte, s string) bool {
	return len(b) == len(s) && bytes.EqualFold(b, []byte(s))
}

// readBody returns at most maxBody bytes of the body. buf starts with rest, what came with
// the header; the rest is read from r into buf after it (a chunked body is decoded in place:
// its decoded bytes never overtake the encoded ones read).
func readBody(r io.Reader, buf, rest []byte, fr framing, status int) ([]byte, error) {
	if status == http.StatusNoContent || status == http.StatusNotModified || fr.length == 0 {
		return nil, nil
	}
	want := maxBody
	if !fr.chunked && fr.length >= 0 && fr.length < maxBody {
		want = int(fr.length)
	}
	if !fr.chunked && fr.length >= 0 && len(rest) >= want {
		return rest[:want], nil // all there already: the usual small response
	}
	var body io.Reader = io.MultiReader(bytes.NewReader(rest), r)
	if fr.chunked {
		body = httputil.NewChunkedReader(body)
	}
	n, err := io.ReadFull(body, buf[:want])
	if err == io.EOF || (err == io.ErrUnexpectedEOF && (fr.chunked || fr.length < 0)) {
		err = nil // a body shorter than maxBody, ending with its last chunk or the connection
	}
	return buf[:n], err
}
