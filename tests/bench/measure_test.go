package main

import (
	"math"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want stats
	}{
		{[]float64{5}, stats{5, 5, 5, 5}},
		{[]float64{4, 1, 3, 2}, stats{1, 2.5, 4, 4}},
		{[]float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, stats{1, 5.5, 9, 10}},
		{[]float64{3, 1, 2}, stats{1, 2, 3, 3}},
	} {
		if got := summarize(tc.in); got != tc.want {
			t.Errorf("summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if s := summarize(nil); !math.IsNaN(s.median) {
		t.Errorf("summarize(nil).median = %v, want NaN", s.median)
	}
	in := []float64{3, 1, 2}
	summarize(in)
	if in[0] != 3 {
		t.Errorf("summarize sorted its input: %v", in)
	}
}

func TestPrintTable(t *testing.T) {
	var b strings.Builder
	printTable(&b, []row{{name: "apply", unit: "ms", samples: []float64{12.345, 150}}})
	want := "name   n   min  median  p90  max  unit\napply  2  12.3    81.2  150  150  ms\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
