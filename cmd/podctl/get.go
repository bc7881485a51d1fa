package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/podd/podd/cmd/podctl/internal/cli"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podd/podd/api/client"
)

func getCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "list pods",
		ArgsUsage: "pods [NAME...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "wide, yaml, json or name"},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, Usage: "list the pods of every namespace"},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "label selector (app=web,tier!=db)"},
		},
		Action: getAction,
	}
}

// getRequest is what `podctl get` was asked for.
type getRequest struct {
	namespace    string
	all          bool
	names        []string
	selector     labels.Selector
	selectorText string
	output       string
}

func getAction(c *cli.Context) error {
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
	if req.output == "" || req.output == "wide" {
		return getTable(c.Context, newClient(c), req, c.App.Writer, c.App.ErrWriter)
	}
	pods, fetchErr := fetchPods(c.Context, newClient(c), req, c.App.ErrWriter)
	if !partial(fetchErr) {
		return fetchErr
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
	switch req.output {
	case "", "wide", "yaml", "json", "name":
		return req, nil
	}
	return req, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", req.output)
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
	if err := printTable(out, t, tableOptions{Wide: req.output == "wide", Namespace: req.all}); err != nil {
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
	if req.all || filter {
		include = metav1.IncludeMetadata
	}
	if len(req.names) == 0 {
		return cl.ListTable(ctx, req.listNamespace(), client.ListOptions{LabelSelector: req.selectorText}, include)
	}
	t := &metav1.Table{}
	var failed error
	for _, name := range req.names {
		one, err := cl.GetTable(ctx, req.namespace, name, include)
		if err != nil {
			fmt.Fprintln(errOut, errorText(err, ""))
			failed = exitError{1}
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
		return cl.List(ctx, req.listNamespace(), client.ListOptions{LabelSelector: req.selectorText})
	}
	var pods []corev1.Pod
	var failed error
	for _, name := range req.names {
		pod, err := cl.Get(ctx, req.namespace, name)
		if err != nil {
			fmt.Fprintln(errOut, errorText(err, ""))
			failed = exitError{1}
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

// printPods prints full objects: -o yaml, json or name.
func printPods(out io.Writer, pods []corev1.Pod, req getRequest) error {
	if req.output == "name" {
		printNames(out, pods)
		return nil
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
