package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/podd/podd/cmd/podctl/internal/cli"
	corev1 "k8s.io/api/core/v1"
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
	namespace string
	all       bool
	names     []string
	selector  labels.Selector
	output    string
}

func getAction(c *cli.Context) error {
	req, err := parseGet(c)
	if err != nil {
		return err
	}
	pods, fetchErr := fetchPods(c.Context, newClient(c), req, c.App.ErrWriter)
	if !partial(fetchErr) {
		return fetchErr
	}
	if err := printPods(c.App.Writer, c.App.ErrWriter, pods, req); err != nil {
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
	if req.selector, err = labels.Parse(c.String("selector")); err != nil {
		return req, fmt.Errorf("selector: %w", err)
	}
	switch req.output {
	case "", "wide", "yaml", "json", "name":
		return req, nil
	}
	return req, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", req.output)
}

// fetchPods lists pods, or gets each named one; a failed name is reported on errOut and makes
// the returned error an exit status 1, the other pods are still printed.
func fetchPods(ctx context.Context, client *client.Client, req getRequest, errOut io.Writer) ([]corev1.Pod, error) {
	if len(req.names) == 0 {
		ns := req.namespace
		if req.all {
			ns = ""
		}
		pods, err := client.List(ctx, ns)
		return selectPods(pods, req.selector), err
	}
	var pods []corev1.Pod
	var failed error
	for _, name := range req.names {
		pod, err := client.Get(ctx, req.namespace, name)
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

func printPods(out, errOut io.Writer, pods []corev1.Pod, req getRequest) error {
	switch req.output {
	case "yaml", "json":
		if len(pods) == 0 && len(req.names) > 0 {
			return nil
		}
		return printObjects(out, pods, req.output, len(req.names) == 1)
	case "name":
		printNames(out, pods)
		return nil
	}
	if len(pods) == 0 {
		if len(req.names) == 0 {
			fmt.Fprintln(errOut, noResources(req))
		}
		return nil
	}
	return printPodTable(out, pods, tableOptions{Wide: req.output == "wide", Namespace: req.all, Now: time.Now()})
}

func noResources(req getRequest) string {
	if req.all {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", req.namespace)
}
