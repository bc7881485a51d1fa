package client

import (
	"github.com/podd/podd/api/podconn"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watch sends GET path?watch=true and hands each watch event (its type and the object's JSON)
// to fn, until the stream ends (nil), ctx ends (its error) or fn fails.
func (c *Client) watch(ctx context.Context, path string, q url.Values, accept string, fn func(typ string, raw []byte) error) error {
	q.Set("watch", "true")
	req, err := c.NewRequestAccept(ctx, http.MethodGet, path, q, nil, accept)
	if err != nil {
		return err
	}
	resp, err := c.Send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev metav1.WatchEvent
		err := dec.Decode(&ev)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return fmt.Errorf("read watch of %s: %w", path, err)
		}
		if err := fn(ev.Type, ev.Object.Raw); err != nil {
			return err
		}
	}
}

// WatchEvents streams the events of namespace ("" for all) that fieldSelector selects: first
// each one there is (ADDED), then every new or repeated one (ADDED, MODIFIED).
func (c *Client) WatchEvents(ctx context.Context, namespace, fieldSelector string, fn func(typ string, e *corev1.Event) error) error {
	q := url.Values{}
	if fieldSelector != "" {
		q.Set("fieldSelector", fieldSelector)
	}
	return c.watch(ctx, eventsPath(namespace), q, "", func(typ string, raw []byte) error {
		var e corev1.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode a watched event: %w", err)
		}
		return fn(typ, &e)
	})
}

// WatchTable streams the pods of namespace ("" for all; name "" for every pod) that
// opts.LabelSelector selects, each change as a one-row Table (include: what the row carries,
// as in ListTable): first each pod there is (ADDED), then every change (ADDED, MODIFIED,
// DELETED).
func (c *Client) WatchTable(ctx context.Context, namespace, name string, opts ListOptions, include metav1.IncludeObjectPolicy, fn func(typ string, t *metav1.Table) error) error {
	q, path := opts.query(), listPath(namespace)
	if name != "" {
		path = podconn.PodPath(namespace, name)
	}
	if include != "" {
		q.Set("includeObject", string(include))
	}
	return c.watch(ctx, path, q, tableAccept, func(typ string, raw []byte) error {
		var t metav1.Table
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("decode a watched table: %w", err)
		}
		return fn(typ, &t)
	})
}

// WatchPods streams pod changes as WatchTable does, with the pods themselves.
func (c *Client) WatchPods(ctx context.Context, namespace string, opts ListOptions, fn func(typ string, p *corev1.Pod) error) error {
	return c.watch(ctx, listPath(namespace), opts.query(), "", func(typ string, raw []byte) error {
		var p corev1.Pod
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("decode a watched pod: %w", err)
		}
		return fn(typ, &p)
	})
}

func eventsPath(namespace string) string {
	if namespace == "" {
		return "/api/v1/events"
	}
	return "/api/v1/namespaces/" + url.PathEscape(namespace) + "/events"
}
