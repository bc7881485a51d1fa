package ctl

import (
	"path/filepath"
	"testing"

	"github.com/podd/podd/api"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
)

// serveFake starts podd's API over a fake backend and returns the socket path.
func serveFake(t *testing.T) (*fakebackend.Backend, string) {
	t.Helper()
	b := fakebackend.New()
	return b, serveAPI(t, b)
}

// serveAPI serves b's API (with the extra routes) on a socket in a temp dir and returns its path.
func serveAPI(t testing.TB, b api.Backend, extra ...api.Route) string {
	t.Helper()
	testutil.RequireRoot(t)
	sock := filepath.Join(t.TempDir(), "podd.sock")
	l, err := api.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := api.Serve(l, b, extra...)
	t.Cleanup(func() { srv.Close() })
	return sock
}
