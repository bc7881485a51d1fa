package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/inflight"
)

// maxCommandRequest bounds a podctl command's request: its manifests and stdin.
const maxCommandRequest = 64 << 20

// commandBodyTimeout bounds the reading of that request, from when its turn comes.
const commandBodyTimeout = 30 * time.Second

// commandBudget bounds the bytes of requests read and decoded at once (a variable for tests):
// decoding one of 64 MiB takes ~2x that for a moment, and several at once could take
// gigabytes. A usual command (a few KB) never waits behind a large one.
var commandBudget = inflight.Bodies

// decodeHook is called with a request's size once it is read, before it is decoded, within
// the request's part of commandBudget (tests).
var decodeHook = func(int64) {}

// readCommand reads and decodes a request within its part of commandBudget (its declared size;
// the most it may be when it declares none), which it waits for first; its status says why not.
// A request whose client went away while it waited fails reading, and is not decoded.
func readCommand(r *http.Request, rc *http.ResponseController) (wire.CommandRequest, int, error) {
	var req wire.CommandRequest
	size := r.ContentLength
	if size > maxCommandRequest {
		return req, http.StatusRequestEntityTooLarge,
			fmt.Errorf("request of %d bytes: the limit is %d bytes", size, maxCommandRequest)
	}
	if size < 0 {
		size = maxCommandRequest
	}
	release, err := commandBudget.Acquire(r.Context(), size)
	if err != nil {
		return req, http.StatusServiceUnavailable, err
	}
	defer release()
	_ = rc.SetReadDeadline(time.Now().Add(commandBodyTimeout))
	body, err := inflight.Read(r.Body, r.ContentLength, maxCommandRequest)
	if err != nil {
		code := http.StatusBadRequest
		if errors.As(err, new(*http.MaxBytesError)) {
			code = http.StatusRequestEntityTooLarge
		}
		return req, code, err
	}
	decodeHook(size)
	if err := json.Unmarshal(body, &req); err != nil {
		return req, http.StatusBadRequest, fmt.Errorf("decode request: %w", err)
	}
	return req, 0, nil
}
