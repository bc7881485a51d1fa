package overlay

import "testing"

func TestOverlayOptionsEscapes(t *testing.T) {
	o := Overlay{Lowers: []string{"/l/a", "/l/b,c:d"}, Upper: `/u\v`, Work: "/w"}
	want := `lowerdir=/l/a:/l/b\,c\:d,upperdir=/u\\v,workdir=/w`
	if got := o.Options(); got != want {
		t.Fatalf("Options() = %q, want %q", got, want)
	}
}

// BenchmarkOptions is the mount data a container start builds, for paths with nothing to
// escape (the usual ones: podd's own directories and image layers).
func BenchmarkOptions(b *testing.B) {
	o := Overlay{Lowers: []string{"/var/lib/podd/images/blobs/sha256/0123456789abcdef/rootfs"},
		Upper: "/var/lib/podd/pods/0badc0de-0000-4000-8000-000000000000/containers/app/upper",
		Work:  "/var/lib/podd/pods/0badc0de-0000-4000-8000-000000000000/containers/app/work"}
	b.ReportAllocs()
	for b.Loop() {
		if o.Options() == "" {
			b.Fatal("no options")
		}
	}
}
