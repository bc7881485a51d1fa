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
	testutil.RequireRoot(t)
	sock := filepath.Join(t.TempDir(), "podd.sock")
	l, err := api.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	b := fakebackend.New()
	srv := api.Serve(l, b)
	t.Cleanup(func() { srv.Close() })
	return b, sock
}
