package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/fakebackend"
	"k8s.io/apimachinery/pkg/types"
)

// send makes one request straight to the server's handler chain after the peer check.
func send(b Backend, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if method == http.MethodPatch {
		r.Header.Set("Content-Type", string(types.MergePatchType))
	}
	w := httptest.NewRecorder()
	gateDryRun(routes(b)).ServeHTTP(w, r)
	return w
}

const podsPath = "/api/v1/namespaces/default/pods"

func TestDryRunChangesNothing(t *testing.T) {
	b := fakebackend.New()
	w := send(b, http.MethodPost, podsPath+"?dryRun=All", webPod)
	if w.Code != http.StatusCreated || w.Header().Get(wire.ApplyResultHeader) != "created" || !strings.Contains(w.Body.String(), `"name":"web"`) {
		t.Fatalf("dry-run apply of a new pod: %d %q %s", w.Code, w.Header().Get(wire.ApplyResultHeader), w.Body)
	}
	if len(b.Pods) != 0 {
		t.Fatalf("a dry run created the pod: %v", b.Pods)
	}
	if w := send(b, http.MethodPost, podsPath, webPod); w.Code != http.StatusCreated {
		t.Fatalf("apply: %d %s", w.Code, w.Body)
	}
	relabel := strings.Replace(webPod, `"name":"web"}`, `"name":"web","labels":{"app":"x"}}`, 1)
	for _, c := range []struct{ method, path, body, result string }{
		{http.MethodPost, podsPath + "?dryRun=All", webPod, "unchanged"},
		{http.MethodPost, podsPath + "?dryRun=All", relabel, "configured"},
		{http.MethodPatch, podsPath + "/web?dryRun=All", `{"metadata":{"labels":{"app":"y"}}}`, "configured"},
	} {
		w := send(b, c.method, c.path, c.body)
		if w.Code != http.StatusOK || w.Header().Get(wire.ApplyResultHeader) != c.result {
			t.Errorf("%s %s: %d %q %s, want 200 %s", c.method, c.path, w.Code, w.Header().Get(wire.ApplyResultHeader), w.Body, c.result)
		}
	}
	if w := send(b, http.MethodDelete, podsPath+"/web?dryRun=All", ""); w.Code != http.StatusOK {
		t.Fatalf("dry-run delete: %d %s", w.Code, w.Body)
	}
	if p, err := b.Get("default", "web"); err != nil || len(p.Labels) != 0 {
		t.Fatalf("after the dry runs the pod is %v (err %v), want it as applied, unlabelled", p, err)
	}
}

func TestDryRunRefusals(t *testing.T) {
	b := fakebackend.New()
	send(b, http.MethodPost, podsPath, webPod)
	for _, c := range []struct {
		method, path, body string
		code               int
		msg                string
	}{
		{http.MethodPost, podsPath + "?create=true&dryRun=All", webPod, http.StatusConflict, `pods "web" already exists`},
		{http.MethodDelete, podsPath + "/db?dryRun=All", "", http.StatusNotFound, `pods "db" not found`},
		{http.MethodPatch, podsPath + "/db?dryRun=All", `{}`, http.StatusNotFound, `pods "db" not found`},
		{http.MethodPost, podsPath + "?dryRun=all", webPod, http.StatusBadRequest, `dryRun: Unsupported value: "all": supported values: "All"`},
		{http.MethodPost, podsPath + "/web/exec?dryRun=All&command=true", "", http.StatusBadRequest, "dryRun is not supported by POST " + podsPath + "/web/exec"},
		{http.MethodPost, "/podd/v1/shutdown?dryRun=All", "", http.StatusBadRequest, "dryRun is not supported"},
	} {
		w := send(b, c.method, c.path, c.body)
		if body := strings.ReplaceAll(w.Body.String(), `\"`, `"`); w.Code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, w.Code, w.Body, c.code, c.msg)
		}
	}
	if len(b.Shutdowns) != 0 {
		t.Fatal("a dry-run shutdown shut down")
	}
}
