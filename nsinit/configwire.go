package nsinit

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/podd/podd/mounts"
)

// Config crosses the config pipe as JSON, but not in encoding/json's struct form: decoding that
// by reflection costs a freshly started child ~2 ms of CPU on a 2-vCPU VM (the type caches are
// built from nothing in every container start; BenchmarkChildConfig). Its wire form is one flat
// JSON array of strings, written and read by hand below:
//
//	[version, overlay target, upper, work, len(lowers), lowers...,
//	 len(binds), (source, subPath, dest, "ro"|"rw", field)..., len(args), args..., len(env), env..., cwd,
//	 security...]
//
// with security as written by writeSecurity (securitywire.go).
//
// json.Encoder and json.Decoder still frame it (they call these methods), so parent and child
// keep their Encode/Decode calls. A field added to Config must be added here too
// (TestConfigWireRoundTrip fills every field).
const configWireVersion = "nsinit-config/4"

// MarshalJSON writes c in its wire form.
func (c Config) MarshalJSON() ([]byte, error) {
	var w configWriter
	w.buf = append(w.buf, '[')
	w.str(configWireVersion)
	w.str(c.Overlay.Target)
	w.str(c.Overlay.Upper)
	w.str(c.Overlay.Work)
	w.list(c.Overlay.Lowers)
	w.count(len(c.Binds))
	for _, b := range c.Binds {
		ro := "rw"
		if b.ReadOnly {
			ro = "ro"
		}
		w.str(b.Source)
		w.str(b.SubPath)
		w.str(b.Dest)
		w.str(ro)
		w.str(b.Field)
		w.str(b.RecursiveRO)
		w.str(b.Propagation)
	}
	w.list(c.Args)
	w.list(c.Env)
	w.str(c.Cwd)
	w.security(&c.Security)
	w.buf = append(w.buf, ']')
	return w.buf, nil
}

// UnmarshalJSON reads the wire form MarshalJSON writes.
func (c *Config) UnmarshalJSON(data []byte) error {
	r := configReader{data: data}
	r.expect('[')
	if v := r.str(); r.err == nil && v != configWireVersion {
		return fmt.Errorf("nsinit config: version %q, want %q", v, configWireVersion)
	}
	var cfg Config
	cfg.Overlay.Target, cfg.Overlay.Upper, cfg.Overlay.Work = r.str(), r.str(), r.str()
	cfg.Overlay.Lowers = r.list()
	if n := r.count(); n > 0 {
		cfg.Binds = make([]mounts.Bind, n)
		for i := range cfg.Binds {
			b := &cfg.Binds[i]
			b.Source, b.SubPath, b.Dest = r.str(), r.str(), r.str()
			b.ReadOnly = r.str() == "ro"
			b.Field = r.str()
			b.RecursiveRO, b.Propagation = r.str(), r.str()
		}
	}
	cfg.Args, cfg.Env, cfg.Cwd = r.list(), r.list(), r.str()
	r.security(&cfg.Security)
	r.skipSpace()
	r.expect(']')
	if r.err == nil && r.pos != len(r.data) {
		r.fail("trailing data")
	}
	if r.err != nil {
		return fmt.Errorf("nsinit config: %w", r.err)
	}
	*c = cfg
	return nil
}

type configWriter struct{ buf []byte }

func (w *configWriter) str(s string) {
	if len(w.buf) > 1 {
		w.buf = append(w.buf, ',')
	}
	w.buf = appendJSONString(w.buf, s)
}

func (w *configWriter) count(n int) { w.str(strconv.Itoa(n)) }

func (w *configWriter) list(l []string) {
	w.count(len(l))
	for _, s := range l {
		w.str(s)
	}
}

// appendJSONString quotes s as a JSON string (control characters, quote and backslash escaped;
// invalid UTF-8 as U+FFFD, as encoding/json does).
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r < 0x20:
			buf = fmt.Appendf(buf, `\u%04x`, r)
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	return append(buf, '"')
}

// configReader reads the array's elements in order; the first error sticks.
type configReader struct {
	data  []byte
	pos   int
	items int
	err   error
}

func (r *configReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: "+format, append([]any{r.pos}, args...)...)
	}
}

func (r *configReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\r', '\n':
			r.pos++
		default:
			return
		}
	}
}

func (r *configReader) expect(b byte) {
	r.skipSpace()
	if r.err == nil && (r.pos >= len(r.data) || r.data[r.pos] != b) {
		r.fail("want %q", b)
	}
	r.pos++
}

// str reads the next element, which must be a string.
func (r *configReader) str() string {
	if r.err != nil {
		return ""
	}
	if r.items > 0 {
		r.expect(',')
	}
	r.items++
	r.expect('"')
	if r.err != nil {
		return ""
	}
	s, n, err := parseJSONString(r.data[r.pos:])
	if err != nil {
		r.fail("%v", err)
		return ""
	}
	r.pos += n
	return s
}

// maxConfigCount bounds a count, so a corrupt config cannot make the child allocate much.
const maxConfigCount = 1 << 16

func (r *configReader) count() int {
	s := r.str()
	if r.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxConfigCount {
		r.fail("bad count %q", s)
		return 0
	}
	return n
}

func (r *configReader) list() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = r.str()
	}
	return l
}

// parseJSONString reads a JSON string's body up to and including its closing quote (the
// opening one already consumed) and returns it with the bytes read.
func parseJSONString(data []byte) (string, int, error) {
	var out []byte
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			return string(out), i + 1, nil
		case c < 0x20:
			return "", 0, errors.New("control character in string")
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(data) {
			break
		}
		esc := data[i+1]
		i += 2
		switch esc {
		case '"', '\\', '/':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, err := parseUnicodeEscape(data[i-2:])
			if err != nil {
				return "", 0, err
			}
			out = utf8.AppendRune(out, r)
			i += n - 2
		default:
			return "", 0, fmt.Errorf("bad escape \\%c", esc)
		}
	}
	return "", 0, errors.New("unterminated string")
}

// parseUnicodeEscape reads \uXXXX at the start of data, or a surrogate pair \uXXXX\uXXXX; it
// returns the rune and the bytes read.
func parseUnicodeEscape(data []byte) (rune, int, error) {
	hex := func(b []byte) (rune, bool) {
		if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[2:6]), 16, 32)
		return rune(v), err == nil
	}
	r, ok := hex(data)
	if !ok {
		return 0, 0, errors.New(`bad \u escape`)
	}
	if utf16.IsSurrogate(r) {
		if r2, ok := hex(data[6:]); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return dec, 12, nil
			}
		}
		return utf8.RuneError, 6, nil
	}
	return r, 6, nil
}
