package ctl

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/cli"
	"k8s.io/apimachinery/pkg/labels"
)

// apply -l and --prune, kubectl's way: -l applies only the documents whose labels it selects;
// with --prune, once every document applied, the pods of the namespaces applied to that -l
// selects (or every one with --all) and that an apply made (they carry the last-applied
// annotation) but that the files no longer have are deleted, "pod/x pruned", without waiting
// for them to end. ConfigMaps and Secrets are not pruned (podd's apply does not annotate them).

// applySelection is -l's selector (nil: none), checked with --prune and --all as kubectl does.
func applySelection(c *cli.Context, create bool) (labels.Selector, error) {
	sel, all, prune := c.String("selector"), c.Bool("all"), c.Bool("prune")
	switch {
	case create && (prune || all || sel != ""):
		return nil, errors.New("create takes no --prune, --all or -l")
	case prune && !all && sel == "":
		return nil, errors.New("all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector")
	case prune && all && sel != "":
		return nil, errors.New("cannot set --all and --selector at the same time")
	case !prune && all:
		return nil, errors.New("--all is only valid with --prune")
	case sel == "":
		return nil, nil
	}
	s, err := labels.Parse(sel)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	return s, nil
}

// prune deletes the pods the apply left out (see above).
func (a *applier) prune(ctx context.Context) error {
	namespaces := slices.Sorted(maps.Keys(a.seenNS))
	sel := ""
	if a.selector != nil {
		sel = a.selector.String()
	}
	var gone []podRef
	for _, ns := range namespaces {
		pods, err := a.client.List(ctx, ns, client.ListOptions{LabelSelector: sel})
		if err != nil {
			return err
		}
		for _, p := range pods {
			r := podRef{namespace: p.Namespace, name: p.Name}
			if _, applied := p.Annotations[lastAppliedKey]; applied && !a.seen[r] && p.DeletionTimestamp == nil {
				gone = append(gone, r)
			}
		}
	}
	d := deleter{client: a.client, dry: a.dry, out: a.out, errOut: a.errOut, pruning: true}
	if !d.deleteAll(ctx, gone) {
		return exitError{Code: 1}
	}
	return nil
}
