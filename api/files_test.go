package api

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// filesBackend is the fake backend with a temp dir as every container's root.
type filesBackend struct {
	*fakebackend.Backend
	root string
}

func (b filesBackend) ContainerRoot(ctx context.Context, ns, name, ctr string) (*os.File, error) {
	return os.Open(b.root)
}

func startFilesServer(t *testing.T) (*client.Client, string) {
	t.Helper()
	testutil.RequireRoot(t)
	sock := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	b := filesBackend{fakebackend.New(), t.TempDir()}
	srv := Serve(l, b)
	t.Cleanup(func() { srv.Close() })
	return client.New(sock), b.root
}

// TestFilesRoute: GET streams a file as the archive's "." entry, PUT into an existing
// directory lands at dir/name, a missing path is a 404 in tar's words, no path a 422.
func TestFilesRoute(t *testing.T) {
	c, root := startFilesServer(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("hi"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := c.FilesFrom(ctx, "default", "web", "", "/f", func(r io.Reader) error {
		tr := tar.NewReader(r)
		for {
			hdr, err := tr.Next()
			if err != nil {
				return nil
			}
			body, _ := io.ReadAll(tr)
			got = append(got, hdr.Name+":"+string(body))
		}
	})
	if err != nil || strings.Join(got, ",") != ".:hi" {
		t.Errorf("GET /f: %v %v, want .:hi", got, err)
	}
	err = c.FilesFrom(ctx, "default", "web", "", "/nope", func(io.Reader) error { return nil })
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "tar: /nope: Cannot stat: No such file or directory") {
		t.Errorf("GET /nope: %v", err)
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.WriteHeader(&tar.Header{Name: ".", Typeflag: tar.TypeReg, Mode: 0o640, Size: 2})
	_, _ = tw.Write([]byte("yo"))
	_ = tw.Close()
	if err := c.FilesTo(ctx, "default", "web", "", "/", "new", &b); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "new")); err != nil || string(data) != "yo" {
		t.Errorf("PUT / name=new: %q %v", data, err)
	}
	err = c.FilesFrom(ctx, "default", "web", "", "", func(io.Reader) error { return nil })
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "path") {
		t.Errorf("GET without a path: %v, want 422 naming path", err)
	}
}

// stall sends its header then nothing, until the test ends.
type stall struct {
	head []byte
	done <-chan struct{}
}

func (s *stall) Read(p []byte) (int, error) {
	if len(s.head) > 0 {
		n := copy(p, s.head)
		s.head = s.head[n:]
		return n, nil
	}
	<-s.done
	return 0, io.EOF
}

// TestFilesPutIdleClient: a copy whose client stops sending is cut after copyIdleTimeout with a
// 408, and what it had declared is not left half-open.
func TestFilesPutIdleClient(t *testing.T) {
	old := copyIdleTimeout
	copyIdleTimeout = 200 * time.Millisecond
	defer func() { copyIdleTimeout = old }()
	c, _ := startFilesServer(t)
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.WriteHeader(&tar.Header{Name: ".", Typeflag: tar.TypeReg, Mode: 0o640, Size: 1 << 20})
	done := make(chan struct{})
	defer close(done)
	err := c.FilesTo(context.Background(), "default", "web", "", "/", "slow", &stall{head: b.Bytes(), done: done})
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Code != 408 || !strings.Contains(err.Error(), "nothing received from the client") {
		t.Errorf("an idle copy: %v, want a 408", err)
	}
}
