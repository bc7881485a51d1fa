package rootfs

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Image reference kinds.
const (
	KindDir = "dir" // a plain directory used as the only lower layer
	KindOCI = "oci" // an OCI image layout on the local filesystem
)

// DefaultTag is the tag of an oci: reference that names none.
const DefaultTag = "latest"

// Ref is a parsed image reference.
type Ref struct {
	Kind string // KindDir or KindOCI
	Path string // absolute, cleaned path of the directory or layout
	Tag  string // oci only: org.opencontainers.image.ref.name to look up
}

// ParseRef parses an image reference: "/abs/dir" is a plain directory; "oci:/abs/layout[:tag]"
// is an OCI image layout (skopeo's syntax: the tag follows the last ':' when that part holds no
// '/'; the default tag is "latest"). Registry references are refused.
func ParseRef(s string) (Ref, error) {
	if strings.HasPrefix(s, "/") {
		return Ref{Kind: KindDir, Path: filepath.Clean(s)}, nil
	}
	if rest, ok := strings.CutPrefix(s, "oci:"); ok {
		return parseOCI(s, rest)
	}
	return Ref{}, fmt.Errorf("image %q: registry images are not supported yet; "+
		"use an absolute directory path or oci:/path/to/layout[:tag]", s)
}

func parseOCI(s, rest string) (Ref, error) {
	p, tag := rest, DefaultTag
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i+1:], "/") {
		p, tag = rest[:i], rest[i+1:]
	}
	if tag == "" {
		return Ref{}, fmt.Errorf("image %q: empty tag after ':'", s)
	}
	if !strings.HasPrefix(p, "/") {
		return Ref{}, fmt.Errorf("image %q: the OCI layout path must be absolute", s)
	}
	return Ref{Kind: KindOCI, Path: filepath.Clean(p), Tag: tag}, nil
}

// String formats r the way ParseRef reads it.
func (r Ref) String() string {
	if r.Kind == KindOCI {
		return "oci:" + r.Path + ":" + r.Tag
	}
	return r.Path
}
