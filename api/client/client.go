// Package client is podd's API client with the k8s.io/api types: package podconn's calls (the
// streams, apply, logs, podd's own types) plus the pods, events, config objects and tables
// decoded into k8s.io/api types. A failure answer comes back as the apimachinery error its
// metav1.Status body describes (apierrors.FromObject), so callers test it with
// apierrors.IsNotFound and the like. It never imports the server or the manifest validation.
// podctl itself links only podconn (podd renders what podctl prints).
package client

import (
	"context"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podd/podd/api/podconn"
)

// Client talks to podd over its unix socket.
type Client struct {
	*podconn.Client
	// Pods, when set, answers Get and List in-process instead of over the socket (podd's own
	// commands for podctl: api.PodReader).
	Pods PodReader
}

// PodReader reads pods as GET .../pods answers them: the pod name, or with name "" the pods of
// namespace ("" for all) that the selectors select; errors as the answer's (*StatusError).
type PodReader interface {
	ReadPods(namespace, name, labelSelector, fieldSelector string) ([]corev1.Pod, error)
	// ReadTable is ListTable's and GetTable's table (rows' Object.Object set, not their Raw).
	ReadTable(namespace, name, labelSelector, fieldSelector string, include metav1.IncludeObjectPolicy) (*metav1.Table, error)
}

// DryRun is a client whose writes are dry runs (podconn.Client.DryRun).
func (c *Client) DryRun() *Client {
	return &Client{Client: c.Client.DryRun(), Pods: c.Pods}
}

// New returns a client for the API socket at socketPath; it connects on first use.
func New(socketPath string) *Client {
	c := &Client{Client: podconn.New(socketPath)}
	c.StatusError = errorFromStatus
	return c
}

// Applied identifies the pod an apply created or found unchanged.
type Applied = podconn.Applied

// ServerVersion is what podctl reads of the version.Info podd answers.
type ServerVersion = podconn.ServerVersion

// Patch applies a merge patch (RFC 7386) to a pod and returns the pod as updated: what
// `podctl label` and `podctl annotate` send.
func (c *Client) Patch(ctx context.Context, namespace, name string, patch []byte) (*corev1.Pod, error) {
	return c.PatchAs(ctx, namespace, name, "application/merge-patch+json", patch)
}

// PatchAs applies a patch of the type contentType names (application/strategic-merge-patch+json,
// application/merge-patch+json or application/json-patch+json) to a pod and returns the pod as
// updated: what `podctl patch` sends.
func (c *Client) PatchAs(ctx context.Context, namespace, name, contentType string, patch []byte) (*corev1.Pod, error) {
	req, err := c.NewRequest(ctx, http.MethodPatch, podconn.PodPath(namespace, name), nil, patch)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var pod corev1.Pod
	if err := podconn.DecodeBody(resp, &pod); err != nil {
		return nil, err
	}
	return &pod, nil
}

// Get returns one pod.
func (c *Client) Get(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	if c.Pods != nil {
		pods, err := c.Pods.ReadPods(namespace, name, "", "")
		if err != nil {
			return nil, err
		}
		return &pods[0], nil
	}
	return podconn.GetJSON[corev1.Pod](ctx, c.Client, podconn.PodPath(namespace, name), nil)
}

// ListOptions narrow a list.
type ListOptions struct {
	LabelSelector string // k8s label selector syntax (app=web,tier!=db); "" selects all
	FieldSelector string // the pods' fields (status.phase=Running); "" selects all
}

// List returns the pods of namespace, or of all namespaces when namespace is "", that
// opts selects.
func (c *Client) List(ctx context.Context, namespace string, opts ListOptions) ([]corev1.Pod, error) {
	if c.Pods != nil {
		return c.Pods.ReadPods(namespace, "", opts.LabelSelector, opts.FieldSelector)
	}
	list, err := podconn.GetJSON[corev1.PodList](ctx, c.Client, listPath(namespace), opts.query())
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func (o ListOptions) query() url.Values {
	q := url.Values{}
	if o.LabelSelector != "" {
		q.Set("labelSelector", o.LabelSelector)
	}
	if o.FieldSelector != "" {
		q.Set("fieldSelector", o.FieldSelector)
	}
	return q
}

func listPath(namespace string) string {
	if namespace == "" {
		return "/api/v1/pods"
	}
	return podconn.PodsPath(namespace)
}

// Events returns the events of namespace ("" for all) that fieldSelector (may be "") selects.
func (c *Client) Events(ctx context.Context, namespace, fieldSelector string) ([]corev1.Event, error) {
	path := eventsPath(namespace)
	q := url.Values{}
	if fieldSelector != "" {
		q.Set("fieldSelector", fieldSelector)
	}
	list, err := podconn.GetJSON[corev1.EventList](ctx, c.Client, path, q)
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}
