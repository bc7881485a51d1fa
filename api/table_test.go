package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podd/podd/api/client"
	"github.com/podd/podd/internal/testutil"
	"github.com/podd/podd/podtable"
)

// podsBackend serves Get and List from a fixed set of pods (the rest of Backend is not called).
type podsBackend struct {
	Backend
	pods []corev1.Pod
}

func (b *podsBackend) Get(ns, name string) (*corev1.Pod, error) {
	for i := range b.pods {
		if b.pods[i].Namespace == ns && b.pods[i].Name == name {
			return b.pods[i].DeepCopy(), nil
		}
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
}

func (b *podsBackend) List(ns string) ([]corev1.Pod, error) {
	out := make([]corev1.Pod, 0, len(b.pods))
	for i := range b.pods {
		if ns == "" || b.pods[i].Namespace == ns {
			out = append(out, corev1.Pod{})
			b.pods[i].DeepCopyInto(&out[len(out)-1])
		}
	}
	return out, nil
}

// VisitPods shows f the pods themselves, sorted (as podd's runtime does, under each pod's lock).
func (b *podsBackend) VisitPods(ns string, f func(*corev1.Pod)) error {
	ps := make([]*corev1.Pod, 0, len(b.pods))
	for i := range b.pods {
		if ns == "" || b.pods[i].Namespace == ns {
			ps = append(ps, &b.pods[i])
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Namespace != ps[j].Namespace {
			return ps[i].Namespace < ps[j].Namespace
		}
		return ps[i].Name < ps[j].Name
	})
	for _, p := range ps {
		f(p)
	}
	return nil
}

// listOnly hides a backend's VisitPods: its tables are made from List's copies.
type listOnly struct{ Backend }

// labelled is a running pod of one ready container, created ten minutes ago.
func labelled(ns, name string, lbls map[string]string) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls, UID: types.UID("uid-" + name),
		CreationTimestamp: metav1.NewTime(time.Now().Add(-10 * time.Minute))}}
	p.Spec.Containers = []corev1.Container{{Name: "c", Image: "/images/busybox"}}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "10.88.0.9"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	return p
}

func threePods() *podsBackend {
	return &podsBackend{pods: []corev1.Pod{
		labelled("default", "web-2", map[string]string{"app": "web", "tier": "front"}),
		labelled("default", "db", map[string]string{"app": "db"}),
		labelled("default", "web-1", map[string]string{"app": "web"}),
		labelled("other", "web-3", map[string]string{"app": "web"}),
	}}
}

// serveHTTP sends one request straight to the routes (no socket, no peer check).
func serveHTTP(b Backend, path, accept string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	routes(b).ServeHTTP(w, r)
	return w
}

const kubectlAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

func TestWantsTable(t *testing.T) {
	for _, c := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"application/json", false},
		{kubectlAccept, true},
		{"application/json; as=Table; v=v1; g=meta.k8s.io", true},
		{`application/json;as="Table";v=v1;g=meta.k8s.io`, true},
		{"APPLICATION/JSON;as=Table;v=v1;g=meta.k8s.io", true},
		{"application/json;as=Table;v=v1beta1;g=meta.k8s.io", false}, // a version podd does not serve
		{"application/json;as=Table;v=v1;g=other.io", false},         // another group
		{"application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", false},
		{"application/yaml;as=Table;v=v1;g=meta.k8s.io", false},                  // only JSON
		{"application/json,application/json;as=Table;v=v1;g=meta.k8s.io", false}, // the object first
		{"application/json;q=0.5,application/json;as=Table;v=v1;g=meta.k8s.io", true},
		{"application/json;as=Table;v=v1;g=meta.k8s.io;q=0,application/json", false},
		{"application/json;as=Table;v=v1;g=meta.k8s.io;q=0.9,*/*;q=0.8", true},
		{"text/html,application/json;as=Table;v=v1;g=meta.k8s.io", true}, // what podd cannot answer is passed over
		{"*/*,application/json;as=Table;v=v1;g=meta.k8s.io", false},
		{`application/json;x="a,b";as=Table;v=v1;g=meta.k8s.io`, true}, // a quoted comma
		{"garbage;;,application/json;as=Table;v=v1;g=meta.k8s.io", true},
	} {
		if got := wantsTable(c.accept); got != c.want {
			t.Errorf("wantsTable(%q) = %v, want %v", c.accept, got, c.want)
		}
	}
}

// decodeTable checks the answer is a 200 Table with podd's table media type and decodes it.
func decodeTable(t *testing.T, w *httptest.ResponseRecorder) *metav1.Table {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != tableMediaType {
		t.Fatalf("code %d, Content-Type %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var tab metav1.Table
	if err := json.Unmarshal(w.Body.Bytes(), &tab); err != nil {
		t.Fatal(err)
	}
	if tab.Kind != "Table" || tab.APIVersion != "meta.k8s.io/v1" {
		t.Fatalf("kind %q apiVersion %q", tab.Kind, tab.APIVersion)
	}
	return &tab
}

func cells(tab *metav1.Table, col int) string {
	var out []string
	for _, r := range tab.Rows {
		out = append(out, fmt.Sprint(r.Cells[col]))
	}
	return strings.Join(out, ",")
}

func TestListTable(t *testing.T) {
	b := threePods()
	tab := decodeTable(t, serveHTTP(b, "/api/v1/namespaces/default/pods", kubectlAccept))
	if len(tab.ColumnDefinitions) != 9 || tab.ColumnDefinitions[0].Name != "Name" || tab.ColumnDefinitions[5].Priority != 1 {
		t.Fatalf("columns %+v", tab.ColumnDefinitions)
	}
	if got := cells(tab, 0); got != "db,web-1,web-2" {
		t.Fatalf("names %s", got)
	}
	want := []any{"web-1", "1/1", "Running", "0", "10m", "10.88.0.9", "<none>", "<none>", "<none>"}
	if fmt.Sprint(tab.Rows[1].Cells) != fmt.Sprint(want) {
		t.Fatalf("cells %q, want %q", tab.Rows[1].Cells, want)
	}
	var m metav1.PartialObjectMetadata // includeObject defaults to Metadata
	if err := json.Unmarshal(tab.Rows[1].Object.Raw, &m); err != nil || m.Kind != "PartialObjectMetadata" || m.Name != "web-1" || m.Labels["app"] != "web" {
		t.Fatalf("row object %s: %v", tab.Rows[1].Object.Raw, err)
	}
	tab = decodeTable(t, serveHTTP(b, "/api/v1/pods?labelSelector=app%3Dweb&includeObject=None", kubectlAccept))
	if got := cells(tab, 0); got != "web-1,web-2,web-3" || tab.Rows[0].Object.Raw != nil {
		t.Fatalf("all namespaces, app=web: %s, object %s", got, tab.Rows[0].Object.Raw)
	}
	tab = decodeTable(t, serveHTTP(b, "/api/v1/namespaces/default/pods/db?includeObject=Object", kubectlAccept))
	var p corev1.Pod
	if err := json.Unmarshal(tab.Rows[0].Object.Raw, &p); err != nil || len(tab.Rows) != 1 || p.Kind != "Pod" || p.Spec.Containers[0].Name != "c" {
		t.Fatalf("get as a table: %d rows, object %s: %v", len(tab.Rows), tab.Rows[0].Object.Raw, err)
	}
}

// TestVisitedTableIsListedTable checks that a table made while visiting the pods (no copies)
// says the same as one made from List's copies, for every includeObject and a selector, and
// that its row objects do not share the backend's maps.
func TestVisitedTableIsListedTable(t *testing.T) {
	b := threePods()
	for _, q := range []string{"", "?includeObject=None", "?includeObject=Object", "?labelSelector=app%3Dweb", "?labelSelector=x%3Dy"} {
		for _, path := range []string{"/api/v1/pods", "/api/v1/namespaces/default/pods", "/api/v1/namespaces/none/pods"} {
			visited := serveHTTP(b, path+q, kubectlAccept)
			listed := serveHTTP(listOnly{b}, path+q, kubectlAccept)
			if visited.Code != http.StatusOK || visited.Body.String() != listed.Body.String() {
				t.Errorf("%s%s: visited %d %s\nlisted %d %s", path, q, visited.Code, visited.Body, listed.Code, listed.Body)
			}
		}
	}
	tab := podtable.NewTable()
	if err := b.VisitPods("default", func(p *corev1.Pod) {
		tab.Rows = append(tab.Rows, podtable.CopiedRow(p, time.Now(), metav1.IncludeMetadata))
	}); err != nil {
		t.Fatal(err)
	}
	b.pods[1].Labels["app"] = "changed" // db, the first row
	if m := tab.Rows[0].Object.Object.(*metav1.PartialObjectMetadata); m.Name != "db" || m.Labels["app"] != "db" {
		t.Fatalf("row object shares the pod's labels: %+v", m.ObjectMeta)
	}
}

func TestListTableFallsBack(t *testing.T) {
	b := threePods()
	for _, accept := range []string{"", "application/json", "application/json;as=Table;v=v1beta1;g=meta.k8s.io"} {
		w := serveHTTP(b, "/api/v1/namespaces/default/pods?includeObject=bogus", accept)
		var list corev1.PodList
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || w.Code != http.StatusOK || list.Kind != "PodList" || len(list.Items) != 3 {
			t.Fatalf("Accept %q: %d %s", accept, w.Code, w.Body)
		}
		w = serveHTTP(b, "/api/v1/namespaces/default/pods/db", accept)
		if !strings.Contains(w.Body.String(), `"kind":"Pod"`) || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("get with Accept %q: %s", accept, w.Body)
		}
	}
}

func TestBadTableQuery(t *testing.T) {
	b := threePods()
	for _, c := range []struct{ path, accept, field string }{
		{"/api/v1/pods?includeObject=All", kubectlAccept, "includeObject"},
		{"/api/v1/namespaces/default/pods/db?includeObject=all", kubectlAccept, "includeObject"},
		{"/api/v1/pods?labelSelector=app%3D%3Dweb%3Dx", kubectlAccept, "labelSelector"},
		{"/api/v1/namespaces/default/pods?labelSelector=a+in+b", "", "labelSelector"},
	} {
		w := serveHTTP(b, c.path, c.accept)
		var st metav1.Status
		if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || w.Code != http.StatusBadRequest ||
			st.Reason != metav1.StatusReasonBadRequest || !strings.HasPrefix(st.Message, c.field+": ") {
			t.Errorf("%s: %d %s", c.path, w.Code, w.Body)
		}
	}
}

func TestSelectorOnList(t *testing.T) {
	b := threePods()
	for sel, want := range map[string]int{"app=web": 2, "app!=web": 1, "tier": 1, "app in (web,db)": 3, "": 3, "x=y": 0} {
		w := serveHTTP(b, "/api/v1/namespaces/default/pods?labelSelector="+strings.ReplaceAll(sel, " ", "+"), "")
		var list corev1.PodList
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Items) != want {
			t.Errorf("labelSelector=%q: %d pods, want %d (%s)", sel, len(list.Items), want, w.Body)
		}
	}
}

// TestTableThroughClient checks client.ListTable and GetTable against podd's server.
func TestTableThroughClient(t *testing.T) {
	testutil.RequireRoot(t) // the server only answers root peers
	path := filepath.Join(t.TempDir(), "podd.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := Serve(l, threePods())
	t.Cleanup(func() { srv.Close() })
	c, ctx := client.New(path), context.Background()
	tab, err := c.ListTable(ctx, "", client.ListOptions{LabelSelector: "app=web,tier!=front"}, metav1.IncludeNone)
	if err != nil || cells(tab, 0) != "web-1,web-3" || tab.Rows[0].Object.Raw != nil {
		t.Fatalf("list table: %v %+v", err, tab)
	}
	tab, err = c.GetTable(ctx, "other", "web-3", "")
	if err != nil || cells(tab, 0) != "web-3" || len(tab.Rows[0].Object.Raw) == 0 {
		t.Fatalf("get table: %v %+v", err, tab)
	}
	if _, err := c.GetTable(ctx, "other", "nope", ""); !apierrors.IsNotFound(err) {
		t.Fatalf("get table of a missing pod: %v", err)
	}
	if _, err := c.List(ctx, "default", client.ListOptions{LabelSelector: "a b"}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "labelSelector") {
		t.Fatalf("bad selector: %v", err)
	}
	pods, err := c.List(ctx, "default", client.ListOptions{LabelSelector: "app=db"})
	if err != nil || len(pods) != 1 || pods[0].Name != "db" {
		t.Fatalf("list app=db: %v %v", pods, err)
	}
}
