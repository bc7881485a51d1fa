// Package split is podd's one manifest splitter: it cuts a manifest file into its documents,
// each as JSON. podctl uses it to send one pod per request, package manifest to decode
// `--manifests` files; it is kept apart from package manifest so that podctl does not link the
// validation. It imports only the standard library and sigs.k8s.io/yaml.
package split

import (
	"bytes"
	"fmt"

	"sigs.k8s.io/yaml"
)

// Doc is one non-empty document of a manifest: its JSON, or the error that stopped its
// conversion from YAML.
type Doc struct {
	JSON []byte
	Err  error
}

// Documents splits data into its non-empty documents. Input whose first character is '{' is a
// stream of JSON values, cut at the end of each top-level value (their syntax is left to
// whoever decodes them); anything else is YAML, cut at lines "---" (a comment may follow),
// each document converted to JSON strictly (a key given twice is an error). Documents that are
// empty or hold only comments are skipped. A YAML document of more than max bytes (0: no
// bound) is an error, not converted: the conversion takes some 15 times its size in memory.
func Documents(data []byte, max int) []Doc {
	if IsJSON(data) {
		return jsonDocuments(data)
	}
	var docs []Doc
	for _, y := range yamlChunks(data) {
		if max > 0 && len(y) > max {
			docs = append(docs, Doc{Err: fmt.Errorf("a document of %d bytes: more than the %d of an object", len(y), max)})
			continue
		}
		j, err := yaml.YAMLToJSONStrict(y)
		switch {
		case err != nil:
			docs = append(docs, Doc{Err: err})
		case string(j) != "null":
			docs = append(docs, Doc{JSON: j})
		}
	}
	return docs
}

// IsJSON reports whether data, past leading white space, starts with '{'.
func IsJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// yamlChunks cuts data at its separator lines; the chunks share data's memory.
func yamlChunks(data []byte) [][]byte {
	var chunks [][]byte
	start := 0
	for line := 0; line < len(data); {
		end := bytes.IndexByte(data[line:], '\n')
		next := len(data)
		if end >= 0 {
			end += line
			next = end + 1
		} else {
			end = len(data)
		}
		if isSeparator(data[line:end]) {
			chunks = append(chunks, data[start:line])
			start = next
		}
		line = next
	}
	return append(chunks, data[start:])
}

// isSeparator reports whether line is "---", alone or followed by white space or a comment.
func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t\r")
	return len(rest) == 0 || rest[0] == '#'
}

// jsonDocuments cuts a stream of JSON values at the end of each top-level value.
func jsonDocuments(data []byte) []Doc {
	var docs []Doc
	for i := skipSpace(data, 0); i < len(data); i = skipSpace(data, i) {
		end := valueEnd(data, i)
		docs = append(docs, Doc{JSON: data[i:end]})
		i = end
	}
	return docs
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// valueEnd returns the index just past the JSON value that starts at data[i], found by counting
// brackets outside strings, without recursion whatever the nesting; len(data) when the value
// does not end. A scalar ends at white space or at the start of another value.
func valueEnd(data []byte, i int) int {
	depth, inString, escaped := 0, false, false
	for j := i; j < len(data); j++ {
		c := data[j]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return j + 1
				}
			}
		case depth == 0 && j > i && (isSpace(c) || c == '{' || c == '[' || c == '"'):
			return j // the end of a top-level scalar
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth <= 0 {
				return j + 1
			}
		}
	}
	return len(data)
}
