package manifest

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's field table from FieldTable")

const (
	tableStart = "<!-- field table: made by FieldTable, `go test ./manifest -run FieldTable -update` -->\n"
	tableEnd   = "<!-- end of field table -->\n"
)

// TestREADMEFieldTable: the README's table of Pod fields is what apply accepts today.
func TestREADMEFieldTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(readme), tableStart)
	table, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok || !ok2 {
		t.Fatalf("README.md has no field table between %q and %q", tableStart, tableEnd)
	}
	want := FieldTable()
	if *update {
		if err := os.WriteFile("../README.md", []byte(before+tableStart+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if table != want {
		t.Errorf("README.md's field table is out of date: run go test ./manifest -run FieldTable -update")
	}
}

// A field podd refuses says why, one it half supports names what is missing.
func TestFieldTableRows(t *testing.T) {
	table := FieldTable()
	for _, row := range []string{
		"| `spec.nodeSelector` | refused: one node: nothing to schedule |",
		"| `spec.restartPolicy` | yes |",
		"| `spec.containers[].name` | yes |",
		"| `spec.volumes[].persistentVolumeClaim` | refused: a cluster volume: needs a control plane |",
		"| `spec.volumes[].nfs` | yes |",
	} {
		if !strings.Contains(table, row) {
			t.Errorf("table has no row %q", row)
		}
	}
}
