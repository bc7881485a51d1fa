package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/podd/podd/internal/cli"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/podd/podd/api/client"
)

// ConfigMaps and Secrets: `podctl get|delete configmaps|secrets [NAME...]` and their apply.

// configResource is the API resource a type argument names ("configmaps", "secrets"), if any.
func configResource(arg string) (string, bool) {
	typ, _, _ := strings.Cut(strings.ToLower(arg), "/")
	switch typ {
	case "configmaps", "configmap", "cm":
		return "configmaps", true
	case "secrets", "secret":
		return "secrets", true
	}
	return "", false
}

// configKinds are the kinds apply sends to the configmaps and secrets paths.
var configKinds = map[string]string{"ConfigMap": "configmaps", "Secret": "secrets"}

// configArgs reads "TYPE [NAME...]" or "TYPE/NAME..." for a config resource; ok is false when
// the arguments name another type.
func configArgs(args []string) (resource string, names []string, ok bool, err error) {
	if len(args) == 0 {
		return "", nil, false, nil
	}
	resource, ok = configResource(args[0])
	if !ok {
		return "", nil, false, nil
	}
	if !strings.Contains(args[0], "/") {
		return resource, args[1:], true, nil
	}
	for _, a := range args {
		typ, name, slash := strings.Cut(a, "/")
		if r, _ := configResource(typ); !slash || r != resource || name == "" {
			return "", nil, true, fmt.Errorf("arguments in resource/name form must all be %s/NAME: %q", resource, a)
		}
		names = append(names, name)
	}
	return resource, names, true, nil
}

// singular is the kind's name as kubectl prints it in "configmap/x" and `configmap "x" deleted`.
func singular(resource string) string { return strings.TrimSuffix(resource, "s") }

func getConfigAction(c *cli.Context, resource string, names []string) error {
	out := c.String("output")
	switch out {
	case "", "yaml", "json", "name":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", out)
	}
	all := c.Bool("all-namespaces")
	if all && len(names) > 0 {
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	ns := c.String("namespace")
	if all {
		ns = ""
	}
	sel, err := labels.Parse(c.String("selector"))
	if err != nil {
		return fmt.Errorf("selector: %w", err)
	}
	objs, failed := fetchConfig(c.Context, newClient(c), resource, ns, names, c.App.ErrWriter)
	objs = selectConfig(objs, sel)
	if len(objs) == 0 {
		if len(names) == 0 {
			fmt.Fprintln(c.App.ErrWriter, noResources(getRequest{all: all, namespace: ns}))
		}
		return failed
	}
	if err := printConfig(c.App.Writer, objs, out, all, len(names) == 1, time.Now()); err != nil {
		return err
	}
	return failed
}

// selectConfig keeps the objects whose labels sel matches.
func selectConfig(objs []configObject, sel labels.Selector) []configObject {
	out := objs[:0]
	for _, o := range objs {
		if sel.Matches(labels.Set(o.meta.Labels)) {
			out = append(out, o)
		}
	}
	return out
}

// configObject is a ConfigMap or a Secret with what the table shows of it.
type configObject struct {
	obj      any // *corev1.ConfigMap or *corev1.Secret, with its TypeMeta
	meta     metav1.ObjectMeta
	secret   bool
	typ      string
	dataKeys int
}

func fetchConfig(ctx context.Context, cl *client.Client, resource, ns string, names []string, errOut io.Writer) ([]configObject, error) {
	if len(names) == 0 {
		return fetchConfigOne(ctx, cl, resource, ns, "")
	}
	var out []configObject
	var failed error
	for _, n := range names {
		objs, err := fetchConfigOne(ctx, cl, resource, ns, n)
		if err != nil {
			fmt.Fprintln(errOut, errorText(err, ""))
			failed = exitError{Code: 1}
			continue
		}
		out = append(out, objs...)
	}
	return out, failed
}

func fetchConfigOne(ctx context.Context, cl *client.Client, resource, ns, name string) ([]configObject, error) {
	var out []configObject
	if resource == "configmaps" {
		cms, err := cl.ConfigMaps(ctx, ns, name)
		for i := range cms {
			cm := &cms[i]
			cm.APIVersion, cm.Kind = "v1", "ConfigMap"
			out = append(out, configObject{obj: cm, meta: cm.ObjectMeta, dataKeys: len(cm.Data) + len(cm.BinaryData)})
		}
		return out, err
	}
	secs, err := cl.Secrets(ctx, ns, name)
	for i := range secs {
		s := &secs[i]
		s.APIVersion, s.Kind = "v1", "Secret"
		out = append(out, configObject{obj: s, meta: s.ObjectMeta, secret: true, typ: string(s.Type), dataKeys: len(s.Data)})
	}
	return out, err
}

// printConfig prints kubectl's table (NAME DATA AGE; secrets NAME TYPE DATA AGE; -A adds
// NAMESPACE), the names, or the objects as YAML or JSON (a List unless one was named).
func printConfig(w io.Writer, objs []configObject, format string, allNS, single bool, now time.Time) error {
	switch format {
	case "name":
		for _, o := range objs {
			fmt.Fprintf(w, "%s/%s\n", singular(resourceOf(o)), o.meta.Name)
		}
		return nil
	case "yaml", "json":
		return printConfigObjects(w, objs, format, single)
	}
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
	var header []string
	if allNS {
		header = append(header, "NAMESPACE")
	}
	header = append(header, "NAME")
	if len(objs) > 0 && objs[0].secret {
		header = append(header, "TYPE")
	}
	fmt.Fprintln(tw, strings.Join(append(header, "DATA", "AGE"), "\t"))
	for _, o := range objs {
		var row []string
		if allNS {
			row = append(row, o.meta.Namespace)
		}
		row = append(row, o.meta.Name)
		if o.secret {
			row = append(row, o.typ)
		}
		row = append(row, fmt.Sprint(o.dataKeys), duration.HumanDuration(now.Sub(o.meta.CreationTimestamp.Time)))
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func resourceOf(o configObject) string {
	if o.secret {
		return "secrets"
	}
	return "configmaps"
}

func printConfigObjects(w io.Writer, objs []configObject, format string, single bool) error {
	var obj any
	if single && len(objs) == 1 {
		obj = objs[0].obj
	} else {
		items := make([]any, len(objs))
		for i, o := range objs {
			items[i] = o.obj
		}
		obj = map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": listMeta{}}
	}
	return writeEncoded(w, format, obj)
}

func deleteConfigAction(c *cli.Context, resource string, names []string) error {
	if len(names) == 0 {
		return errors.New("resource(s) were provided, but no name was specified")
	}
	dry, err := parseDryRun(c)
	if err != nil {
		return err
	}
	cl, ns := dry.client(newClient(c)), c.String("namespace")
	failed := false
	for _, n := range names {
		err := cl.DeleteObject(c.Context, ns, resource, n)
		switch {
		case err == nil:
			fmt.Fprintf(c.App.Writer, "%s %q deleted%s\n", singular(resource), n, dry.suffix())
		case c.Bool("ignore-not-found") && apierrors.IsNotFound(err):
		default:
			fmt.Fprintln(c.App.ErrWriter, errorText(err, ""))
			failed = true
		}
	}
	if failed {
		return exitError{Code: 1}
	}
	return nil
}

// applyConfigDocument sends a ConfigMap or Secret document and prints kubectl's line.
func (a *applier) applyConfigDocument(ctx context.Context, resource, ns string, d document) error {
	obj, result, err := a.client.ApplyObject(ctx, ns, resource, d.json)
	if err != nil {
		return err
	}
	a.applied(singular(resource), obj, result)
	return nil
}

// configFirst orders the ConfigMaps and Secrets of a file before its other documents (each
// group in file order): podd refuses a pod whose objects are missing, where a kubelet would
// wait for them, so a file giving a pod and its ConfigMap applies in one pass in any order.
func configFirst(docs []document) []document {
	out := make([]document, 0, len(docs))
	for _, d := range docs {
		if d.err == nil && configKinds[d.meta().Kind] != "" {
			out = append(out, d)
		}
	}
	for _, d := range docs {
		if d.err != nil || configKinds[d.meta().Kind] == "" {
			out = append(out, d)
		}
	}
	return out
}
