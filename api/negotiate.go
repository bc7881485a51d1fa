package api

import (
	"mime"
	"sort"
	"strconv"
	"strings"
)

// tableMediaType is the Content-Type of a Table answer, the media type kubectl asks for first.
const tableMediaType = "application/json;as=Table;v=v1;g=meta.k8s.io"

// wantsTable reports whether an Accept header prefers a meta.k8s.io/v1 Table to the plain
// object, as the API server negotiates it: the media ranges by decreasing q (the order of the
// header among equals; q=0 excluded), and the first one the server can answer wins. A Table is
// application/json with as=Table;g=meta.k8s.io;v=v1; application/json, application/* and */*
// without `as` are the object. A range podd cannot answer (another as, group or version, or
// another type) is passed over; with none left, the answer is the object.
func wantsTable(accept string) bool {
	for _, mr := range mediaRanges(accept) {
		switch {
		case mr.params["as"] == "":
			if mr.typ == "application/json" || mr.typ == "application/*" || mr.typ == "*/*" {
				return false
			}
		case mr.typ == "application/json" && mr.params["as"] == "Table" &&
			mr.params["g"] == "meta.k8s.io" && mr.params["v"] == "v1":
			return true
		}
	}
	return false
}

type mediaRange struct {
	typ    string
	params map[string]string
	q      float64
}

// mediaRanges parses an Accept header into its media ranges sorted by decreasing q; ranges that
// do not parse or have q=0 are left out.
func mediaRanges(accept string) []mediaRange {
	var out []mediaRange
	for _, part := range splitUnquoted(accept, ',') {
		typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		if q == 0 {
			continue
		}
		out = append(out, mediaRange{typ: typ, params: params, q: q})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].q > out[j].q })
	return out
}

// splitUnquoted splits s at each sep outside a quoted string (a parameter value may be quoted
// and hold the separator).
func splitUnquoted(s string, sep byte) []string {
	var parts []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
