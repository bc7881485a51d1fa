package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/api/wire"
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
	dry, err := parseDryRun(c)
	if err != nil {
		return err
	}
	output := c.String("output")
	switch output {
	case "", "yaml", "json", "name":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", output)
	}
	manifest := spec.pod()
	if dry == "client" { // the manifest itself: `podctl run web --image=X --dry-run=client -o yaml > web.yaml`
		return printRun(c.App.Writer, output, spec.name, "created", dry, manifest)
	}
	podJSON, err := json.Marshal(manifest)
	if err != nil {
		return fmt.Errorf("encode pod: %w", err)
	}
	pod, result, err := runApply(c, dry, podJSON)
	if err != nil {
		return err
	}
	return printRun(c.App.Writer, output, pod.Name, result, dry, pod)
}

// runApply sends the pod (a dry run with dry) and returns it as podd has it, and what podd did.
func runApply(c *cli.Context, dry dryRun, podJSON []byte) (*corev1.Pod, string, error) {
	resp, err := dry.client(newClient(c)).Do(c.Context, http.MethodPost, podconn.PodsPath(c.String("namespace")), nil, podJSON)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var pod corev1.Pod
	if err := podconn.DecodeBody(resp, &pod); err != nil {
		return nil, "", err
	}
	return &pod, resp.Header.Get(wire.ApplyResultHeader), nil
}

// printRun prints kubectl run's line ("pod/web created"), or with -o the pod.
func printRun(w io.Writer, output, name, result string, dry dryRun, pod any) error {
	switch output {
	case "":
		_, err := fmt.Fprintf(w, "pod/%s %s%s\n", name, result, dry.suffix())
		return err
	case "name":
		_, err := fmt.Fprintf(w, "pod/%s\n", name)
		return err
	}
	return writeEncoded(w, output, pod)
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
