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

// readCommand reads and decodes a request within its part of commandBudget
// (inflight.ReadBody), which it waits for first; its status says why not. A request whose
// client went away while it waited is not read.
func readCommand(w http.ResponseWriter, r *http.Request) (wire.CommandRequest, int, error) {
	var req wire.CommandRequest
	if size := r.ContentLength; size > maxCommandRequest {
		return req, http.StatusRequestEntityTooLarge,
			fmt.Errorf("request of %d bytes: the limit is %d bytes", size, maxCommandRequest)
	}
	body, release, err := commandBudget.ReadBody(w, r, maxCommandRequest, commandBodyTimeout)
	defer release()
	switch {
	case errors.As(err, new(*inflight.NoTurnError)):
		return req, http.StatusServiceUnavailable, err
	case errors.As(err, new(*http.MaxBytesError)):
		return req, http.StatusRequestEntityTooLarge, err
	case err != nil:
		return req, http.StatusBadRequest, err
	}
	decodeHook(int64(len(body)))
	if err := json.Unmarshal(body, &req); err != nil {
		return req, http.StatusBadRequest, fmt.Errorf("decode request: %w", err)
	}
	return req, 0, nil
}
