package ctl

import "testing"

// kubectl's grace periods: --grace-period=0 means 1 s unless --force, --force alone means 0.
func TestGracePeriod(t *testing.T) {
	for _, c := range []struct {
		seconds    int64
		now, force bool
		want       int64 // -1: the pod's own (nil)
	}{
		{-1, false, false, -1},
		{5, false, false, 5},
		{0, false, false, 1},
		{0, false, true, 0},
		{-1, false, true, 0},
		{7, false, true, 7},
		{-1, true, false, 1},
	} {
		got, err := gracePeriod(c.seconds, c.now, c.force)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (c.want < 0) || got != nil && *got != c.want {
			t.Errorf("gracePeriod(%d, now=%v, force=%v) = %v, want %d", c.seconds, c.now, c.force, got, c.want)
		}
	}
	if _, err := gracePeriod(3, true, false); err == nil {
		t.Error("--now with --grace-period accepted")
	}
}
