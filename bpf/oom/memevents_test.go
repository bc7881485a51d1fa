package oom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A memory.events whose oom_kill grows is reported once per change, with the increase and the
// directory's inode as the cgroup id; the count found at Watch is not reported.
func TestMemoryEventsReportsIncrease(t *testing.T) {
	dir := t.TempDir()
	write := func(n string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("low 0\nhigh 0\nmax 3\noom 2\noom_kill "+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("2")
	m, err := NewMemoryEvents()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Watch(dir); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	id, _ := CgroupID(dir)
	write("2") // no change: nothing
	write("5")
	select {
	case e := <-m.Events():
		if e.CgroupID != id || e.Kills != 3 || e.PID != 0 {
			t.Fatalf("event %+v, want cgroup %d kills 3 pid 0", e, id)
		}
		if got, want := e.Message(), "Memory cgroup out of memory: Killed process (pid unknown: memory.events oom_kill +3)"; got != want {
			t.Fatalf("message %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after oom_kill 2 -> 5")
	}
	m.Unwatch(dir)
	write("9")
	select {
	case e := <-m.Events():
		t.Fatalf("event %+v after Unwatch", e)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestMemoryEventsWatchWithoutFile(t *testing.T) {
	m, err := NewMemoryEvents()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Watch(t.TempDir()); err == nil {
		t.Fatal("Watch of a directory without memory.events: no error")
	}
}

func TestEventMessage(t *testing.T) {
	e := Event{PID: 1234, Comm: "memhog"}
	if got, want := e.Message(), "Memory cgroup out of memory: Killed process 1234 (memhog)"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestCheckProgram: --oom-program takes the three programs (and "" as auto), nothing else,
// and its error names the flag and the value.
func TestCheckProgram(t *testing.T) {
	for _, ok := range []string{"", ProgramAuto, ProgramTracepoint, ProgramFentry} {
		if err := CheckProgram(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	err := CheckProgram("kprobe")
	if err == nil || !strings.Contains(err.Error(), `--oom-program: invalid value "kprobe"`) {
		t.Errorf("kprobe: %v", err)
	}
}
