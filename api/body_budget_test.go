package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/inflight"
	"github.com/podd/podd/internal/testutil"
)

// Bodies read whole (a pod manifest, up to 3 MiB) are read and decoded within podd's byte
// budget, as the podctl route's are: with room for two of 3 MiB, four sent at once are read two
// at a time (before, all at once: each its 3 MiB and its decoding), each still gets its
// answer, and a request without a body is answered while they wait.
func TestBodiesReadWithinTheBudget(t *testing.T) {
	budget := inflight.New(4<<20, 6<<20, 64<<20)
	oldTimeout := bodyTimeout
	bodyBudget, bodyTimeout = budget, 2*time.Minute
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(func() { open(); bodyBudget, bodyTimeout = inflight.Bodies, oldTimeout })
	b, c, sock := startServer(t)
	const n = 4
	answers := make(chan string, n)
	for i := range n {
		pod := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big-%d"},"spec":{"containers":[{"name":"c","image":"/images/busybox"}]}}`, i)
		body := pod + strings.Repeat(" ", maxBody-len(pod)) // the most a body may be
		go func() { answers <- gatedPost(sock, defaultPods, body[:len(body)/2], body[len(body)/2:], gate) }()
	}
	testutil.WaitUntil(t, "four bodies in", func() bool { s := budget.Small(); return s.Active+s.Waiting == n })
	if s := budget.Small(); s.Active != 2 {
		t.Fatalf("%d bodies of 3 MiB read at once (%d waiting), want 2 in a budget of 6 MiB", s.Active, s.Waiting)
	}
	if _, err := c.List(context.Background(), "default", client.ListOptions{}); err != nil {
		t.Fatalf("list pods while bodies wait: %v", err)
	}
	select {
	case a := <-answers:
		t.Fatalf("a body was answered before the gate opened: %q", a)
	default:
	}
	open()
	for range n {
		if a := <-answers; a != "201" {
			t.Errorf("apply of a 3 MiB pod: %s, want 201", a)
		}
	}
	testutil.WaitUntil(t, "all bodies out of the budget", func() bool { s := budget.Small(); return s.Active+s.Waiting == 0 })
	if len(b.Pods) != n {
		t.Errorf("%d pods applied, want %d", len(b.Pods), n)
	}
}

// gatedPost sends method POST path with body head+tail (its length declared), the tail once
// gate is closed, and returns the status code (or the error).
func gatedPost(sock, path, head, tail string, gate <-chan struct{}) string {
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	go func() {
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: podd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			path, len(head)+len(tail), head)
		<-gate
		io.WriteString(conn, tail)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

// A body waiting for its share of the budget stops waiting when its client hangs up: it no
// longer keeps its place (and the bodies behind it waiting) until its turn comes.
func TestWaitingBodyOfAClientGoneLeavesTheQueue(t *testing.T) {
	budget := inflight.New(4<<20, 6<<20, 64<<20)
	bodyBudget = budget
	t.Cleanup(func() { bodyBudget = inflight.Bodies })
	_, _, sock := startServer(t)
	for _, n := range []int64{4 << 20, 2 << 20} { // the whole small lane
		hold, err := budget.Acquire(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		defer hold()
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: podd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", defaultPods, 1<<20)
	testutil.WaitUntil(t, "the body waiting for its share", func() bool { return budget.Small().Waiting == 1 })
	conn.Close()
	testutil.WaitUntil(t, "the body of the client gone out of the queue", func() bool { return budget.Small().Waiting == 0 })
	if s := budget.Small(); s.Active != 2 {
		t.Errorf("small lane %+v, want only the holders active", s)
	}
}
