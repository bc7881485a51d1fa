package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podd/podd/internal/cli"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podd/podd/api/client"
)

// getRequest is what `podctl get` was asked for.
type getRequest struct {
	namespace    string
	all          bool
	names        []string
	selector     labels.Selector
	selectorText string
	fieldText    string // --field-selector, which podd applies
	output       string
	watch        bool
	sortBy       string
	table        tableOptions // the table's shape (-o wide, -A, --no-headers, -L, --show-labels)
}

func getAction(c *cli.Context) error {
	if c.Args().Present() && isEventType(c.Args().First()) {
		return getEvents(c)
	}
	if res, names, ok, err := configArgs(c.Args().Slice()); ok || err != nil {
		if err != nil {
			return err
		}
		return getConfigAction(c, res, names)
	}
	req, err := parseGet(c)
	if err != nil {
		return err
	}
	if req.watch {
		return watchTable(c.Context, newClient(c), req, c.App.Writer)
	}
	if (req.output == "" || req.output == "wide") && req.sortBy == "" {
		return getTable(c.Context, newClient(c), req, c.App.Writer, c.App.ErrWriter)
	}
	pods, fetchErr := fetchPods(c.Context, newClient(c), req, c.App.ErrWriter)
	if !partial(fetchErr) {
		return fetchErr
	}
	if req.sortBy != "" {
		if err := sortPods(pods, req.sortBy); err != nil {
			return err
		}
	}
	if err := printPods(c.App.Writer, pods, req); err != nil {
		return err
	}
	return fetchErr
}

func parseGet(c *cli.Context) (getRequest, error) {
	req := getRequest{namespace: c.String("namespace"), all: c.Bool("all-namespaces"), output: c.String("output")}
	var err error
	if req.names, err = podNames("get", c.Args().Slice()); err != nil {
		return req, err
	}
	if req.all && len(req.names) > 0 {
		return req, errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	req.selectorText = c.String("selector")
	if req.selector, err = labels.Parse(req.selectorText); err != nil {
		return req, fmt.Errorf("selector: %w", err)
	}
	if req.fieldText = c.String("field-selector"); req.fieldText != "" && len(req.names) > 0 {
		return req, errors.New("name cannot be provided when a selector is specified")
	}
	req.watch, req.sortBy = c.Bool("watch"), c.String("sort-by")
	req.table = tableOptions{Wide: req.output == "wide", Namespace: req.all, NoHeaders: c.Bool("no-headers"),
		ShowLabels: c.Bool("show-labels"), LabelColumns: splitKeys(c.StringSlice("label-columns"))}
	if req.watch && req.output != "" && req.output != "wide" {
		return req, fmt.Errorf("--watch prints the table: -o %s is not supported with it", req.output)
	}
	if req.watch && len(req.names) > 1 {
		return req, errors.New("--watch takes one pod name at most")
	}
	switch {
	case req.output == "", req.output == "wide", req.output == "yaml", req.output == "json", req.output == "name":
		return req, nil
	case strings.HasPrefix(req.output, "jsonpath="), strings.HasPrefix(req.output, "custom-columns="):
		return req, nil
	}
	return req, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: custom-columns,json,jsonpath,name,wide,yaml", req.output)
}

// listOptions are the selectors of a list.
func (req getRequest) listOptions() client.ListOptions {
	return client.ListOptions{LabelSelector: req.selectorText, FieldSelector: req.fieldText}
}

// listNamespace is the namespace a list asks for: "" for all.
func (req getRequest) listNamespace() string {
	if req.all {
		return ""
	}
	return req.namespace
}

// getTable prints podd's table of the pods (-o wide or no -o): a list, or each named pod.
func getTable(ctx context.Context, cl *client.Client, req getRequest, out, errOut io.Writer) error {
	t, fetchErr := fetchTable(ctx, cl, req, errOut)
	if !partial(fetchErr) {
		return fetchErr
	}
	if len(t.Rows) == 0 {
		if len(req.names) == 0 {
			fmt.Fprintln(errOut, noResources(req))
		}
		return fetchErr
	}
	if err := printTable(out, t, req.table); err != nil {
		return err
	}
	return fetchErr
}

// fetchTable gets podd's pod table: the list podd selected, or the rows of each named pod (a
// failed name is reported on errOut, as fetchPods does) that the selector keeps. Rows carry
// their metadata only when it is needed: the NAMESPACE column, a selector on names.
func fetchTable(ctx context.Context, cl *client.Client, req getRequest, errOut io.Writer) (*metav1.Table, error) {
	filter := len(req.names) > 0 && !req.selector.Empty()
	include := metav1.IncludeNone
	if req.table.needsMeta() || filter {
		include = metav1.IncludeMetadata
	}
	if len(req.names) == 0 {
		return cl.ListTable(ctx, req.listNamespace(), req.listOptions(), include)
	}
	t := &metav1.Table{}
	var failed error
	for _, name := range req.names {
		one, err := cl.GetTable(ctx, req.namespace, name, include)
		if err != nil {
			fmt.Fprintln(errOut, errorText(err, ""))
			failed = exitError{Code: 1}
			continue
		}
		t.ColumnDefinitions = one.ColumnDefinitions
		t.Rows = append(t.Rows, one.Rows...)
	}
	if filter {
		rows, err := selectRows(t.Rows, req.selector)
		if err != nil {
			return nil, err
		}
		t.Rows = rows
	}
	return t, failed
}

// selectRows keeps the rows whose metadata's labels sel matches.
func selectRows(rows []metav1.TableRow, sel labels.Selector) ([]metav1.TableRow, error) {
	var out []metav1.TableRow
	for i := range rows {
		m, err := rowMeta(&rows[i])
		if err != nil {
			return nil, err
		}
		if sel.Matches(labels.Set(m.Labels)) {
			out = append(out, rows[i])
		}
	}
	return out, nil
}

// fetchPods lists pods (podd applies the selector), or gets each named one; a failed name is
// reported on errOut and makes the returned error an exit status 1, the other pods are still
// printed.
func fetchPods(ctx context.Context, cl *client.Client, req getRequest, errOut io.Writer) ([]corev1.Pod, error) {
	if len(req.names) == 0 {
		return cl.List(ctx, req.listNamespace(), req.listOptions())
	}
	var pods []corev1.Pod
	var failed error
	for _, name := range req.names {
		pod, err := cl.Get(ctx, req.namespace, name)
		if err != nil {
			fmt.Fprintln(errOut, errorText(err, ""))
			failed = exitError{Code: 1}
			continue
		}
		pods = append(pods, *pod)
	}
	return selectPods(pods, req.selector), failed
}

// partial reports whether err (from fetchPods) leaves something to print: nil, or some names
// that failed.
func partial(err error) bool {
	var ee exitError
	return err == nil || errors.As(err, &ee)
}

func selectPods(pods []corev1.Pod, sel labels.Selector) []corev1.Pod {
	if sel == nil || sel.Empty() {
		return pods
	}
	var out []corev1.Pod
	for _, p := range pods {
		if sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

// printPods prints full objects: -o yaml, json, name, jsonpath=, custom-columns=, or the table
// (of pods sorted by --sort-by).
func printPods(out io.Writer, pods []corev1.Pod, req getRequest) error {
	single := len(req.names) == 1
	switch {
	case req.output == "name":
		printNames(out, pods)
		return nil
	case strings.HasPrefix(req.output, "jsonpath="):
		return printJSONPath(out, pods, single, strings.TrimPrefix(req.output, "jsonpath="))
	case strings.HasPrefix(req.output, "custom-columns="):
		return printCustomColumns(out, pods, strings.TrimPrefix(req.output, "custom-columns="), req.table.NoHeaders)
	case req.output == "" || req.output == "wide":
		if len(pods) == 0 {
			return nil
		}
		req.table.Now = time.Now()
		return printPodTable(out, pods, req.table)
	}
	if len(pods) == 0 && len(req.names) > 0 {
		return nil
	}
	return printObjects(out, pods, req.output, len(req.names) == 1)
}

func noResources(req getRequest) string {
	if req.all {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", req.namespace)
}
