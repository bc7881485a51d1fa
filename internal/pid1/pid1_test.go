package pid1

import (
	"reflect"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	got := parseCmdline("console=ttyS0 quiet podd.run=/test/script podd.manifests=/etc/podd/manifests panic=-1\n")
	want := []string{"--run=/test/script", "--manifests=/etc/podd/manifests"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestParseCmdlineQuotes(t *testing.T) {
	got := parseCmdline(`quiet podd.run="/test/my script" "podd.manifests=/etc/a b" podd.bogus=1 x="podd.no=1"` + "\n")
	want := []string{"--run=/test/my script", "--manifests=/etc/a b", "--bogus=1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
