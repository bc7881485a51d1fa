package ctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/podd/podd/internal/cli"

	"github.com/podd/podd/api/client"
	"k8s.io/apimachinery/pkg/labels"
)

func applyAction(c *cli.Context) error {
	return applyFiles(c, false)
}

// applyFiles applies (or with create, creates) every document of every -f file.
func applyFiles(c *cli.Context, create bool) error {
	dry, err := parseDryRun(c)
	if err != nil {
		return err
	}
	output, err := parseApplyOutput(c.String("output"))
	if err != nil {
		return err
	}
	sel, err := applySelection(c, create)
	if err != nil {
		return err
	}
	a := &applier{
		selector:   sel,
		seen:       map[podRef]bool{},
		seenNS:     map[string]bool{},
		output:     output,
		create:     create,
		dry:        dry,
		client:     dry.client(newClient(c)),
		namespace:  c.String("namespace"),
		explicitNS: c.IsSet("namespace"),
		out:        c.App.Writer,
		errOut:     c.App.ErrWriter,
	}
	ctx, files, err := manifestFiles(c.Context, c.StringSlice("filename"), c.Bool("recursive"))
	if err != nil {
		return err
	}
	failed := false
	for _, file := range files {
		if !a.applyFile(ctx, file, c.App.Reader) {
			failed = true
		}
	}
	if err := a.printObjects(); err != nil {
		return err
	}
	if failed {
		return exitError{Code: 1}
	}
	if c.Bool("prune") {
		return a.prune(c.Context)
	}
	return nil
}

type applier struct {
	selector   labels.Selector   // -l: only the documents it selects; nil: all
	seen       map[podRef]bool   // the pods applied, for --prune
	seenNS     map[string]bool   // the namespaces applied to, for --prune
	output     string            // -o: "" (a line per object), name, yaml or json
	objects    []json.RawMessage // yaml, json: the objects as podd answered, printed at the end
	create     bool              // podctl create: a pod that exists is AlreadyExists
	dry        dryRun
	client     *client.Client
	namespace  string
	explicitNS bool // -n given: a manifest naming another namespace is an error, like kubectl
	out        io.Writer
	errOut     io.Writer
}

// applyFile applies every document of file, going on after a failure; it reports success.
func (a *applier) applyFile(ctx context.Context, file string, stdin io.Reader) bool {
	data, err := readFile(ctx, file, stdin)
	if err != nil {
		fmt.Fprintln(a.errOut, errorText(err, "read manifest"))
		return false
	}
	docs := splitManifest(data)
	if len(docs) == 0 {
		fmt.Fprintf(a.errOut, "error: no objects passed to apply (%s)\n", file)
		return false
	}
	ok := true
	verb := "applying"
	if a.create {
		verb = "creating"
	}
	for _, d := range configFirst(docs) {
		if err := a.applyDocument(ctx, d); err != nil {
			fmt.Fprintln(a.errOut, errorText(err, fmt.Sprintf("error when %s %q", verb, file)))
			ok = false
		}
	}
	return ok
}

func (a *applier) applyDocument(ctx context.Context, d document) error {
	if d.err != nil {
		return d.err
	}
	m := d.meta()
	if a.selector != nil && !a.selector.Matches(labels.Set(m.Metadata.Labels)) {
		return nil
	}
	ns, err := documentNamespace(m, a.namespace, a.explicitNS)
	if err != nil {
		return err
	}
	a.seenNS[ns] = true
	if res := configKinds[m.Kind]; res != "" {
		return a.applyConfigDocument(ctx, res, ns, d)
	}
	var pod *client.Applied
	if a.create {
		pod, err = a.client.Create(ctx, ns, d.json)
	} else if body, werr := withLastApplied(d.json); werr != nil {
		return werr
	} else {
		pod, _, err = a.client.Apply(ctx, ns, body)
	}
	if err != nil {
		return err
	}
	a.seen[podRef{namespace: ns, name: pod.Name}] = true
	a.applied("pod", pod, string(pod.Result))
	return nil
}

// documentNamespace is the manifest's namespace, else the -n one; both given must agree.
func documentNamespace(m objectMeta, flagNS string, explicit bool) (string, error) {
	if m.Metadata.Namespace == "" {
		return flagNS, nil
	}
	if explicit && m.Metadata.Namespace != flagNS {
		return "", fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation",
			m.Metadata.Namespace, flagNS, m.Metadata.Namespace)
	}
	return m.Metadata.Namespace, nil
}
