package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/inflight"
	"github.com/podd/podd/internal/testutil"
)

// Six podctl requests near the large lane's size at once are decoded one at a time (decoding
// one takes about twice its size for a moment: six of 61 MiB at once peaked at 599 MiB of heap
// over the base, one at a time at 215 MiB, with GC's garbage), each gets its answer, a usual
// command sent while they wait is answered before any of them, and one whose client goes away
// while it waits is dropped without being decoded. The lane is podd's scaled down to 8 MiB,
// the requests to 6 MiB (TestLargeCommandsBoundPoddMemory sends podd 61 MiB ones).
func TestLargeCommandsDecodeOneAtATime(t *testing.T) {
	budget := inflight.New(4<<20, 64<<20, 8<<20)
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	var worst, decoded atomic.Int64
	commandBudget, decodeHook = budget, func(n int64) {
		if n <= 4<<20 {
			return
		}
		decoded.Add(1)
		for a := budget.Large().Active; a > worst.Load(); {
			worst.CompareAndSwap(worst.Load(), a)
		}
		<-gate
	}
	t.Cleanup(func() { open(); commandBudget, decodeHook = inflight.Bodies, func(int64) {} })
	sock := serveFakeWithCommands(t)
	body, err := json.Marshal(wire.CommandRequest{Args: []string{"podctl", "get", "pods"}, Stdin: make([]byte, 9<<19)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	answers := make(chan string, n)
	for range n {
		go func() { answers <- postRawCommand(context.Background(), sock, body) }()
	}
	testutil.WaitUntil(t, "six large requests in", func() bool { s := budget.Large(); return s.Active+s.Waiting == n })
	if s := budget.Large(); s.Active != 1 {
		t.Fatalf("%d requests of ~%d MiB read and decoded at once, %d waiting: want 1", s.Active, len(body)>>20, s.Waiting)
	}
	gone, leave := context.WithCancel(context.Background())
	goneDone := make(chan string, 1)
	go func() { goneDone <- postRawCommand(gone, sock, body) }()
	testutil.WaitUntil(t, "a seventh waiting", func() bool { return budget.Large().Waiting == n })
	leave()
	<-goneDone

	small := make(chan string, 1)
	go func() {
		out, errOut, code := thinPodctl(t, sock, "", "get", "pods")
		small <- fmt.Sprintf("%d %q %q", code, out, errOut)
	}()
	select {
	case got := <-small:
		if !strings.HasPrefix(got, "0 ") {
			t.Errorf("get pods while large requests wait: %s", got)
		}
	case a := <-answers:
		t.Fatalf("a large request was answered before the small get pods: %.200q", a)
	}
	open()
	for range n {
		if a := <-answers; !strings.HasPrefix(a, "200 ") || !strings.Contains(a, "No resources found") || !strings.HasSuffix(a, "0") {
			t.Errorf("large request: %.300q", a)
		}
	}
	testutil.WaitUntil(t, "all requests out of the budget", func() bool { s := budget.Large(); return s.Active+s.Waiting == 0 })
	if w := worst.Load(); w > 1 {
		t.Errorf("%d requests of ~%d MiB decoded at once, want 1", w, len(body)>>20)
	}
	if d := decoded.Load(); d != n {
		t.Errorf("%d large requests decoded, want %d (the one whose client went away is not)", d, n)
	}
}

// postRawCommand posts body to the podctl route at sock and returns the status and answer.
func postRawCommand(ctx context.Context, sock string, body []byte) string {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://podd"+wire.CommandPath, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, out)
}
