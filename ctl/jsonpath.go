package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/jsonpath"
)

// -o jsonpath=, -o custom-columns= and --sort-by, as kubectl's printers and sorter do them, with
// client-go's JSONPath on the objects as JSON (maps), missing keys allowed (kubectl's default
// --allow-missing-template-keys). kubectl's printers themselves (k8s.io/cli-runtime) would bring
// its text/template printer, whose reflection makes the linker keep every method of every type.

// relaxedPath is kubectl's RelaxedJSONPathExpression: "{.a.b}", ".a.b" and "a.b" are the same.
func relaxedPath(expr string) (string, error) {
	e := strings.TrimSpace(expr)
	if strings.HasPrefix(e, "{") && strings.HasSuffix(e, "}") {
		return e, nil
	}
	if e == "" || strings.ContainsAny(e, "{}") {
		return "", fmt.Errorf("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}': %q", expr)
	}
	return "{." + strings.TrimPrefix(e, ".") + "}", nil
}

// parseJSONPath parses a template (name: for its errors).
func parseJSONPath(name, tmpl string) (*jsonpath.JSONPath, error) {
	j := jsonpath.New(name).AllowMissingKeys(true)
	if err := j.Parse(tmpl); err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %w", tmpl, err)
	}
	return j, nil
}

// asJSON is v decoded from its JSON: what kubectl's printers walk.
func asJSON(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(data, &out)
}

// printJSONPath is -o jsonpath=TEMPLATE: on the pod when one was named, else on the List.
func printJSONPath(w io.Writer, pods []corev1.Pod, single bool, tmpl string) error {
	j, err := parseJSONPath("out", tmpl)
	if err != nil {
		return err
	}
	var obj any = podList(pods)
	if single && len(pods) == 1 {
		p := typedPod(pods[0])
		obj = &p
	}
	data, err := asJSON(obj)
	if err != nil {
		return err
	}
	if err := j.Execute(w, data); err != nil {
		return fmt.Errorf("error executing jsonpath %q: %w", tmpl, err)
	}
	return nil
}

// customColumn is one NAME:PATH of -o custom-columns=.
type customColumn struct {
	name string
	path *jsonpath.JSONPath
}

func parseCustomColumns(spec string) ([]customColumn, error) {
	var cols []customColumn
	for _, part := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(part, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		expr, err := relaxedPath(path)
		if err != nil {
			return nil, err
		}
		j, err := parseJSONPath(name, expr)
		if err != nil {
			return nil, err
		}
		cols = append(cols, customColumn{name: name, path: j})
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	return cols, nil
}

// printCustomColumns is -o custom-columns=NAME:PATH,...: a cell lists every value its path
// finds (comma-separated), <none> when none.
func printCustomColumns(w io.Writer, pods []corev1.Pod, spec string, noHeaders bool) error {
	cols, err := parseCustomColumns(spec)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 5, 4, 3, ' ', 0) // kubectl's settings
	if !noHeaders {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		fmt.Fprintln(tw, strings.Join(names, "\t"))
	}
	for i := range pods {
		data, err := asJSON(&pods[i])
		if err != nil {
			return err
		}
		cells := make([]string, len(cols))
		for k, c := range cols {
			if cells[k], err = columnValue(c.path, data); err != nil {
				return err
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func columnValue(j *jsonpath.JSONPath, data any) (string, error) {
	results, err := j.FindResults(data)
	if err != nil {
		return "", err
	}
	var vals []string
	for _, r := range results {
		for _, v := range r {
			if v.IsValid() && (v.Kind() != reflect.Interface || !v.IsNil()) {
				vals = append(vals, fmt.Sprint(v.Interface()))
			}
		}
	}
	if len(vals) == 0 {
		return "<none>", nil
	}
	return strings.Join(vals, ","), nil
}

// sortPods is --sort-by=PATH: by the first value the path finds in each pod, numbers as
// numbers, anything else as text (RFC 3339 times sort so); a pod without one sorts first.
func sortPods(pods []corev1.Pod, expr string) error {
	tmpl, err := relaxedPath(expr)
	if err != nil {
		return err
	}
	j, err := parseJSONPath("sort", tmpl)
	if err != nil {
		return err
	}
	keys := make([]any, len(pods))
	for i := range pods {
		data, err := asJSON(&pods[i])
		if err != nil {
			return err
		}
		results, err := j.FindResults(data)
		if err != nil {
			return fmt.Errorf("couldn't find any field with path %q in the list of objects: %w", tmpl, err)
		}
		if len(results) > 0 && len(results[0]) > 0 {
			keys[i] = results[0][0].Interface()
		}
	}
	idx := make([]int, len(pods))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return lessValue(keys[idx[a]], keys[idx[b]]) })
	sorted := make([]corev1.Pod, len(pods))
	for i, k := range idx {
		sorted[i] = pods[k]
	}
	copy(pods, sorted)
	return nil
}

func lessValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b != nil
	}
	fa, aNum := a.(float64)
	fb, bNum := b.(float64)
	if aNum && bNum {
		return fa < fb
	}
	return bytes.Compare([]byte(fmt.Sprint(a)), []byte(fmt.Sprint(b))) < 0
}
