package rootfs

import (
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Ref
		err  string
	}{
		{in: "/srv/rootfs", want: Ref{Kind: KindDir, Path: "/srv/rootfs"}},
		{in: "/srv/rootfs/", want: Ref{Kind: KindDir, Path: "/srv/rootfs"}},
		{in: "/srv/a:b", want: Ref{Kind: KindDir, Path: "/srv/a:b"}},
		{in: "oci:/img/layout", want: Ref{Kind: KindOCI, Path: "/img/layout", Tag: "latest"}},
		{in: "oci:/img/layout:v1.2", want: Ref{Kind: KindOCI, Path: "/img/layout", Tag: "v1.2"}},
		{in: "oci:/img/lay:out/x", want: Ref{Kind: KindOCI, Path: "/img/lay:out/x", Tag: "latest"}},
		{in: "oci:/img/lay:out/x:t", want: Ref{Kind: KindOCI, Path: "/img/lay:out/x", Tag: "t"}},
		{in: "oci:/img/layout/:t", want: Ref{Kind: KindOCI, Path: "/img/layout", Tag: "t"}},
		{in: "oci:/img/layout:", err: "empty tag"},
		{in: "oci:img/layout", err: "must be absolute"},
		{in: "oci:", err: "must be absolute"},
		{in: "busybox", want: Ref{Kind: KindRegistry, Name: "index.docker.io/library/busybox:latest", Tag: "latest"}},
		{in: "docker.io/library/busybox:1.36", want: Ref{Kind: KindRegistry, Name: "index.docker.io/library/busybox:1.36", Tag: "1.36"}},
		{in: "nginx:1.27", want: Ref{Kind: KindRegistry, Name: "index.docker.io/library/nginx:1.27", Tag: "1.27"}},
		{in: "localhost:5000/x", want: Ref{Kind: KindRegistry, Name: "localhost:5000/x:latest", Tag: "latest"}},
		{in: "127.0.0.1:5000/a/b:1", want: Ref{Kind: KindRegistry, Name: "127.0.0.1:5000/a/b:1", Tag: "1"}},
		{in: "host:5000/app@sha256:" + strings.Repeat("ab", 32),
			want: Ref{Kind: KindRegistry, Name: "host:5000/app@sha256:" + strings.Repeat("ab", 32)}},
		{in: "relative/dir", want: Ref{Kind: KindRegistry, Name: "index.docker.io/relative/dir:latest", Tag: "latest"}},
		{in: "docker://busybox", err: "not an image reference"},
		{in: "Upper/Case", err: "not an image reference"},
		{in: "x@sha256:12", err: "not an image reference"},
		{in: "", err: "not an image reference"},
	} {
		got, err := ParseRef(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseRef(%q) = %+v, %v; want error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if again, err := ParseRef(got.String()); err != nil || again != got {
			t.Errorf("ParseRef(%q.String() = %q) = %+v, %v", c.in, got.String(), again, err)
		}
	}
}
