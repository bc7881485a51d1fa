package host

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/podd/podd/api/wire"
)

// Six podctl command requests near the route's 64 MiB bound at once take podd's memory up by
// about what one takes (they are decoded one at a time), and each gets its answer. Before,
// they were decoded together: podd's peak RSS went from 35 to 663-707 MB (196-253 MB after).
func TestLargeCommandsBoundPoddMemory(t *testing.T) {
	d := StartPodd(t)
	body, err := json.Marshal(wire.CommandRequest{Args: []string{"podctl", "get", "pods"}, Stdin: make([]byte, 46<<20)})
	if err != nil {
		t.Fatal(err)
	}
	before := procStatusKiB(t, d.PID(), "VmHWM")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", d.Socket)
			}}}
			resp, err := hc.Post("http://podd"+wire.CommandPath, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("a %d MiB request: %s", len(body)>>20, resp.Status)
			}
		}()
	}
	wg.Wait()
	after := procStatusKiB(t, d.PID(), "VmHWM")
	t.Logf("podd's peak RSS: %d MB before, %d MB after six requests of %d MiB", before>>10, after>>10, len(body)>>20)
	if after-before > 400<<10 {
		t.Errorf("podd's peak RSS went up by %d MB for six requests of %d MiB, want < 400 MB (one decoded at a time)", (after-before)>>10, len(body)>>20)
	}
}
