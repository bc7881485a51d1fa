package client

import (
	"github.com/podd/podd/api/podconn"

	"context"
	"fmt"
	"net/http"
	"net/url"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// tableAccept is the Accept header kubectl sends for a table: a meta.k8s.io/v1 Table, or else
// the plain object.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// ListTable returns the table kubectl prints of the pods of namespace ("" for all) that
// opts selects, computed by podd; include says what each row's Object carries
// (None, Metadata: a PartialObjectMetadata, Object: the Pod; "" is the server's default,
// Metadata). A row's Object comes back as its JSON (Object.Raw), nil for None; with c.Pods,
// in-process, as the object itself (Object.Object).
func (c *Client) ListTable(ctx context.Context, namespace string, opts ListOptions, include metav1.IncludeObjectPolicy) (*metav1.Table, error) {
	if c.Pods != nil {
		return c.Pods.ReadTable(namespace, "", opts.LabelSelector, opts.FieldSelector, include)
	}
	return c.table(ctx, listPath(namespace), opts.query(), include)
}

// GetTable returns the table of one pod (a single row).
func (c *Client) GetTable(ctx context.Context, namespace, name string, include metav1.IncludeObjectPolicy) (*metav1.Table, error) {
	if c.Pods != nil {
		return c.Pods.ReadTable(namespace, name, "", "", include)
	}
	return c.table(ctx, podconn.PodPath(namespace, name), url.Values{}, include)
}

func (c *Client) table(ctx context.Context, path string, q url.Values, include metav1.IncludeObjectPolicy) (*metav1.Table, error) {
	if include != "" {
		q.Set("includeObject", string(include))
	}
	req, err := c.NewRequestAccept(ctx, http.MethodGet, path, q, nil, tableAccept)
	if err != nil {
		return nil, err
	}
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var t metav1.Table
	if err := podconn.DecodeBody(resp, &t); err != nil {
		return nil, err
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("GET %s: podd answered a %q, not a Table", path, t.Kind)
	}
	return &t, nil
}
