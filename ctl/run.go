package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/podd/podd/internal/cli"
)

// runSpec is what `podctl run` builds a pod from.
type runSpec struct {
	name, image, restart string
	env, labels          map[string]string
	envOrder             []string
	words                []string // after --
	isCommand            bool
}

func runAction(c *cli.Context) error {
	spec, err := parseRun(c)
	if err != nil {
		return err
	}
	podJSON, err := json.Marshal(spec.pod())
	if err != nil {
		return fmt.Errorf("encode pod: %w", err)
	}
	pod, created, err := newClient(c).Apply(c.Context, c.String("namespace"), podJSON)
	if err != nil {
		return err
	}
	result := "unchanged"
	if created {
		result = "created"
	}
	fmt.Fprintf(c.App.Writer, "pod/%s %s\n", pod.Name, result)
	return nil
}

func parseRun(c *cli.Context) (runSpec, error) {
	args := c.Args().Slice()
	if len(args) == 0 || args[0] == "--" {
		return runSpec{}, errors.New("NAME is required for run")
	}
	s := runSpec{name: args[0], image: c.String("image"), restart: c.String("restart"), isCommand: c.Bool("command")}
	s.words = args[1:]
	if len(s.words) > 0 && s.words[0] == "--" {
		s.words = s.words[1:]
	}
	switch s.restart {
	case "Always", "OnFailure", "Never":
	default:
		return s, fmt.Errorf("invalid restart policy: %s (Always, OnFailure or Never)", s.restart)
	}
	var err error
	if s.env, s.envOrder, err = parseEnv(c.StringSlice("env")); err != nil {
		return s, err
	}
	s.labels, err = parseLabels(c.String("labels"), s.name)
	return s, err
}

func parseEnv(pairs []string) (map[string]string, []string, error) {
	env := map[string]string{}
	var order []string
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("invalid env: %q (want K=V)", p)
		}
		if _, seen := env[k]; !seen {
			order = append(order, k)
		}
		env[k] = v
	}
	return env, order, nil
}

func parseLabels(s, name string) (map[string]string, error) {
	if s == "" {
		return map[string]string{"run": name}, nil
	}
	labels := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid label: %q (want k=v)", p)
		}
		labels[k] = v
	}
	return labels, nil
}

// pod is the manifest, with only the fields podctl sets (podd rejects fields it does not
// implement, so no empty defaults are sent).
func (s runSpec) pod() map[string]any {
	ctr := map[string]any{"name": s.name, "image": s.image}
	if len(s.words) > 0 && s.isCommand {
		ctr["command"] = s.words
	} else if len(s.words) > 0 {
		ctr["args"] = s.words
	}
	if len(s.envOrder) > 0 {
		env := make([]map[string]string, len(s.envOrder))
		for i, k := range s.envOrder {
			env[i] = map[string]string{"name": k, "value": s.env[k]}
		}
		ctr["env"] = env
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata":   map[string]any{"name": s.name, "labels": s.labels},
		"spec":       map[string]any{"restartPolicy": s.restart, "containers": []any{ctr}},
	}
}
