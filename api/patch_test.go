package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/podd/podd/podopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// An apply of a pod that exists answers configured or unchanged; a merge patch changes its
// labels (null removes one); a patch of the spec beyond images is the update's 422.
func TestApplyResultsAndPatch(t *testing.T) {
	_, c, _ := startServer(t)
	ctx := context.Background()
	if _, _, err := c.Apply(ctx, "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	labelled := strings.Replace(webPod, `"name":"web"},`, `"name":"web","labels":{"app":"web","tier":"x"}},`, 1)
	for _, want := range []podopts.ApplyResult{podopts.ApplyConfigured, podopts.ApplyUnchanged} {
		pod, created, err := c.Apply(ctx, "default", []byte(labelled))
		if err != nil || created || pod.Result != want {
			t.Fatalf("re-apply: %v %v %v, want %s", pod, created, err, want)
		}
	}
	got, err := c.Patch(ctx, "default", "web", []byte(`{"metadata":{"labels":{"tier":null,"new":"1"}}}`))
	if err != nil || got.Labels["app"] != "web" || got.Labels["new"] != "1" || len(got.Labels) != 2 {
		t.Fatalf("patch: %v %v", got, err)
	}
	_, err = c.Patch(ctx, "default", "web", []byte(`{"spec":{"restartPolicy":"Never"}}`))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than`) {
		t.Fatalf("a spec patch: %v", err)
	}
	if _, err = c.Patch(ctx, "default", "nope", []byte(`{}`)); !apierrors.IsNotFound(err) {
		t.Fatalf("patch of a missing pod: %v", err)
	}
}

func TestPatchNeedsMergePatch(t *testing.T) {
	_, _, path := startServer(t)
	code, st := rawRequest(t, path, http.MethodPatch, "/api/v1/namespaces/default/pods/web", 2, strings.NewReader(`[]`))
	if code != http.StatusUnsupportedMediaType || !strings.Contains(st.Message, "application/merge-patch+json") {
		t.Fatalf("a JSON body: %d %s", code, st.Message)
	}
}

func TestMergePatch(t *testing.T) {
	got := mergePatch(map[string]any{"a": map[string]any{"b": "1", "c": "2"}, "d": []any{"x"}},
		map[string]any{"a": map[string]any{"b": nil, "e": "3"}, "d": []any{"y"}})
	want := `map[a:map[c:2 e:3] d:[y]]`
	if s := fmt.Sprint(got); s != want {
		t.Errorf("merged %s, want %s", s, want)
	}
}
