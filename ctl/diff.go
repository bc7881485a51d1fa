package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/yaml"
)

// diff, kubectl's way: each object of the -f files as podd has it (LIVE, nothing when it does
// not exist) against what an apply would make of it (MERGED: podd's server dry run of that
// apply), as YAML, in diff -u's format (kubectl runs diff -u -N on two directories; podd
// compares in process, naming the files as kubectl's). Secret values are masked as kubectl
// masks them. Exit status 0: no differences; 1: differences; 2: an error. With --sides it
// prints each object's two sides for podctl to run KUBECTL_EXTERNAL_DIFF on (local/diff.go).

func diffAction(c *cli.Context) error {
	ctx, files, err := manifestFiles(c.Context, c.StringSlice("filename"), c.Bool("recursive"))
	if err != nil {
		return err
	}
	cl := newClient(c)
	d := &differ{cl: cl, dry: cl.DryRun(), namespace: c.String("namespace"), explicitNS: c.IsSet("namespace"),
		live: fmt.Sprintf("/tmp/LIVE-%d", rand.Uint32()), merged: fmt.Sprintf("/tmp/MERGED-%d", rand.Uint32()), out: c.App.Writer}
	if c.Bool("sides") {
		d.sides = json.NewEncoder(c.App.Writer)
	}
	failed := false
	for _, file := range files {
		data, err := readFile(ctx, file, c.App.Reader)
		if err != nil {
			fmt.Fprintln(c.App.ErrWriter, errorText(err, "read manifest"))
			failed = true
			continue
		}
		for _, doc := range configFirst(splitManifest(data)) {
			if err := d.diffDocument(ctx, doc); err != nil {
				fmt.Fprintln(c.App.ErrWriter, errorText(err, ""))
				failed = true
			}
		}
	}
	switch {
	case failed:
		return exitError{Code: 2}
	case d.differs:
		return exitError{Code: 1}
	}
	return nil
}

type differ struct {
	cl, dry      *client.Client
	namespace    string
	explicitNS   bool
	live, merged string // the directories kubectl would write each side to
	out          io.Writer
	differs      bool
	sides        *json.Encoder // --sides: each object's sides as a local.DiffSide line, not compared
}

// diffDocument prints the difference of one object, if any.
func (d *differ) diffDocument(ctx context.Context, doc document) error {
	if doc.err != nil {
		return doc.err
	}
	m := doc.meta()
	ns, err := documentNamespace(m, d.namespace, d.explicitNS)
	if err != nil {
		return err
	}
	resource := configKinds[m.Kind]
	var merged *client.Applied
	if resource != "" {
		merged, _, err = d.dry.ApplyObject(ctx, ns, resource, doc.json)
	} else {
		resource = "pods"
		body, werr := withLastApplied(doc.json)
		if werr != nil {
			return werr
		}
		merged, _, err = d.dry.Apply(ctx, ns, body)
	}
	if err != nil {
		return err
	}
	live, err := d.cl.Object(ctx, ns, resource, merged.Name)
	if apierrors.IsNotFound(err) {
		live, err = nil, nil
	}
	if err != nil {
		return err
	}
	before, after, err := diffSides(live, merged.Object, resource == "secrets")
	if err != nil {
		return err
	}
	name := fmt.Sprintf("v1.%s.%s.%s", kindOf(resource), ns, merged.Name)
	if d.sides != nil {
		side := local.DiffSide{Name: name, Merged: after}
		if live != nil {
			side.Live = &before
		}
		return d.sides.Encode(side)
	}
	if before == after {
		return nil
	}
	d.differs = true
	from, to := d.live+"/"+name, d.merged+"/"+name
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: lines(before), B: lines(after), FromFile: from, ToFile: to, Context: 3,
	})
	if err != nil {
		return fmt.Errorf("diff %s: %w", name, err)
	}
	_, err = fmt.Fprintf(d.out, "diff -u -N %s %s\n%s", from, to, text)
	return err
}

// lines are text's lines, each with its newline; none for no text (a missing object).
func lines(text string) []string {
	if text == "" {
		return nil
	}
	return difflib.SplitLines(strings.TrimSuffix(text, "\n"))
}

func kindOf(resource string) string {
	switch resource {
	case "configmaps":
		return "ConfigMap"
	case "secrets":
		return "Secret"
	}
	return "Pod"
}

// diffSides are the live and merged objects as YAML ("" for none), a Secret's values masked.
func diffSides(live, merged json.RawMessage, secret bool) (string, string, error) {
	var a, b map[string]any
	if live != nil {
		if err := json.Unmarshal(live, &a); err != nil {
			return "", "", fmt.Errorf("decode the live object: %w", err)
		}
	}
	if err := json.Unmarshal(merged, &b); err != nil {
		return "", "", fmt.Errorf("decode the merged object: %w", err)
	}
	for _, obj := range []map[string]any{a, b} {
		if md, ok := obj["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
	}
	if secret {
		maskSecrets(a, b)
	}
	before, err := toYAML(a)
	if err != nil {
		return "", "", err
	}
	after, err := toYAML(b)
	return before, after, err
}

func toYAML(obj map[string]any) (string, error) {
	if obj == nil {
		return "", nil
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("encode yaml: %w", err)
	}
	return string(out), nil
}

// maskSecrets replaces the values of the Secrets' data and stringData as kubectl diff does:
// "***" where both sides have the same value, "*** (before)" and "*** (after)" where they differ.
func maskSecrets(live, merged map[string]any) {
	for _, field := range []string{"data", "stringData"} {
		a, _ := live[field].(map[string]any)
		b, _ := merged[field].(map[string]any)
		for k, v := range b {
			switch old, ok := a[k]; {
			case !ok:
				b[k] = "***"
			case fmt.Sprint(old) == fmt.Sprint(v):
				a[k], b[k] = "***", "***"
			default:
				a[k], b[k] = "*** (before)", "*** (after)"
			}
		}
		for k := range a {
			if s, _ := a[k].(string); !strings.HasPrefix(s, "***") {
				a[k] = "***"
			}
		}
	}
}
