package local

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/podd/podd/api/wire"
	"golang.org/x/sys/unix"
)

// isTerminal reports whether w is a terminal (progress is drawn only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// pullView draws one line per layer, as docker pull does, redrawing them in place.
type pullView struct {
	w     io.Writer
	order []string
	state map[string]wire.PullProgress
	drawn int // lines drawn by the last update
}

func newPullView(w io.Writer) *pullView {
	return &pullView{w: w, state: map[string]wire.PullProgress{}}
}

func (v *pullView) update(p wire.PullProgress) {
	if _, ok := v.state[p.Layer]; !ok {
		v.order = append(v.order, p.Layer)
	}
	v.state[p.Layer] = p
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn) // back to the first layer's line
	}
	for _, l := range v.order {
		fmt.Fprintf(&b, "\r%s: %s\x1b[K\n", shortDigest(l), layerLine(v.state[l]))
	}
	v.drawn = len(v.order)
	_, _ = io.WriteString(v.w, b.String())
}

// layerLine is a layer's state: a bar and byte counts while downloading.
func layerLine(p wire.PullProgress) string {
	if p.Status != "Downloading" || p.Total <= 0 {
		return p.Status
	}
	const width = 30
	n := min(int(p.Current*width/p.Total), width)
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	return fmt.Sprintf("%s [%s] %s/%s", p.Status, bar, humanBytes(p.Current), humanBytes(p.Total))
}

// humanBytes is n in docker's units (kB, MB, GB: powers of 1000).
func humanBytes(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
