package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/podd/podd/cmd/podctl/internal/cli"
	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/podopts"
)

// defaultContainerAnnotation names the container kubectl picks when none is given.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the log of a container",
		ArgsUsage: "NAME [CONTAINER]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep streaming new output"},
			&cli.BoolFlag{Name: "previous", Aliases: []string{"p"}, Usage: "the log of the previous run of the container"},
			&cli.Int64Flag{Name: "tail", Value: -1, Usage: "only the last N lines (-1: all)"},
			// kubectl's time options, refused: raw logs carry no timestamps to select by.
			&cli.StringFlag{Name: "since", Usage: "not supported: podd's logs have no timestamps"},
			&cli.StringFlag{Name: "since-time", Usage: "not supported: podd's logs have no timestamps"},
			&cli.BoolFlag{Name: "timestamps", Usage: "not supported: podd's logs have no timestamps"},
		},
		Action: logsAction,
	}
}

func logsAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || len(args) > 2 {
		return fmt.Errorf("expected 'logs NAME [CONTAINER]'")
	}
	for _, f := range []string{"since", "since-time", "timestamps"} {
		if c.IsSet(f) {
			return fmt.Errorf("--%s is not supported: podd keeps container logs as raw text without timestamps, so it cannot select or print by time", f)
		}
	}
	name, err := podName(args[0])
	if err != nil {
		return err
	}
	ctr := c.String("container")
	if len(args) == 2 {
		ctr = args[1]
	}
	client, ns := newClient(c), c.String("namespace")
	if ctr == "" {
		if ctr, err = logsContainer(c.Context, client, ns, name); err != nil {
			return err
		}
	}
	opts := podopts.LogOptions{Container: ctr, Follow: c.Bool("follow"), Previous: c.Bool("previous"), TailLines: c.Int64("tail")}
	return client.Logs(c.Context, ns, name, opts, c.App.Writer)
}

func logsContainer(ctx context.Context, client *client.Client, ns, name string) (string, error) {
	pod, err := client.Get(ctx, ns, name)
	if err != nil {
		return "", err
	}
	return defaultContainer(pod)
}

// defaultContainer is the pod's only container, or the one its default-container annotation
// names; otherwise the error lists the choices, like kubectl.
func defaultContainer(pod *corev1.Pod) (string, error) {
	if def := pod.Annotations[defaultContainerAnnotation]; def != "" && hasContainer(pod.Spec.Containers, def) {
		return def, nil
	}
	if len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name, nil
	}
	msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, containerNames(pod.Spec.Containers))
	if len(pod.Spec.InitContainers) > 0 {
		msg += " or one of the init containers: " + containerNames(pod.Spec.InitContainers)
	}
	return "", fmt.Errorf("%s", msg)
}

func hasContainer(ctrs []corev1.Container, name string) bool {
	for _, c := range ctrs {
		if c.Name == name {
			return true
		}
	}
	return false
}

// containerNames is "[web sync]".
func containerNames(ctrs []corev1.Container) string {
	names := make([]string, len(ctrs))
	for i, c := range ctrs {
		names[i] = c.Name
	}
	return "[" + strings.Join(names, " ") + "]"
}
