// Package configobj owns podd's ConfigMap and Secret objects: their store under --root (one
// JSON file per object, written atomically, mode 0600, secrets included) and what pods take
// from them: the files of configMap, secret, downwardAPI and projected volumes (written by
// mounts.Project) and the environment of valueFrom and envFrom. Validation is package
// manifest's (the API server's rules); a reference podd cannot satisfy is a field error.
package configobj

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/podd/podd/internal/atomicfile"
	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/manifest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource names, as in the API paths.
const (
	ConfigMaps = "configmaps"
	Secrets    = "secrets"
)

// Apply results, as kubectl prints them.
const (
	Created    = "created"
	Configured = "configured"
	Unchanged  = "unchanged"
)

// Store keeps the objects under <root>/configmaps/<ns>/<name>.json and
// <root>/secrets/<ns>/<name>.json; writers are serialized.
type Store struct {
	dir string
	mu  sync.Mutex
}

// NewStore is the store under root (podd's --root).
func NewStore(root string) *Store { return &Store{dir: root} }

// object is what the store holds.
type object[T any] interface {
	*T
	metav1.Object
}

func (s *Store) path(resource, ns, name string) string {
	return filepath.Join(s.dir, resource, ns, name+".json")
}

// PutConfigMap creates or updates cm (decoded and validated by manifest).
func (s *Store) PutConfigMap(cm *corev1.ConfigMap) (*corev1.ConfigMap, string, error) {
	return put(s, ConfigMaps, cm, configMapUpdate(cm), false)
}

// DryRunConfigMap is what PutConfigMap would answer, storing nothing (dryRun=All).
func (s *Store) DryRunConfigMap(cm *corev1.ConfigMap) (*corev1.ConfigMap, string, error) {
	return put(s, ConfigMaps, cm, configMapUpdate(cm), true)
}

func configMapUpdate(cm *corev1.ConfigMap) func(old *corev1.ConfigMap) error {
	return func(old *corev1.ConfigMap) error {
		same := reflect.DeepEqual(old.Data, cm.Data) && reflect.DeepEqual(old.BinaryData, cm.BinaryData)
		return updateError("ConfigMap", cm.Name, manifest.ValidateConfigUpdate(old.Immutable, same, cm.Immutable, "", ""))
	}
}

// PutSecret creates or updates sec (decoded and validated by manifest).
func (s *Store) PutSecret(sec *corev1.Secret) (*corev1.Secret, string, error) {
	return put(s, Secrets, sec, secretUpdate(sec), false)
}

// DryRunSecret is what PutSecret would answer, storing nothing (dryRun=All).
func (s *Store) DryRunSecret(sec *corev1.Secret) (*corev1.Secret, string, error) {
	return put(s, Secrets, sec, secretUpdate(sec), true)
}

func secretUpdate(sec *corev1.Secret) func(old *corev1.Secret) error {
	return func(old *corev1.Secret) error {
		same := reflect.DeepEqual(old.Data, sec.Data)
		return updateError("Secret", sec.Name,
			manifest.ValidateConfigUpdate(old.Immutable, same, sec.Immutable, string(old.Type), string(sec.Type)))
	}
}

func updateError(kind, name string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return invalid.Object(kind, name, (&manifest.Error{Document: -1, Errs: errs}).Error(), errs...)
}

// put stores obj (with dry, only says what storing it would do); an existing object keeps its
// uid and creation time, and one equal in content is left as it is ("unchanged").
func put[T any, P object[T]](s *Store, resource string, obj P, checkUpdate func(old P) error, dry bool) (P, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := s.path(resource, obj.GetNamespace(), obj.GetName())
	old, err := read[T, P](path)
	result := Created
	switch {
	case err == nil:
		if err := checkUpdate(old); err != nil {
			return nil, "", err
		}
		if sameContent[T, P](old, obj) {
			return old, Unchanged, nil
		}
		obj.SetUID(old.GetUID())
		obj.SetCreationTimestamp(old.GetCreationTimestamp())
		obj.SetResourceVersion(nextVersion(old.GetResourceVersion()))
		result = Configured
	case errors.Is(err, os.ErrNotExist):
		obj.SetUID(types.UID(newUID()))
		obj.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
		obj.SetResourceVersion("1")
	default:
		return nil, "", err
	}
	if dry {
		return obj, result, nil
	}
	if err := write(path, obj); err != nil {
		return nil, "", err
	}
	return obj, result, nil
}

// sameContent compares what a user gives: labels, annotations and the object's data.
func sameContent[T any, P object[T]](old, obj P) bool {
	a, b := *old, *obj // copies
	strip := func(o metav1.Object) {
		o.SetUID("")
		o.SetCreationTimestamp(metav1.Time{})
		o.SetResourceVersion("")
		o.SetGeneration(0)
	}
	pa, pb := P(&a), P(&b)
	strip(pa)
	strip(pb)
	ja, _ := json.Marshal(pa)
	jb, _ := json.Marshal(pb)
	return bytes.Equal(ja, jb)
}

func nextVersion(v string) string {
	n, _ := strconv.ParseUint(v, 10, 64)
	return strconv.FormatUint(n+1, 10)
}

func write(path string, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return atomicfile.Write(path, data, true) // a temporary file of mode 0600, renamed
}

func read[T any, P object[T]](path string) (P, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := P(new(T))
	if err := json.Unmarshal(data, obj); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return obj, nil
}

// newUID is a random RFC 4122 version 4 UUID.
func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ConfigMap is the named ConfigMap, or a NotFound error.
func (s *Store) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	return get[corev1.ConfigMap](s, ConfigMaps, ns, name)
}

// Secret is the named Secret, or a NotFound error.
func (s *Store) Secret(ns, name string) (*corev1.Secret, error) {
	return get[corev1.Secret](s, Secrets, ns, name)
}

func get[T any, P object[T]](s *Store, resource, ns, name string) (P, error) {
	obj, err := read[T, P](s.path(resource, ns, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
	}
	return obj, err
}

// ConfigMaps lists the ConfigMaps of ns ("" for every namespace), by namespace and name.
func (s *Store) ConfigMaps(ns string) ([]corev1.ConfigMap, error) {
	return list[corev1.ConfigMap](s, ConfigMaps, ns)
}

// Secrets lists the Secrets of ns ("" for every namespace), by namespace and name.
func (s *Store) Secrets(ns string) ([]corev1.Secret, error) {
	return list[corev1.Secret](s, Secrets, ns)
}

func list[T any, P object[T]](s *Store, resource, ns string) ([]T, error) {
	pattern := filepath.Join(s.dir, resource, "*", "*.json")
	if ns != "" {
		pattern = filepath.Join(s.dir, resource, ns, "*.json")
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	out := make([]T, 0, len(paths))
	for _, p := range paths {
		obj, err := read[T, P](p)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *obj)
	}
	return out, nil
}

// DeleteObject removes an object of resource (ConfigMaps or Secrets); a missing one is NotFound.
// Volumes already written from it stay as they are, as in Kubernetes.
func (s *Store) DeleteObject(resource, ns, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := os.Remove(s.path(resource, ns, name))
	if errors.Is(err, os.ErrNotExist) {
		return apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
	}
	if err != nil {
		return fmt.Errorf("delete %s %s/%s: %w", resource, ns, name, err)
	}
	return nil
}
