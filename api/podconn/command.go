package podconn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/podd/podd/api/wire"
)

// RunCommand has podd run a podctl command (wire.CommandPath) and copies its output to stdout
// and stderr as it comes; it returns the command's exit status.
func (c *Client) RunCommand(ctx context.Context, req wire.CommandRequest, stdout, stderr io.Writer) (int, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return -1, fmt.Errorf("encode podctl command: %w", err)
	}
	resp, err := c.Do(ctx, http.MethodPost, wire.CommandPath, nil, body)
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	code, err := readOutput(resp.Body, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		return -1, ctx.Err()
	}
	return code, err
}
