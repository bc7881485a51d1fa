package api

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podd/podd/podopts"
)

// DryRunner is a Backend that can say what a pod write would do without doing it: the API
// server's dryRun=All (kubectl's --dry-run=server). The runtime has it.
type DryRunner interface {
	DryRun(ctx context.Context, pod *corev1.Pod, w podopts.Write) (*corev1.Pod, podopts.ApplyResult, error)
}

// ConfigDryRunner is a ConfigBackend that can say what storing an object would do.
type ConfigDryRunner interface {
	DryRunConfigMap(cm *corev1.ConfigMap) (*corev1.ConfigMap, string, error)
	DryRunSecret(s *corev1.Secret) (*corev1.Secret, string, error)
}

// dryRunRoutes are the routes that honour ?dryRun=All; any other request naming dryRun is
// refused (400) rather than done for real.
var dryRunRoutes = map[string]bool{
	"POST /api/v1/namespaces/{ns}/pods":                true,
	"PATCH /api/v1/namespaces/{ns}/pods/{name}":        true,
	"DELETE /api/v1/namespaces/{ns}/pods/{name}":       true,
	"POST /api/v1/namespaces/{ns}/configmaps":          true,
	"POST /api/v1/namespaces/{ns}/secrets":             true,
	"DELETE /api/v1/namespaces/{ns}/configmaps/{name}": true,
	"DELETE /api/v1/namespaces/{ns}/secrets/{name}":    true,
}

// gateDryRun checks ?dryRun before mux routes the request: each value must be "All", and the
// route must honour it (a GET ignores it, as the API server does).
func gateDryRun(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, given := r.URL.Query()["dryRun"]; given && r.Method != http.MethodGet {
			_, pattern := mux.Handler(r)
			if _, err := dryRun(r); err != nil {
				writeError(w, err)
				return
			}
			if !dryRunRoutes[pattern] {
				writeError(w, apierrors.NewBadRequest(fmt.Sprintf("dryRun is not supported by %s %s", r.Method, r.URL.Path)))
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// dryRun reads ?dryRun: true for "All" (kubectl's --dry-run=server), false when absent.
func dryRun(r *http.Request) (bool, error) {
	values := r.URL.Query()["dryRun"]
	for _, v := range values {
		if v != "All" {
			return false, apierrors.NewBadRequest(fmt.Sprintf("dryRun: Unsupported value: %q: supported values: \"All\"", v))
		}
	}
	return len(values) > 0, nil
}

// dryRunner is the backend's DryRunner, or the 405 of one without it.
func (h *handlers) dryRunner() (DryRunner, error) {
	if d, ok := h.b.(DryRunner); ok {
		return d, nil
	}
	return nil, apierrors.NewMethodNotSupported(podsResource, "dry run")
}
