package rootfs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Image reference kinds.
const (
	KindDir      = "dir"      // a plain directory used as the only lower layer
	KindOCI      = "oci"      // an OCI image layout on the local filesystem
	KindRegistry = "registry" // an image in a registry (pulled, see pull.go)
)

// DefaultTag is the tag of an oci: reference that names none.
const DefaultTag = "latest"

// Ref is a parsed image reference.
type Ref struct {
	Kind string // KindDir, KindOCI or KindRegistry
	Path string // dir and oci: absolute, cleaned path of the directory or layout
	Tag  string // oci: org.opencontainers.image.ref.name to look up; registry: the tag ("" for a digest)
	Name string // registry: the full reference (registry/repository:tag or @digest)
}

// ParseRef parses an image reference: "/abs/dir" is a plain directory; "oci:/abs/layout[:tag]"
// is an OCI image layout (skopeo's syntax: the tag follows the last ':' when that part holds no
// '/'; the default tag is "latest"); anything else is a registry reference as docker reads it
// ("nginx:1.27" is index.docker.io/library/nginx:1.27, no tag means latest).
func ParseRef(s string) (Ref, error) {
	if strings.HasPrefix(s, "/") {
		return Ref{Kind: KindDir, Path: filepath.Clean(s)}, nil
	}
	if rest, ok := strings.CutPrefix(s, "oci:"); ok {
		return parseOCI(s, rest)
	}
	return parseRegistry(s)
}

func parseRegistry(s string) (Ref, error) {
	ref, err := name.ParseReference(s)
	if err == nil && strings.Contains(s, "://") { // a transport prefix (docker://) names no registry
		err = fmt.Errorf("a transport prefix is not part of a reference")
	}
	if err != nil {
		return Ref{}, fmt.Errorf("image %q: not an image reference (registry/repository[:tag][@digest], "+
			"an absolute directory path or oci:/path/to/layout[:tag]): %w", s, err)
	}
	r := Ref{Kind: KindRegistry, Name: ref.Name()}
	if t, ok := ref.(name.Tag); ok {
		r.Tag = t.TagStr()
	}
	return r, nil
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
	switch r.Kind {
	case KindOCI:
		return "oci:" + r.Path + ":" + r.Tag
	case KindRegistry:
		return r.Name
	}
	return r.Path
}
