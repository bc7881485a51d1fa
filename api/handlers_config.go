package api

import (
	"errors"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/manifest"
)

// ConfigBackend stores ConfigMaps and Secrets (the runtime, through its configobj.Store). A
// Backend that does not implement it answers 404 on their paths. Put returns "created",
// "configured" or "unchanged".
type ConfigBackend interface {
	PutConfigMap(cm *corev1.ConfigMap) (*corev1.ConfigMap, string, error)
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	ConfigMaps(namespace string) ([]corev1.ConfigMap, error)
	PutSecret(s *corev1.Secret) (*corev1.Secret, string, error)
	Secret(namespace, name string) (*corev1.Secret, error)
	Secrets(namespace string) ([]corev1.Secret, error)
	// DeleteObject deletes a "configmaps" or "secrets" object.
	DeleteObject(resource, namespace, name string) error
}

// configRoutes adds the configmaps and secrets paths, shaped as the API server's.
func configRoutes(mux *http.ServeMux, b Backend) {
	cb, ok := b.(ConfigBackend)
	if !ok {
		return
	}
	h := &configHandlers{b: cb}
	for _, res := range []string{"configmaps", "secrets"} {
		mux.HandleFunc("GET /api/v1/"+res, h.list(res))
		mux.HandleFunc("GET /api/v1/namespaces/{ns}/"+res, h.list(res))
		mux.HandleFunc("POST /api/v1/namespaces/{ns}/"+res, h.apply(res))
		mux.HandleFunc("GET /api/v1/namespaces/{ns}/"+res+"/{name}", h.get(res))
		mux.HandleFunc("DELETE /api/v1/namespaces/{ns}/"+res+"/{name}", h.delete(res))
	}
}

type configHandlers struct{ b ConfigBackend }

func (h *configHandlers) list(res string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ns := r.PathValue("ns")
		var out any
		var err error
		if res == "configmaps" {
			var items []corev1.ConfigMap
			items, err = h.b.ConfigMaps(ns)
			out = &corev1.ConfigMapList{TypeMeta: metav1.TypeMeta{Kind: "ConfigMapList", APIVersion: "v1"}, Items: items}
		} else {
			var items []corev1.Secret
			items, err = h.b.Secrets(ns)
			out = &corev1.SecretList{TypeMeta: metav1.TypeMeta{Kind: "SecretList", APIVersion: "v1"}, Items: items}
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (h *configHandlers) get(res string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ns, name := r.PathValue("ns"), r.PathValue("name")
		var out any
		var err error
		if res == "configmaps" {
			out, err = h.b.ConfigMap(ns, name)
		} else {
			out, err = h.b.Secret(ns, name)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (h *configHandlers) delete(res string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if dry, _ := dryRun(r); dry { // the object must exist; nothing is removed
			if err := h.exists(res, r.PathValue("ns"), name); err != nil {
				writeError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, successStatus(res, name))
			return
		}
		if err := h.b.DeleteObject(res, r.PathValue("ns"), name); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, successStatus(res, name))
	}
}

// apply decodes the body with manifest's strict decoder (422 naming the field), gives it the
// namespace of the path and stores it.
func (h *configHandlers) apply(res string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, done, err := readBody(w, r)
		defer done()
		if err == nil {
			err = checkNamespace(r.PathValue("ns"), manifestNamespace(body))
		}
		if err != nil {
			writeError(w, err)
			return
		}
		dry, _ := dryRun(r)
		out, result, err := h.put(res, r.PathValue("ns"), body, dry)
		if err != nil {
			writeError(w, err)
			return
		}
		code := http.StatusOK
		if result == "created" {
			code = http.StatusCreated
		}
		w.Header().Set(wire.ApplyResultHeader, result)
		writeJSON(w, code, out)
	}
}

// invalidObject is the 422 of a ConfigMap or Secret the decoder refused.
func invalidObject(kind string, body []byte, err error) error {
	var me *manifest.Error
	if errors.As(err, &me) {
		return invalid.Object(kind, manifestName(body), err.Error(), me.Errs...)
	}
	return invalid.Object(kind, manifestName(body), err.Error())
}

// put decodes body as a res object of namespace ns and stores it, or with dry says what storing
// it would do.
func (h *configHandlers) put(res, ns string, body []byte, dry bool) (out any, result string, err error) {
	d, canDry := h.b.(ConfigDryRunner)
	if dry && !canDry {
		return nil, "", apierrors.NewMethodNotSupported(schema.GroupResource{Resource: res}, "dry run")
	}
	if res == "configmaps" {
		cm, err := manifest.DecodeConfigMapJSON(body)
		if err != nil {
			return nil, "", invalidObject("ConfigMap", body, err)
		}
		cm.Namespace = ns
		if dry {
			return d.DryRunConfigMap(cm)
		}
		return h.b.PutConfigMap(cm)
	}
	s, err := manifest.DecodeSecretJSON(body)
	if err != nil {
		return nil, "", invalidObject("Secret", body, err)
	}
	s.Namespace = ns
	if dry {
		return d.DryRunSecret(s)
	}
	return h.b.PutSecret(s)
}

// exists is nil when the res object is there, its NotFound otherwise.
func (h *configHandlers) exists(res, ns, name string) error {
	var err error
	if res == "configmaps" {
		_, err = h.b.ConfigMap(ns, name)
	} else {
		_, err = h.b.Secret(ns, name)
	}
	return err
}
