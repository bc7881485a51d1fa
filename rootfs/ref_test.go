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
		{in: "busybox", err: "registry images are not supported yet"},
		{in: "docker.io/library/busybox:1.36", err: "registry images are not supported yet"},
		{in: "docker://busybox", err: "registry images are not supported yet"},
		{in: "relative/dir", err: "registry images are not supported yet"},
		{in: "", err: "registry images are not supported yet"},
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
