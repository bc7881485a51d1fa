package ctl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/podd/podd/internal/cli"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// waitFor is what --for asks for: a condition with a status, or the pod's deletion.
type waitFor struct {
	deleted   bool
	condition string
	status    corev1.ConditionStatus
}

func parseWaitFor(s string) (waitFor, error) {
	if strings.EqualFold(s, "delete") {
		return waitFor{deleted: true}, nil
	}
	cond, ok := strings.CutPrefix(s, "condition=")
	if !ok || cond == "" {
		return waitFor{}, fmt.Errorf("unrecognized condition: %q", s)
	}
	w := waitFor{condition: cond, status: corev1.ConditionTrue}
	if name, val, ok := strings.Cut(cond, "="); ok {
		w.condition, w.status = name, corev1.ConditionStatus(strings.ToUpper(val[:1])+strings.ToLower(val[1:]))
	}
	return w, nil
}

// met reports whether the pod (there: delete is not met) has the condition w asks for.
func (w waitFor) met(p *corev1.Pod) bool {
	if w.deleted {
		return false
	}
	for _, c := range p.Status.Conditions {
		if strings.EqualFold(string(c.Type), w.condition) {
			return c.Status == w.status
		}
	}
	return false
}

func waitAction(c *cli.Context) error {
	names, err := podNames("wait", c.Args().Slice())
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return errors.New("resource(s) were provided, but no name was specified")
	}
	w, err := parseWaitFor(c.String("for"))
	if err != nil {
		return err
	}
	timeout, err := time.ParseDuration(c.String("timeout"))
	if err != nil {
		return fmt.Errorf("--timeout: %w", err)
	}
	if timeout < 0 {
		timeout = 7 * 24 * time.Hour // kubectl's "a week"
	}
	cl, ns := newClient(c), c.String("namespace")
	for _, name := range names {
		if err := waitPod(c.Context, timeout, w, func(ctx context.Context) (*corev1.Pod, error) {
			return cl.Get(ctx, ns, name)
		}); err != nil {
			return fmt.Errorf("%w on pods/%s", err, name)
		}
		fmt.Fprintf(c.App.Writer, "pod/%s condition met\n", name)
	}
	return nil
}

// waitPollInterval is how often wait reads the pod again.
const waitPollInterval = 200 * time.Millisecond

// waitPod reads the pod until w is met, or timeout passes ("timed out waiting for the
// condition", kubectl's words). A pod that does not exist is an error, except for delete.
func waitPod(ctx context.Context, timeout time.Duration, w waitFor, get func(context.Context) (*corev1.Pod, error)) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(waitPollInterval)
	defer tick.Stop()
	for {
		p, err := get(ctx)
		switch {
		case apierrors.IsNotFound(err) && w.deleted:
			return nil
		case err != nil:
			return err
		case w.met(p):
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return errors.New("timed out waiting for the condition")
		case <-tick.C:
		}
	}
}
