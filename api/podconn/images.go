package podconn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/podd/podd/api/wire"
)

// PullImage asks podd to pull a registry image and returns what it pulled.
func (c *Client) PullImage(ctx context.Context, ref string) (wire.ImageInfo, error) {
	var info wire.ImageInfo
	err := c.imageCall(ctx, http.MethodPost, "/podd/v1/images/pull", ref, &info)
	return info, err
}

// PullImageProgress is PullImage with each layer's progress passed to progress as podd
// reports it.
func (c *Client) PullImageProgress(ctx context.Context, ref string, progress func(wire.PullProgress)) (wire.ImageInfo, error) {
	resp, err := c.Do(ctx, http.MethodPost, "/podd/v1/images/pull", url.Values{"image": {ref}, "progress": {"true"}}, nil)
	if err != nil {
		return wire.ImageInfo{}, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev wire.PullEvent
		if err := dec.Decode(&ev); err != nil {
			return wire.ImageInfo{}, fmt.Errorf("pull %s: podd's answer ended early: %w", ref, err)
		}
		switch {
		case ev.Progress != nil:
			progress(*ev.Progress)
		case ev.Image != nil:
			return *ev.Image, nil
		case ev.Error != nil:
			return wire.ImageInfo{}, c.statusError(http.StatusInternalServerError, ev.Error)
		}
	}
}

// LoadImages sends a tar archive (an OCI layout or a docker save archive) for podd to import
// and returns the images it loaded.
func (c *Client) LoadImages(ctx context.Context, r io.Reader) ([]wire.ImageInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/podd/v1/images/load", r)
	if err != nil {
		return nil, fmt.Errorf("build load request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var list wire.ImageList
	return list.Items, DecodeBody(resp, &list)
}

// Images lists the pulled registry images.
func (c *Client) Images(ctx context.Context) ([]wire.ImageInfo, error) {
	var list wire.ImageList
	err := c.imageCall(ctx, http.MethodGet, "/podd/v1/images", "", &list)
	return list.Items, err
}

// RemoveImage forgets a pulled image (its layers go at the next prune).
func (c *Client) RemoveImage(ctx context.Context, ref string) error {
	return c.imageCall(ctx, http.MethodDelete, "/podd/v1/images", ref, nil)
}

// PruneImages removes the images and layers nothing uses.
func (c *Client) PruneImages(ctx context.Context) (wire.PruneResult, error) {
	var res wire.PruneResult
	err := c.imageCall(ctx, http.MethodPost, "/podd/v1/images/prune", "", &res)
	return res, err
}

func (c *Client) imageCall(ctx context.Context, method, path, ref string, out any) error {
	q := url.Values{}
	if ref != "" {
		q.Set("image", ref)
	}
	resp, err := c.Do(ctx, method, path, q, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return DecodeBody(resp, out)
}
