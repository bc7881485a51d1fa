package intree

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSendReceive copies a tree of 100 files of 4 KiB out of one root and into another
// (the podd side of podctl cp, both ways).
func BenchmarkSendReceive(b *testing.B) {
	src, dst := b.TempDir(), b.TempDir()
	body := bytes.Repeat([]byte("x"), 4096)
	for i := 0; i < 100; i++ {
		dir := filepath.Join(src, "t", fmt.Sprint(i%10))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sroot, _ := os.Open(src)
	droot, _ := os.Open(dst)
	defer sroot.Close()
	defer droot.Close()
	b.SetBytes(100 * 4096)
	for b.Loop() {
		var buf bytes.Buffer
		if err := Send(sroot, "/t", &buf, nil); err != nil {
			b.Fatal(err)
		}
		if err := Receive(droot, "/t", &buf, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
