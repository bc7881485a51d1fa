package api

import (
	"context"
	"net"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
)

// client-go, the library kubectl is built on, against podd's API over its socket: discovery
// finds the core group's pods (with podd's verbs), configmaps, secrets and events; the typed
// client creates, lists by label, watches, patches (strategic merge, kubectl's default), gets
// and deletes a pod, and lists events; a protobuf body (client-go's default for typed clients)
// is a 415, not a JSON error.
func TestClientGo(t *testing.T) {
	_, _, sock := startServer(t)
	cfg := &rest.Config{Host: "http://podd", Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	// client-go's typed clients send protobuf by default, which podd refuses (415): JSON, as
	// kubectl's own requests are.
	cfg.ContentType, cfg.AcceptContentTypes = "application/json", "application/json"
	if err != nil {
		t.Fatal(err)
	}
	_, lists, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	verbs := map[string]metav1.Verbs{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			verbs[l.GroupVersion+" "+r.Name] = r.Verbs
		}
	}
	for _, want := range []string{"v1 pods", "v1 pods/log", "v1 pods/exec", "v1 configmaps", "v1 secrets", "v1 events"} {
		if verbs[want] == nil {
			t.Errorf("discovery lacks %s: %v", want, verbs)
		}
	}
	if v := verbs["v1 pods"]; !slices.Contains(v, "patch") || !slices.Contains(v, "watch") {
		t.Errorf("pods' verbs %v", v)
	}

	cs, err := corev1client.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pods := cs.Pods("default")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "/images/busybox"}}}}
	proto := *cfg
	proto.ContentType = "application/vnd.kubernetes.protobuf"
	if _, err := corev1client.NewForConfigOrDie(&proto).Pods("default").Create(ctx, pod, metav1.CreateOptions{}); !apierrors.IsUnsupportedMediaType(err) {
		t.Fatalf("a protobuf body: %v, want 415", err)
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "web" {
		t.Fatalf("list: %v %v", list, err)
	}
	if none, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=db"}); err != nil || len(none.Items) != 0 {
		t.Fatalf("list app=db: %v %v", none, err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	if ev := <-w.ResultChan(); ev.Type != watch.Added || ev.Object.(*corev1.Pod).Name != "web" {
		t.Errorf("watch's first event: %s %v", ev.Type, ev.Object)
	}
	w.Stop()
	patched, err := pods.Patch(ctx, "web", types.StrategicMergePatchType,
		[]byte(`{"metadata":{"labels":{"tier":"front"}},"spec":{"containers":[{"name":"web","image":"/images/v2"}]}}`), metav1.PatchOptions{})
	if err != nil || patched.Labels["tier"] != "front" || patched.Spec.Containers[0].Image != "/images/v2" {
		t.Fatalf("patch: %v %v", patched, err)
	}
	got, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil || got.Spec.Containers[0].Image != "/images/v2" {
		t.Fatalf("get: %v %v", got, err)
	}
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := pods.Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := pods.Patch(ctx, "web", types.JSONPatchType, []byte(`[]`), metav1.PatchOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("patch of a pod gone: %v", err)
	}
	if _, err := cs.Events("default").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("events: %v", err)
	}
}
