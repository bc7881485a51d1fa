package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// A fieldSelector selects pods by the API server's pod fields, in lists (objects and tables,
// visited or listed) and watches; a field pods do not have is a 400 naming it. Before, it was
// ignored: every pod came back, and a watch of one pod by metadata.name streamed them all.
func TestPodFieldSelector(t *testing.T) {
	b := threePods()
	b.pods[1].Status.Phase = corev1.PodPending // db
	for _, c := range []struct{ query, want string }{
		{"fieldSelector=status.phase%3DRunning", "web-1,web-2,web-3"},
		{"fieldSelector=status.phase!%3DRunning", "db"},
		{"fieldSelector=metadata.name%3Dweb-2", "web-2"},
		{"fieldSelector=metadata.namespace%3Dother,status.podIP%3D10.88.0.9", "web-3"},
		{"fieldSelector=spec.hostNetwork%3Dtrue", ""},
		{"fieldSelector=status.phase%3DRunning&labelSelector=tier%3Dfront", "web-2"},
	} {
		for _, backend := range []Backend{b, listOnly{b}} {
			if got := cells(decodeTable(t, serveHTTP(backend, "/api/v1/pods?"+c.query, kubectlAccept)), 0); got != c.want {
				t.Errorf("table of %s: %s, want %s", c.query, got, c.want)
			}
		}
		w := serveHTTP(b, "/api/v1/pods?"+c.query, "")
		var list corev1.PodList
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || w.Code != http.StatusOK {
			t.Fatalf("list of %s: %d %v", c.query, w.Code, err)
		}
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		if got := strings.Join(names, ","); got != c.want {
			t.Errorf("list of %s: %s, want %s", c.query, got, c.want)
		}
	}
	w := serveHTTP(b, "/api/v1/pods?fieldSelector=spec.containers%3Dx", "")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "fieldSelector: field label not supported: spec.containers") {
		t.Errorf("unknown field: %d %s", w.Code, w.Body)
	}
	w = serveHTTP(b, "/api/v1/pods?fieldSelector=status.phase", "")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "fieldSelector: invalid value") {
		t.Errorf("bad selector: %d %s", w.Code, w.Body)
	}
}
