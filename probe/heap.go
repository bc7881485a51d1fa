package probe

import "time"

// entries is a min-heap of entries by next run time, each slot holding its entry's time (the
// comparisons read no entry) and each entry its index (for remove and fix). Typed, not through
// container/heap: at 1000 probes a second it makes some 30 comparisons a probe.
type entries []slot

type slot struct {
	next time.Time
	e    *Entry
}

func (h entries) less(i, j int) bool { return h[i].next.Before(h[j].next) }

func (h entries) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.index, h[j].e.index = i, j
}

func (h *entries) push(e *Entry) {
	e.index = len(*h)
	*h = append(*h, slot{e.next, e})
	h.up(e.index)
}

// pop removes and returns the earliest entry.
func (h *entries) pop() *Entry {
	return h.remove(0)
}

// remove removes and returns the entry at i.
func (h *entries) remove(i int) *Entry {
	n := len(*h) - 1
	if i != n {
		h.swap(i, n)
		if !h.down(i, n) {
			h.up(i)
		}
	}
	e := (*h)[n].e
	(*h)[n] = slot{}
	*h = (*h)[:n]
	e.index = -1
	return e
}

// fix restores the order after the next run time of the entry at i changed.
func (h entries) fix(i int) {
	h[i].next = h[i].e.next
	if !h.down(i, len(h)) {
		h.up(i)
	}
}

func (h entries) up(j int) {
	for j > 0 {
		i := (j - 1) / 2 // parent
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

// down moves the entry at i0 down among the first n; whether it moved.
func (h entries) down(i0, n int) bool {
	i := i0
	for {
		j := 2*i + 1
		if j >= n || j < 0 {
			break
		}
		if j2 := j + 1; j2 < n && h.less(j2, j) {
			j = j2
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
