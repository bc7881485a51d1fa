package client

import (
	"github.com/podd/podd/api/podconn"

	"context"
	"encoding/json"
	"net/http"
	"net/url"

	corev1 "k8s.io/api/core/v1"

	"github.com/podd/podd/api/wire"
)

// ApplyObject sends one ConfigMap or Secret (resource "configmaps" or "secrets") as JSON to be
// created or updated in namespace; result is "created", "configured" or "unchanged".
func (c *Client) ApplyObject(ctx context.Context, namespace, resource string, body []byte) (applied *Applied, result string, err error) {
	resp, err := c.Do(ctx, http.MethodPost, objectsPath(namespace, resource), nil, body)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	applied, err = podconn.DecodeApplied(resp)
	if err != nil {
		return nil, "", err
	}
	return applied, resp.Header.Get(wire.ApplyResultHeader), nil
}

// ConfigMaps lists the ConfigMaps of namespace ("" for all), or gets the one named name.
func (c *Client) ConfigMaps(ctx context.Context, namespace, name string) ([]corev1.ConfigMap, error) {
	if name != "" {
		var cm corev1.ConfigMap
		if err := c.getObject(ctx, objectsPath(namespace, "configmaps")+"/"+url.PathEscape(name), &cm); err != nil {
			return nil, err
		}
		return []corev1.ConfigMap{cm}, nil
	}
	var list corev1.ConfigMapList
	err := c.getObject(ctx, objectsPath(namespace, "configmaps"), &list)
	return list.Items, err
}

// Secrets lists the Secrets of namespace ("" for all), or gets the one named name.
func (c *Client) Secrets(ctx context.Context, namespace, name string) ([]corev1.Secret, error) {
	if name != "" {
		var s corev1.Secret
		if err := c.getObject(ctx, objectsPath(namespace, "secrets")+"/"+url.PathEscape(name), &s); err != nil {
			return nil, err
		}
		return []corev1.Secret{s}, nil
	}
	var list corev1.SecretList
	err := c.getObject(ctx, objectsPath(namespace, "secrets"), &list)
	return list.Items, err
}

// DeleteObject deletes a ConfigMap or Secret.
func (c *Client) DeleteObject(ctx context.Context, namespace, resource, name string) error {
	resp, err := c.Do(ctx, http.MethodDelete, objectsPath(namespace, resource)+"/"+url.PathEscape(name), nil, nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (c *Client) getObject(ctx context.Context, path string, v any) error {
	resp, err := c.Do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return podconn.DecodeBody(resp, v)
}

func objectsPath(namespace, resource string) string {
	if namespace == "" {
		return "/api/v1/" + resource
	}
	return "/api/v1/namespaces/" + url.PathEscape(namespace) + "/" + resource
}

// Object is one object (resource "pods", "configmaps" or "secrets") as podd stores it, as JSON.
func (c *Client) Object(ctx context.Context, namespace, resource, name string) (json.RawMessage, error) {
	var raw json.RawMessage
	err := c.getObject(ctx, objectsPath(namespace, resource)+"/"+url.PathEscape(name), &raw)
	return raw, err
}
