package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/podd/podd/api/wire"
)

// maxURLManifest bounds what podctl reads from one -f URL: what it forwards to podd is bounded
// too (64 MiB for the whole request).
const maxURLManifest = 16 << 20

// urlTimeout bounds one -f URL's fetch, as kubectl's --request-timeout would.
const urlTimeout = 30 * time.Second

// IsURL reports whether a -f value is a URL to fetch, as kubectl fetches http and https ones.
func IsURL(name string) bool {
	return strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://")
}

// ReadURL fetches a -f URL on podctl's side (podd never fetches what a user names), with
// kubectl's error texts and retries: three attempts a second apart while the fetch fails or the
// server answers 5xx.
func ReadURL(u string) wire.File {
	ctx, cancel := context.WithTimeout(context.Background(), urlTimeout)
	defer cancel()
	return readURL(ctx, u, 3, time.Second)
}

func readURL(ctx context.Context, u string, attempts int, pause time.Duration) wire.File {
	var f wire.File
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return f
			case <-time.After(pause):
			}
		}
		var retry bool
		if f, retry = fetchURL(ctx, u); !retry {
			return f
		}
	}
	return f
}

// fetchURL is one attempt; retry: it failed in a way kubectl tries again (no answer, or 5xx).
func fetchURL(ctx context.Context, u string) (f wire.File, retry bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return wire.File{Error: fmt.Sprintf("unable to read URL %q: %v", u, err)}, false
	}
	resp, err := http.DefaultClient.Do(req) // the environment's proxy, as kubectl
	if err != nil {
		return wire.File{Error: fmt.Sprintf("unable to read URL %q: %v", u, err)}, true
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return wire.File{Error: fmt.Sprintf("unable to read URL %q, server reported %s, status code=%d", u, resp.Status, resp.StatusCode)},
			resp.StatusCode >= 500 && resp.StatusCode < 600
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxURLManifest+1))
	switch {
	case err != nil:
		return wire.File{Error: fmt.Sprintf("unable to read URL %q: %v", u, err)}, false
	case len(data) > maxURLManifest:
		return wire.File{Error: fmt.Sprintf("unable to read URL %q: more than %d MiB", u, maxURLManifest>>20)}, false
	}
	return wire.File{Data: data}, false
}
