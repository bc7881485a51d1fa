package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// row is one line of the result table: samples in the row's unit.
type row struct {
	name    string
	unit    string
	samples []float64
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// durations makes a row in milliseconds.
func durations(name string, ds []time.Duration) row {
	r := row{name: name, unit: "ms"}
	for _, d := range ds {
		r.samples = append(r.samples, ms(d))
	}
	return r
}

type stats struct{ min, median, p90, max float64 }

// summarize: min, median (mean of the middle two for even n), p90 (nearest rank), max.
func summarize(samples []float64) stats {
	if len(samples) == 0 {
		return stats{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	rank := int(math.Ceil(0.9*float64(n))) - 1
	return stats{min: s[0], median: med, p90: s[max(rank, 0)], max: s[n-1]}
}

func (r row) stats() stats { return summarize(r.samples) }

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// printTable writes the rows aligned: name, n, min, median, p90, max, unit.
func printTable(w io.Writer, rows []row) {
	cells := [][]string{{"name", "n", "min", "median", "p90", "max", "unit"}}
	for _, r := range rows {
		s := r.stats()
		cells = append(cells, []string{r.name, fmt.Sprint(len(r.samples)), num(s.min), num(s.median), num(s.p90), num(s.max), r.unit})
	}
	width := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, v := range c {
			width[i] = max(width[i], len(v))
		}
	}
	for _, c := range cells {
		var b strings.Builder
		for i, v := range c {
			if i == 0 || i == len(c)-1 {
				fmt.Fprintf(&b, "%-*s  ", width[i], v)
			} else {
				fmt.Fprintf(&b, "%*s  ", width[i], v)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
