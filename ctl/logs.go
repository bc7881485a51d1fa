package ctl

import (
	"github.com/podd/podd/ctl/local"

	"fmt"
	"io"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/cli"
	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/podopts"
)

// logSource is one container's log to print.
type logSource struct {
	pod, container string
}

func logsAction(c *cli.Context) error {
	opts, err := logOptions(c)
	if err != nil {
		return err
	}
	client, ns := newClient(c), c.String("namespace")
	sources, err := logSources(c, client, ns)
	if err != nil {
		return err
	}
	return printLogs(c.Context, client, ns, sources, opts, c.Bool("prefix"), c.App.Writer)
}

// logOptions reads kubectl's flags into the API's options.
func logOptions(c *cli.Context) (podopts.LogOptions, error) {
	opts := podopts.LogOptions{Follow: c.Bool("follow"), Previous: c.Bool("previous"), TailLines: c.Int64("tail"),
		Timestamps: c.Bool("timestamps"), LimitBytes: c.Int64("limit-bytes")}
	if !c.IsSet("tail") && c.String("selector") != "" {
		opts.TailLines = 10 // kubectl's default with a selector
	}
	if c.IsSet("since") && c.IsSet("since-time") {
		return opts, fmt.Errorf("at most one of `sinceTime` or `sinceSeconds` may be specified")
	}
	if v := c.String("since"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return opts, fmt.Errorf("--since: invalid value %q: want a positive duration (5s, 2m, 3h)", v)
		}
		opts.SinceSeconds = int64((d + time.Second - 1) / time.Second)
	}
	if v := c.String("since-time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return opts, fmt.Errorf("--since-time: invalid value %q: want an RFC 3339 time", v)
		}
		opts.SinceTime = t
	}
	if opts.LimitBytes < 0 {
		return opts, fmt.Errorf("--limit-bytes: must be greater than 0")
	}
	return opts, nil
}

// logSources lists the containers whose logs are asked for: NAME's (one, or all), or those
// of every pod the selector selects.
func logSources(c *cli.Context, cl *client.Client, ns string) ([]logSource, error) {
	args, sel := c.Args().Slice(), c.String("selector")
	var pods []corev1.Pod
	switch {
	case sel != "" && len(args) > 0:
		return nil, fmt.Errorf("only one of a pod name or a selector (-l) may be given")
	case sel != "":
		list, err := cl.List(c.Context, ns, client.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			fmt.Fprintf(c.App.ErrWriter, "No resources found in %s namespace.\n", ns)
		}
		pods = list
	case len(args) == 0 || len(args) > 2:
		return nil, fmt.Errorf("expected 'logs NAME [CONTAINER]' or 'logs -l SELECTOR'")
	default:
		name, err := local.PodName(args[0])
		if err != nil {
			return nil, err
		}
		ctr := c.String("container")
		if len(args) == 2 {
			ctr = args[1]
		}
		if ctr != "" && !c.Bool("all-containers") {
			return []logSource{{pod: name, container: ctr}}, nil
		}
		pod, err := cl.Get(c.Context, ns, name)
		if err != nil {
			return nil, err
		}
		pods = []corev1.Pod{*pod}
	}
	return containersOf(pods, c.String("container"), c.Bool("all-containers"), c.App.ErrWriter)
}

// containersOf picks the containers of each pod: all of them (init containers first, as
// kubectl), the one named, or the default one.
func containersOf(pods []corev1.Pod, named string, all bool, errOut io.Writer) ([]logSource, error) {
	var out []logSource
	for _, pod := range pods {
		switch {
		case all:
			for _, ctrs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
				for _, ctr := range ctrs {
					out = append(out, logSource{pod: pod.Name, container: ctr.Name})
				}
			}
		case named != "":
			out = append(out, logSource{pod: pod.Name, container: named})
		default:
			ctr, err := local.DefaultContainer(podView(&pod), errOut)
			if err != nil {
				return nil, err
			}
			out = append(out, logSource{pod: pod.Name, container: ctr})
		}
	}
	return out, nil
}

// podView is what local.DefaultContainer reads of pod.
func podView(pod *corev1.Pod) *local.Pod {
	v := &local.Pod{}
	v.Metadata.Name, v.Metadata.Namespace, v.Metadata.Annotations = pod.Name, pod.Namespace, pod.Annotations
	names := func(ctrs []string) []local.Container {
		out := make([]local.Container, len(ctrs))
		for i, n := range ctrs {
			out[i].Name = n
		}
		return out
	}
	var app, ini, eph []string
	for _, c := range pod.Spec.Containers {
		app = append(app, c.Name)
	}
	for _, c := range pod.Spec.InitContainers {
		ini = append(ini, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		eph = append(eph, c.Name)
	}
	v.Spec.Containers, v.Spec.InitContainers, v.Spec.EphemeralContainers = names(app), names(ini), names(eph)
	return v
}
