package api

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/configobj"
	"github.com/podd/podd/internal/fakebackend"
	"github.com/podd/podd/internal/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// configBackend is the fake backend with a real store: a ConfigBackend.
type configBackend struct {
	*fakebackend.Backend
	*configobj.Store
}

func startConfigServer(t *testing.T) *client.Client {
	t.Helper()
	testutil.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := Serve(l, configBackend{fakebackend.New(), configobj.NewStore(t.TempDir())})
	t.Cleanup(func() { srv.Close() })
	return client.New(path)
}

func TestConfigMapsAndSecretsOverTheAPI(t *testing.T) {
	c := startConfigServer(t)
	ctx := context.Background()
	cm := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"k":"v"}}`)
	for _, want := range []string{"created", "unchanged"} {
		if obj, res, err := c.ApplyObject(ctx, "default", "configmaps", cm); err != nil || res != want || obj.Name != "app" {
			t.Fatalf("apply: %v %q %v, want %q", obj, res, err, want)
		}
	}
	sec := []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"pw","namespace":"prod"},"stringData":{"p":"x"}}`)
	if _, res, err := c.ApplyObject(ctx, "prod", "secrets", sec); err != nil || res != "created" {
		t.Fatalf("apply secret: %q %v", res, err)
	}
	if l, err := c.ConfigMaps(ctx, "", ""); err != nil || len(l) != 1 || l[0].Data["k"] != "v" {
		t.Errorf("list configmaps: %v %v", l, err)
	}
	if l, err := c.Secrets(ctx, "prod", "pw"); err != nil || len(l) != 1 || string(l[0].Data["p"]) != "x" || l[0].Type != "Opaque" {
		t.Errorf("get secret: %v %v", l, err)
	}
	if err := c.DeleteObject(ctx, "prod", "secrets", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Secrets(ctx, "prod", "pw"); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete: %v", err)
	}
}

// TestConfigMapInvalidIs422NamingTheField: the API server's answer to a bad object.
func TestConfigMapInvalidIs422NamingTheField(t *testing.T) {
	c := startConfigServer(t)
	_, _, err := c.ApplyObject(context.Background(), "default", "configmaps",
		[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"a b":"v"}}`))
	var st apierrors.APIStatus
	if !apierrors.IsInvalid(err) || !asStatus(err, &st) {
		t.Fatalf("got %v, want a 422", err)
	}
	d := st.Status().Details
	if d == nil || d.Kind != "ConfigMap" || d.Name != "app" || len(d.Causes) != 1 || d.Causes[0].Field != "data[a b]" {
		t.Errorf("details %+v", d)
	}
}

func asStatus(err error, st *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	*st = s
	return ok
}
