package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ExecCheck is the exec handler: the command runs in the container through the runtime's exec
// path; exit code 0 is a success, any other a failure with the command's output. At
// timeoutSeconds the command and whatever it started are killed (ExecFunc's contract) and the
// probe fails with the kubelet's message.
type ExecCheck struct {
	cmd     []string
	timeout time.Duration
}

func (c *ExecCheck) Check(ctx context.Context, t *Target) Result {
	start := time.Now()
	if t.Exec == nil {
		return Result{Outcome: Unknown, Output: "exec probes are not available", Took: time.Since(start)}
	}
	Blocking(ctx) // a command to start and wait for
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	out, code, err := t.Exec(ctx, c.cmd)
	took := time.Since(start)
	if len(out) > maxBody {
		out = out[:maxBody]
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Result{Outcome: Failure, Output: fmt.Sprintf("command %q timed out", strings.Join(c.cmd, " ")), Took: took}
	case err != nil:
		return Result{Outcome: Unknown, Output: err.Error(), Took: took}
	case code != 0:
		return Result{Outcome: Failure, Output: string(out), Took: took}
	}
	return Result{Outcome: Success, Output: string(out), Took: took}
}
