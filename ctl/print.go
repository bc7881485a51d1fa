package ctl

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/podd/podd/podtable"
)

// tableOptions shapes the pod table.
type tableOptions struct {
	Wide      bool      // add IP and NODE
	Namespace bool      // add a NAMESPACE column first (-A): the rows must carry their metadata
	Now       time.Time // AGE is counted up to Now (printPodTable only: podd's table has the ages)
	NoHeaders bool      // --no-headers
	// LabelColumns (-L) add a column per label key, ShowLabels (--show-labels) a LABELS column
	// last: the rows must carry their metadata.
	LabelColumns []string
	ShowLabels   bool
}

// needsMeta reports whether the rows must carry their metadata.
func (o tableOptions) needsMeta() bool {
	return o.Namespace || o.ShowLabels || len(o.LabelColumns) > 0
}

// printPodTable prints pods like `kubectl get pods`, through the same table podd answers.
func printPodTable(w io.Writer, pods []corev1.Pod, o tableOptions) error {
	return printTable(w, podtable.Table(pods, o.Now, metav1.IncludeMetadata), o)
}

// shownColumns are the table columns podctl prints, by name; -o wide adds wideColumns. podd's
// table also has NOMINATED NODE and READINESS GATES, which podctl leaves out.
var (
	shownColumns = []string{"Name", "Ready", "Status", "Restarts", "Age"}
	wideColumns  = []string{"IP", "Node"}
)

// printTable prints a pod table (podd's metav1.Table) like `kubectl get pods`.
func printTable(w io.Writer, t *metav1.Table, o tableOptions) error {
	names := shownColumns
	if o.Wide {
		names = append(names[:len(names):len(names)], wideColumns...)
	}
	cols, err := columnIndexes(t.ColumnDefinitions, names)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)           // tabwriter writes each cell and its padding apart
	tw := tabwriter.NewWriter(bw, 6, 4, 3, ' ', 0) // kubectl's table settings
	if !o.NoHeaders {
		fmt.Fprintln(tw, strings.Join(tableHeader(names, o), "\t"))
	}
	for i := range t.Rows {
		row, err := tableRow(&t.Rows[i], cols, o)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print table: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("print table: %w", err)
	}
	return nil
}

// columnIndexes finds each named column in defs.
func columnIndexes(defs []metav1.TableColumnDefinition, names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = slices.IndexFunc(defs, func(d metav1.TableColumnDefinition) bool { return strings.EqualFold(d.Name, n) })
		if idx[i] < 0 {
			return nil, fmt.Errorf("podd's pod table has no %s column", n)
		}
	}
	return idx, nil
}

func tableHeader(names []string, o tableOptions) []string {
	h := make([]string, 0, len(names)+1)
	if o.Namespace {
		h = append(h, "NAMESPACE")
	}
	for _, n := range names {
		h = append(h, strings.ToUpper(n))
	}
	for _, k := range o.LabelColumns {
		h = append(h, strings.ToUpper(k[strings.LastIndexByte(k, '/')+1:])) // kubectl: the key's name part
	}
	if o.ShowLabels {
		h = append(h, "LABELS")
	}
	return h
}

// tableRow is a row's cells in the columns cols, after its namespace with -A.
func tableRow(r *metav1.TableRow, cols []int, o tableOptions) ([]string, error) {
	out := make([]string, 0, len(cols)+1)
	var m *metav1.PartialObjectMetadata
	if o.needsMeta() {
		var err error
		if m, err = rowMeta(r); err != nil {
			return nil, err
		}
	}
	if o.Namespace {
		out = append(out, m.Namespace)
	}
	for _, c := range cols {
		out = append(out, cellText(r.Cells, c))
	}
	for _, k := range o.LabelColumns {
		out = append(out, m.Labels[k])
	}
	if o.ShowLabels {
		out = append(out, labelsText(m.Labels))
	}
	return out, nil
}

// labelsText is kubectl's LABELS cell: k=v,... sorted by key, <none> when there are none.
func labelsText(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	keys := slices.Sorted(maps.Keys(l))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return strings.Join(parts, ",")
}

// cellText is a cell as kubectl prints it: <none> when missing or null.
func cellText(cells []any, i int) string {
	if i >= len(cells) || cells[i] == nil {
		return "<none>"
	}
	if s, ok := cells[i].(string); ok {
		return s
	}
	return fmt.Sprint(cells[i])
}

// rowMeta is the metadata a table row carries (asked for with includeObject=Metadata): decoded
// from the row's JSON, or the object itself in a table built here.
func rowMeta(r *metav1.TableRow) (*metav1.PartialObjectMetadata, error) {
	if m, ok := r.Object.Object.(*metav1.PartialObjectMetadata); ok {
		return m, nil
	}
	if len(r.Object.Raw) == 0 {
		return nil, errors.New("podd's table row carries no object metadata")
	}
	var m metav1.PartialObjectMetadata
	if err := json.Unmarshal(r.Object.Raw, &m); err != nil {
		return nil, fmt.Errorf("decode a table row's metadata: %w", err)
	}
	return &m, nil
}

// printObjects prints pods as YAML or JSON: the Pod itself when single, else a v1 List.
func printObjects(w io.Writer, pods []corev1.Pod, format string, single bool) error {
	switch {
	case single && len(pods) == 1:
		return writeEncoded(w, format, typedPod(pods[0]))
	case format == "json":
		return writeJSONList(w, pods)
	}
	return writeEncoded(w, format, podList(pods))
}

// list is a v1 List, as kubectl prints several objects.
type list struct {
	APIVersion string       `json:"apiVersion"`
	Items      []corev1.Pod `json:"items"`
	Kind       string       `json:"kind"`
	Metadata   listMeta     `json:"metadata"`
}

type listMeta struct {
	ResourceVersion string `json:"resourceVersion"`
}

func podList(pods []corev1.Pod) list {
	l := list{APIVersion: "v1", Kind: "List", Items: make([]corev1.Pod, len(pods))}
	for i, p := range pods {
		l.Items[i] = typedPod(p)
	}
	return l
}

func typedPod(p corev1.Pod) corev1.Pod {
	p.APIVersion, p.Kind = "v1", "Pod"
	return p
}

// printNames prints pod/NAME lines (-o name).
func printNames(w io.Writer, pods []corev1.Pod) {
	for _, p := range pods {
		fmt.Fprintf(w, "pod/%s\n", p.Name)
	}
}

// printBool is True or False, as kubectl describe writes booleans.
func printBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// writeEncoded writes obj as kubectl's -o json (4-space indent) or -o yaml.
func writeEncoded(w io.Writer, format string, obj any) error {
	var out []byte
	var err error
	if format == "json" {
		out, err = json.MarshalIndent(obj, "", "    ")
		out = append(out, '\n')
	} else {
		out, err = yaml.Marshal(obj)
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", format, err)
	}
	_, err = w.Write(out)
	return err
}
