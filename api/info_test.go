package api

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/testutil"
	"github.com/podd/podd/podopts"
)

// infoBackend is the fake backend with an Info.
type infoBackend struct {
	Backend
	in podopts.Info
}

func (b infoBackend) Info() podopts.Info { return b.in }

// GET /podd/v1/info carries the backend's Info; a backend without one answers 404.
func TestInfo(t *testing.T) {
	b, c, path := startServer(t)
	if _, err := c.Info(context.Background()); err == nil {
		t.Fatal("info of a backend without Info: no error")
	}
	checkRawStatus(t, path, "/podd/v1/info", 404, "NotFound")

	testutil.RequireRoot(t)
	sock := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	want := podopts.Info{Version: "v1", CgroupMode: "v2", Watchers: []podopts.Watcher{
		{Name: "oom-watch", Mechanism: "memory.events", Fallback: "--ebpf=false"}},
		OOMReportLatency: &podopts.Latency{Count: 2, P50: time.Millisecond, P99: 2 * time.Millisecond, Max: 2 * time.Millisecond}}
	srv := Serve(l, infoBackend{b, want})
	t.Cleanup(func() { srv.Close() })
	got, err := client.New(sock).Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("got %+v, want %+v", *got, want)
	}
}
