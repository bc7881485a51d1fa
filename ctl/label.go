package ctl

import (
	"github.com/podd/podd/ctl/local"

	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/podd/podd/internal/cli"
)

// label and annotate, kubectl's way: KEY=VAL sets, KEY- removes, a key that has a value is
// refused without --overwrite; the change goes to podd as a merge patch of the pod's metadata.

// metaVerb is what differs between label and annotate.
type metaVerb struct {
	name, field, done, removed string
	alreadySet                 func(key, value string) error
}

var labelVerb = metaVerb{
	name: "label", field: "labels", done: "labeled", removed: "unlabeled",
	alreadySet: func(key, value string) error {
		return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", key, value)
	},
}

var annotateVerb = metaVerb{
	name: "annotate", field: "annotations", done: "annotated", removed: "annotated",
	alreadySet: func(key, value string) error {
		return fmt.Errorf("--overwrite is false but found the following declared annotation(s): '%s' already has a value (%s)", key, value)
	},
}

// metaChange is what the KEY=VAL and KEY- arguments ask for.
type metaChange struct {
	set    map[string]string
	remove []string
}

func metadataAction(c *cli.Context, v metaVerb) error {
	name, change, err := parseMetaArgs(v, c.Args().Slice())
	if err != nil {
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	pod, err := cl.Get(c.Context, ns, name)
	if err != nil {
		return err
	}
	cur := pod.Labels
	if v.field == "annotations" {
		cur = pod.Annotations
	}
	patch, msg, err := change.patch(v, cur, c.Bool("overwrite"))
	if err != nil {
		return err
	}
	if patch != nil {
		if _, err := cl.Patch(c.Context, ns, name, patch); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.App.Writer, "pod/%s %s\n", name, msg)
	return nil
}

// parseMetaArgs reads "pod NAME KEY=VAL..." or "pod/NAME KEY=VAL...".
func parseMetaArgs(v metaVerb, args []string) (string, metaChange, error) {
	ch := metaChange{set: map[string]string{}}
	var rest []string
	switch {
	case len(args) > 0 && strings.Contains(args[0], "/"):
		name, err := local.PodName(args[0])
		if err != nil {
			return "", ch, err
		}
		args, rest = []string{name}, args[1:]
	case len(args) > 1 && local.IsPodType(args[0]):
		args, rest = args[1:2], args[2:]
	case len(args) > 0 && !local.IsPodType(args[0]):
		return "", ch, unknownType(args[0])
	default:
		return "", ch, fmt.Errorf("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	for _, a := range rest {
		if key, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") {
			ch.remove = append(ch.remove, key)
			continue
		}
		key, val, ok := strings.Cut(a, "=")
		if !ok || key == "" {
			return "", ch, fmt.Errorf("invalid %s format: %s", strings.TrimSuffix(v.field, "s"), a)
		}
		ch.set[key] = val
	}
	if len(ch.set) == 0 && len(ch.remove) == 0 {
		return "", ch, errors.New("at least one " + strings.TrimSuffix(v.field, "s") + " update is required")
	}
	return args[0], ch, nil
}

// patch is the merge patch of the change against the current values (nil: nothing changes), and
// kubectl's word for the result.
func (ch metaChange) patch(v metaVerb, cur map[string]string, overwrite bool) ([]byte, string, error) {
	if !overwrite {
		for _, k := range slices.Sorted(maps.Keys(ch.set)) {
			if old, ok := cur[k]; ok {
				return nil, "", v.alreadySet(k, old)
			}
		}
	}
	values := map[string]any{}
	for k, val := range ch.set {
		if old, ok := cur[k]; !ok || old != val {
			values[k] = val
		}
	}
	for _, k := range ch.remove {
		if _, ok := cur[k]; ok {
			values[k] = nil
		}
	}
	if len(values) == 0 {
		return nil, "not " + v.done, nil
	}
	msg := v.done
	if len(ch.set) == 0 {
		msg = v.removed
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{v.field: values}})
	return patch, msg, err
}
