package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/podd/podd/podopts"
	corev1 "k8s.io/api/core/v1"
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

// A PATCH whose Content-Type is none of the three patch types is refused, naming them.
func TestPatchNeedsAPatchType(t *testing.T) {
	_, _, path := startServer(t)
	code, st := rawRequest(t, path, http.MethodPatch, "/api/v1/namespaces/default/pods/web", 2, strings.NewReader(`[]`))
	if code != http.StatusUnsupportedMediaType {
		t.Fatalf("a JSON body: %d %s", code, st.Message)
	}
	for _, want := range []string{"application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json"} {
		if !strings.Contains(st.Message, want) {
			t.Errorf("the 415 does not name %s: %s", want, st.Message)
		}
	}
}

// Each patch type as `kubectl patch` sends it: a strategic merge patch merges containers by
// name (a merge patch of the same body would replace the list); a JSON patch replaces one
// field, and one whose "test" fails, or whose path is missing, is a 422; more operations than
// kube-apiserver takes is a 413; a body that is no patch of its type is a 400.
func TestPatchTypes(t *testing.T) {
	_, c, _ := startServer(t)
	ctx := context.Background()
	const sidecars = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
 "spec":{"containers":[{"name":"web","image":"/images/a"},{"name":"log","image":"/images/b"}]}}`
	if _, _, err := c.Apply(ctx, "default", []byte(sidecars)); err != nil {
		t.Fatal(err)
	}
	images := func(p *corev1.Pod) string {
		var s []string
		for _, c := range p.Spec.Containers {
			s = append(s, c.Name+"="+c.Image)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct{ pt, patch, want string }{
		{"application/strategic-merge-patch+json", `{"spec":{"containers":[{"name":"log","image":"/images/c"}]}}`, "web=/images/a,log=/images/c"},
		{"application/json-patch+json", `[{"op":"replace","path":"/spec/containers/0/image","value":"/images/d"}]`, "web=/images/d,log=/images/c"},
		{"application/json-patch+json", `[{"op":"test","path":"/spec/containers/1/name","value":"log"},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]`, "web=/images/d,log=/images/c"},
	} {
		got, err := c.PatchAs(ctx, "default", "web", tc.pt, []byte(tc.patch))
		if err != nil || images(got) != tc.want {
			t.Fatalf("%s %s: %v %v, want %s", tc.pt, tc.patch, err, got, tc.want)
		}
	}
	if got, _ := c.Get(ctx, "default", "web"); got.Labels["a"] != "b" {
		t.Fatalf("the JSON patch's label is not there: %v", got.Labels)
	}
	many := "[" + strings.Repeat(`{"op":"test","path":"/kind","value":"Pod"},`, maxJSONPatchOperations) + `{"op":"test","path":"/kind","value":"Pod"}]`
	for _, tc := range []struct {
		pt, patch string
		code      int32
		msg       string
	}{
		{"application/json-patch+json", `[{"op":"test","path":"/spec/containers/1/name","value":"web"}]`, 422, "test failed"},
		{"application/json-patch+json", `[{"op":"remove","path":"/spec/nope"}]`, 422, "nope"},
		{"application/json-patch+json", `[{"op":"replace","path":""}]`, 422, "could not be applied"},
		{"application/json-patch+json", `{"spec":{}}`, 400, ""},
		{"application/json-patch+json", many, 413, "The allowed maximum operations in a JSON patch is 10000, got 10001"},
		{"application/strategic-merge-patch+json", `[{"op":"test"}]`, 400, ""},
		{"application/strategic-merge-patch+json", `{"spec":{"containers":[{"name":"web","$patch":"delete"}]}}`, 422, "Forbidden"},
		{"application/merge-patch+json", `{"spec":`, 400, ""},
	} {
		_, err := c.PatchAs(ctx, "default", "web", tc.pt, []byte(tc.patch))
		var st apierrors.APIStatus
		if !errors.As(err, &st) || st.Status().Code != tc.code || !strings.Contains(st.Status().Message, tc.msg) {
			t.Errorf("%s %.60s: %v, want %d %q", tc.pt, tc.patch, err, tc.code, tc.msg)
		}
	}
}
