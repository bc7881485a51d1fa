package podconn

import (
	"context"
	"net/url"

	"github.com/podd/podd/podopts"
)

// ProbeResults returns the last result of each probe of a pod's containers.
func (c *Client) ProbeResults(ctx context.Context, namespace, name string) (*podopts.PodProbes, error) {
	path := "/podd/v1/namespaces/" + url.PathEscape(namespace) + "/pods/" + url.PathEscape(name) + "/probes"
	return GetJSON[podopts.PodProbes](ctx, c, path, nil)
}
