package probe

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestEntriesHeap: random pushes, pops, removes and fixes keep the heap's order (pops come
// earliest first), each entry's index right, and the slots' times their entries'.
func TestEntriesHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Unix(1000, 0)
	var h entries
	var in []*Entry // the entries in h
	check := func() {
		t.Helper()
		for i, sl := range h {
			if sl.e.index != i || !sl.next.Equal(sl.e.next) {
				t.Fatalf("slot %d: entry index %d, time %v for the entry's %v", i, sl.e.index, sl.next, sl.e.next)
			}
			if p := (i - 1) / 2; i > 0 && h.less(i, p) {
				t.Fatalf("slot %d is earlier than its parent %d", i, p)
			}
		}
	}
	for range 5000 {
		switch op := r.IntN(4); {
		case op == 0 || len(in) == 0:
			e := &Entry{next: base.Add(time.Duration(r.IntN(1000)) * time.Millisecond)}
			h.push(e)
			in = append(in, e)
		case op == 1:
			e := h.pop()
			for _, x := range in {
				if x.next.Before(e.next) {
					t.Fatalf("pop gave %v with %v still in", e.next, x.next)
				}
			}
			in = drop(in, e)
		case op == 2:
			e := in[r.IntN(len(in))]
			if got := h.remove(e.index); got != e || e.index != -1 {
				t.Fatalf("remove gave another entry, or left its index %d", e.index)
			}
			in = drop(in, e)
		default:
			e := in[r.IntN(len(in))]
			e.next = base.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
			h.fix(e.index)
		}
		check()
		if len(h) != len(in) {
			t.Fatalf("%d in the heap, want %d", len(h), len(in))
		}
	}
}

func drop(in []*Entry, e *Entry) []*Entry {
	for i, x := range in {
		if x == e {
			return append(in[:i], in[i+1:]...)
		}
	}
	return in
}
