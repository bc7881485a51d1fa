package ctl

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/podtable"
	corev1 "k8s.io/api/core/v1"
)

// `podctl get events [-A] [-w] [--field-selector involvedObject.name=X]`, kubectl's event
// table: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (NAMESPACE first with -A).

// isEventType reports whether s names the event resource, as kubectl spells it.
func isEventType(s string) bool {
	switch strings.ToLower(s) {
	case "events", "event", "ev":
		return true
	}
	return false
}

func getEvents(c *cli.Context) error {
	if c.Args().Len() > 1 {
		return fmt.Errorf("podctl get events takes no names: select with --field-selector involvedObject.name=NAME")
	}
	ns, all := c.String("namespace"), c.Bool("all-namespaces")
	if all {
		ns = ""
	}
	cl, sel := newClient(c), c.String("field-selector")
	t := newLineTable(c.App.Writer, eventHeader(all), c.Bool("no-headers"))
	if c.Bool("watch") {
		return cl.WatchEvents(c.Context, ns, sel, func(_ string, e *corev1.Event) error {
			return t.row(eventRow(e, all, time.Now()))
		})
	}
	events, err := cl.Events(c.Context, ns, sel)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		fmt.Fprintln(c.App.ErrWriter, noResources(getRequest{namespace: ns, all: all}))
		return nil
	}
	now := time.Now()
	rows := make([][]string, len(events))
	for i := range events {
		rows[i] = eventRow(&events[i], all, now)
	}
	return t.all(rows)
}

func eventHeader(namespace bool) []string {
	h := []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}
	if namespace {
		h = append([]string{"NAMESPACE"}, h...)
	}
	return h
}

// eventRow is kubectl's event row (printEvent): the age of the last occurrence, and the
// object as kind/name in lower case.
func eventRow(e *corev1.Event, namespace bool, now time.Time) []string {
	last := e.LastTimestamp
	if last.IsZero() {
		last = e.FirstTimestamp
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	row := []string{podtable.Age(last, now), e.Type, e.Reason, target, strings.TrimSpace(e.Message)}
	if namespace {
		row = append([]string{e.Namespace}, row...)
	}
	return row
}

// lineTable prints rows as kubectl's tables (columns 3 spaces apart), one at a time for a
// watch: a column widens when a cell needs it, never narrows.
type lineTable struct {
	w      io.Writer
	header []string
	widths []int
	quiet  bool // --no-headers
	begun  bool
}

func newLineTable(w io.Writer, header []string, noHeaders bool) *lineTable {
	return &lineTable{w: w, header: header, widths: make([]int, len(header)), quiet: noHeaders}
}

// all prints rows aligned on their widest cells.
func (t *lineTable) all(rows [][]string) error {
	for _, r := range rows {
		t.widen(r)
	}
	for _, r := range rows {
		if err := t.row(r); err != nil {
			return err
		}
	}
	return nil
}

func (t *lineTable) widen(cells []string) {
	for i, c := range cells {
		if i < len(t.widths) {
			t.widths[i] = max(t.widths[i], len(c))
		}
	}
}

// row prints one row, after the header the first time.
func (t *lineTable) row(cells []string) error {
	t.widen(cells)
	if !t.begun {
		t.begun = true
		if !t.quiet {
			t.widen(t.header)
			if err := t.line(t.header); err != nil {
				return err
			}
		}
	}
	return t.line(cells)
}

func (t *lineTable) line(cells []string) error {
	var b strings.Builder
	for i, c := range cells {
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", t.widths[i]-len(c)+3))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(t.w, b.String())
	return err
}
