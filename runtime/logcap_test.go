package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"syscall"
)

// TestPruneRunsKeepsNewest: once run 9 starts, only --log-max-files run files are left, the
// previous run's (logs --previous) among them.
func TestPruneRunsKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"0.log", "1.log", "2.log", "3.log", "4.log", "5.log", "6.log", "7.log", "8.log", "9.log", "notes"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rt := &Runtime{opts: Options{LogMaxFiles: 3}}
	rt.pruneRuns(filepath.Join(dir, "9.log"))
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{"7.log", "8.log", "9.log", "notes"}; !reflect.DeepEqual(left, want) {
		t.Errorf("after pruning with --log-max-files 3: %v, want %v", left, want)
	}
}

// TestDuWalk sums st_blocks like du, in small steps, without following symlinks.
func TestDuWalk(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, dir := range []string{root, deep} {
		f, err := os.Create(filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(strings.Repeat("z", (i+1)<<20)); err != nil {
			t.Fatal(err)
		}
		f.Sync()
		f.Close()
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "big"), make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	filepath.Walk(root, func(_ string, fi os.FileInfo, _ error) error {
		want += fi.Sys().(*syscall.Stat_t).Blocks * 512
		return nil
	})
	w := newDuWalk(root)
	steps := 0
	for {
		total, done, err := w.step(1)
		if err != nil {
			t.Fatal(err)
		}
		steps++
		if done {
			if total != want || total < 3<<20 || total > 4<<20 {
				t.Errorf("du walk: %d bytes, want %d (3 MiB of data, not the 4 MiB behind the symlink)", total, want)
			}
			break
		}
	}
	if steps < 5 {
		t.Errorf("a walk with a budget of 1 entry finished in %d steps", steps)
	}
}
