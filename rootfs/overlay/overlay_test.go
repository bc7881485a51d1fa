package overlay

import "testing"

func TestOverlayOptionsEscapes(t *testing.T) {
	o := Overlay{Lowers: []string{"/l/a", "/l/b,c:d"}, Upper: "/u", Work: "/w"}
	want := `lowerdir=/l/a:/l/b\,c\:d,upperdir=/u,workdir=/w`
	if got := o.Options(); got != want {
		t.Fatalf("Options() = %q, want %q", got, want)
	}
}
