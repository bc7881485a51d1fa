package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/podd/podd/internal/cli"

	"github.com/podd/podd/api/client"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// podRef names a pod to delete, or a ConfigMap or Secret of a manifest (resource set).
type podRef struct{ namespace, name, resource string }

func deleteAction(c *cli.Context) error {
	if res, names, ok, err := configArgs(c.Args().Slice()); ok || err != nil {
		if err != nil {
			return err
		}
		return deleteConfigAction(c, res, names)
	}
	grace, err := gracePeriod(c.Int64("grace-period"), c.Bool("now"), c.Bool("force"))
	if err != nil {
		return err
	}
	dry, err := parseDryRun(c)
	if err != nil {
		return err
	}
	if c.Bool("force") {
		fmt.Fprintln(c.App.ErrWriter, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	d := deleter{client: dry.client(newClient(c)), grace: grace, ignoreNotFound: c.Bool("ignore-not-found"),
		wait: c.Bool("wait") || dry != "", dry: dry, out: c.App.Writer, errOut: c.App.ErrWriter}
	refs, err := deleteTargets(c, d.client)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		fmt.Fprintln(d.out, "No resources found")
		return nil
	}
	if !d.deleteAll(c.Context, refs) {
		return exitError{Code: 1}
	}
	return nil
}

// gracePeriod is kubectl's: --now is 1 s; --grace-period=0 is 1 s unless --force; --force alone
// is 0.
func gracePeriod(seconds int64, now, force bool) (*int64, error) {
	if now {
		if seconds >= 0 {
			return nil, errors.New("--now and --grace-period cannot be specified together")
		}
		seconds = 1
	}
	switch {
	case seconds == 0 && !force:
		seconds = 1
	case seconds < 0 && force:
		seconds = 0
	}
	if seconds < 0 {
		return nil, nil
	}
	return &seconds, nil
}

// deleteTargets are the pods to delete: those of the manifest files, the named ones, or those
// podd lists for --all or -l (an empty list is not an error: nothing to delete).
func deleteTargets(c *cli.Context, cl *client.Client) ([]podRef, error) {
	var err error
	files, ns := c.StringSlice("filename"), c.String("namespace")
	sel, all, allNS := c.String("selector"), c.Bool("all"), c.Bool("all-namespaces")
	if len(files) > 0 {
		if c.Args().Present() {
			return nil, errors.New("give either -f FILE or pod names, not both")
		}
		if all || sel != "" {
			return nil, errors.New("give either -f FILE or --all/-l, not both")
		}
		ctx, files, err := manifestFiles(c.Context, files, c.Bool("recursive"))
		if err != nil {
			return nil, err
		}
		return fileTargets(ctx, files, ns, c.IsSet("namespace"), c.App.Reader)
	}
	names, err := podNames("delete", c.Args().Slice())
	if err != nil {
		return nil, err
	}
	if err := checkDeleteSelection(names, sel, all, allNS); err != nil {
		return nil, err
	}
	if all || sel != "" {
		if allNS {
			ns = ""
		}
		return selectedTargets(c.Context, cl, ns, sel)
	}
	refs := make([]podRef, len(names))
	for i, n := range names {
		refs[i] = podRef{namespace: ns, name: n}
	}
	return refs, nil
}

// checkDeleteSelection refuses what kubectl refuses: names with a selection, --all with -l,
// no names and no selection, and -A without a selection.
func checkDeleteSelection(names []string, sel string, all, allNS bool) error {
	switch {
	case all && sel != "":
		return errors.New("cannot set --all and --selector at the same time")
	case len(names) > 0 && sel != "":
		return errors.New("name cannot be provided when a selector is specified")
	case len(names) > 0 && all:
		return errors.New("name cannot be provided with --all")
	case len(names) > 0 && allNS:
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	case len(names) == 0 && !all && sel == "":
		return errors.New("resource(s) were provided, but no name was specified")
	}
	if _, err := labels.Parse(sel); err != nil {
		return fmt.Errorf("selector: %w", err)
	}
	return nil
}

// selectedTargets are the pods of ns ("" for all) that sel (may be "") selects, as podd lists
// them: its table, each row carrying only the pod's metadata.
func selectedTargets(ctx context.Context, cl *client.Client, ns, sel string) ([]podRef, error) {
	t, err := cl.ListTable(ctx, ns, client.ListOptions{LabelSelector: sel}, metav1.IncludeMetadata)
	if err != nil {
		return nil, err
	}
	refs := make([]podRef, len(t.Rows))
	for i := range t.Rows {
		m, err := rowMeta(&t.Rows[i])
		if err != nil {
			return nil, err
		}
		refs[i] = podRef{namespace: m.Namespace, name: m.Name}
	}
	return refs, nil
}

// fileTargets reads the names and namespaces of the pods of manifest files.
func fileTargets(ctx context.Context, files []string, ns string, explicitNS bool, stdin io.Reader) ([]podRef, error) {
	var refs []podRef
	for _, f := range files {
		data, err := readFile(ctx, f, stdin)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		for _, d := range splitManifest(data) {
			if d.err != nil {
				return nil, fmt.Errorf("%s: %w", f, d.err)
			}
			m := d.meta()
			podNS, err := documentNamespace(m, ns, explicitNS)
			if err != nil {
				return nil, err
			}
			if m.Metadata.Name == "" {
				return nil, fmt.Errorf("%s: a document has no metadata.name", f)
			}
			refs = append(refs, podRef{podNS, m.Metadata.Name, configKinds[m.Kind]})
		}
	}
	return refs, nil
}

type deleter struct {
	client         *client.Client
	grace          *int64
	ignoreNotFound bool
	wait           bool // until the pod is gone; false: until its deletion began
	dry            dryRun
	pruning        bool // apply --prune's: "pod/x pruned"
	out, errOut    io.Writer
}

// parallelDeletes bounds the deletes in flight: podd answers a delete once the pod is gone,
// which takes the pod's grace period when its process handles SIGTERM.
const parallelDeletes = 8

// deleteAll deletes the pods, several at a time, and reports them in their order, as
// `kubectl delete` prints them; it reports whether all succeeded.
func (d deleter) deleteAll(ctx context.Context, refs []podRef) bool {
	results := make([]chan error, len(refs))
	slots := make(chan struct{}, parallelDeletes)
	for i, r := range refs {
		results[i] = make(chan error, 1)
		go func() {
			slots <- struct{}{}
			if r.resource != "" {
				results[i] <- d.client.DeleteObject(ctx, r.namespace, r.resource, r.name)
			} else {
				results[i] <- d.delete(ctx, r)
			}
			<-slots
		}()
	}
	ok := true
	for i, r := range refs {
		ok = d.report(r, <-results[i]) && ok
	}
	return ok
}

// report prints the outcome of one delete and reports success.
func (d deleter) report(r podRef, err error) bool {
	if err != nil && d.ignoreNotFound && apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		fmt.Fprintln(d.errOut, errorText(err, ""))
		return false
	}
	kind := "pod"
	if r.resource != "" {
		kind = singular(r.resource)
	}
	if d.pruning {
		fmt.Fprintf(d.out, "%s/%s pruned%s\n", kind, r.name, d.dry.suffix())
		return true
	}
	fmt.Fprintf(d.out, "%s %q deleted%s\n", kind, r.name, d.dry.suffix())
	return true
}

// delete deletes one pod. Without wait it returns once podd shows the deletion begun
// (deletionTimestamp set, or the pod gone): the request is then dropped, and podd goes on.
func (d deleter) delete(ctx context.Context, r podRef) error {
	if d.wait {
		return d.client.Delete(ctx, r.namespace, r.name, d.grace)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- d.client.Delete(ctx, r.namespace, r.name, d.grace) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-errc:
			return err
		case <-tick.C:
			p, err := d.client.Get(ctx, r.namespace, r.name)
			if apierrors.IsNotFound(err) || (err == nil && p.DeletionTimestamp != nil) {
				return nil
			}
		}
	}
}
