package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxConfigSize is the API server's limit on the data of one ConfigMap or Secret (1 MiB).
const MaxConfigSize = corev1.MaxSecretSize

// objectMetaFields are the metadata fields a ConfigMap or Secret may carry.
var objectMetaFields = []string{
	"apiVersion", "kind",
	"metadata.name", "metadata.namespace", "metadata.labels", "metadata.annotations",
	"metadata.uid", "metadata.creationTimestamp", "metadata.resourceVersion", "metadata.generation",
}

var (
	configMapTree = buildTree(reflect.TypeFor[corev1.ConfigMap](),
		append(slices.Clone(objectMetaFields), "data", "binaryData", "immutable"))
	secretTree = buildTree(reflect.TypeFor[corev1.Secret](),
		append(slices.Clone(objectMetaFields), "data", "stringData", "type", "immutable"))
)

// DecodeConfigMapJSON decodes exactly one ConfigMap from JSON, strictly (unknown fields are
// errors), defaulted and validated with the API server's rules.
func DecodeConfigMapJSON(data []byte) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	if err := decodeStrict(data, "ConfigMap", configMapTree, cm); err != nil {
		return nil, err
	}
	cm.APIVersion, cm.Kind = "v1", "ConfigMap"
	if cm.Namespace == "" {
		cm.Namespace = metav1.NamespaceDefault
	}
	return cm, newError(ValidateConfigMap(cm))
}

// DecodeSecretJSON decodes exactly one Secret from JSON like DecodeConfigMapJSON; stringData is
// merged into data (it wins, as on the API server) and type defaults to Opaque.
func DecodeSecretJSON(data []byte) (*corev1.Secret, error) {
	s := &corev1.Secret{}
	if err := decodeStrict(data, "Secret", secretTree, s); err != nil {
		return nil, err
	}
	s.APIVersion, s.Kind = "v1", "Secret"
	if s.Namespace == "" {
		s.Namespace = metav1.NamespaceDefault
	}
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	errs := validateDataKeys(s.StringData, field.NewPath("stringData"))
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
	return s, newError(append(errs, ValidateSecret(s)...))
}

// decodeStrict reads one JSON object of the given kind, checks it against tree and decodes it
// into out.
func decodeStrict(data []byte, kind string, tree *node, out any) error {
	r := newJSONReader(data)
	v, err := r.next()
	if err == io.EOF {
		return fmt.Errorf("no %s found: the input is empty", kind)
	}
	if err != nil {
		return err
	}
	if len(r.dups) > 0 {
		return newError(r.dups)
	}
	if _, err := r.next(); err != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("expected a %s object, got %s", kind, jsonType(v))
	}
	if errs := checkTypeMeta(obj, nil, []string{kind}, true); len(errs) > 0 {
		return newError(errs)
	}
	if errs := walk(obj, tree, nil); len(errs) > 0 {
		return newError(errs)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(out); err != nil {
		return newError(field.ErrorList{field.InternalError(nil, err)})
	}
	return nil
}

// ValidateConfigMap applies the API server's rules: name, key names, no key in both data and
// binaryData, at most MaxConfigSize bytes of data.
func ValidateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	errs := validateMeta(&cm.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, validateDataKeys(cm.Data, field.NewPath("data"))...)
	errs = append(errs, validateDataKeys(cm.BinaryData, field.NewPath("binaryData"))...)
	size := 0
	for _, k := range slices.Sorted(maps.Keys(cm.BinaryData)) {
		if _, dup := cm.Data[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("binaryData").Key(k), k, "duplicate of key present in data"))
		}
		size += len(cm.BinaryData[k])
	}
	for _, v := range cm.Data {
		size += len(v)
	}
	if size > MaxConfigSize {
		errs = append(errs, field.TooLong(field.NewPath("data"), "", MaxConfigSize))
	}
	return errs
}

// ValidateSecret applies the API server's rules: name, key names, size, and the keys each
// well-known type requires.
func ValidateSecret(s *corev1.Secret) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, field.NewPath("metadata"))
	data := field.NewPath("data")
	errs = append(errs, validateDataKeys(s.Data, data)...)
	size := 0
	for _, v := range s.Data {
		size += len(v)
	}
	if size > MaxConfigSize {
		errs = append(errs, field.TooLong(data, "", MaxConfigSize))
	}
	for _, msg := range validation.IsQualifiedName(string(s.Type)) {
		errs = append(errs, field.Invalid(field.NewPath("type"), s.Type, msg))
	}
	return append(errs, validateSecretType(s, data)...)
}

// validateSecretType checks the keys the well-known secret types require.
func validateSecretType(s *corev1.Secret, data *field.Path) field.ErrorList {
	var errs field.ErrorList
	require := func(key string) {
		if _, ok := s.Data[key]; !ok {
			errs = append(errs, field.Required(data.Key(key), ""))
		}
	}
	requireJSON := func(key string) {
		require(key)
		if v, ok := s.Data[key]; ok && !json.Valid(v) {
			errs = append(errs, field.Invalid(data.Key(key), "<secret contents redacted>", "must be valid JSON"))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		requireJSON(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		requireJSON(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, user := s.Data[corev1.BasicAuthUsernameKey]
		_, pass := s.Data[corev1.BasicAuthPasswordKey]
		if !user && !pass {
			errs = append(errs, field.Required(data.Key(corev1.BasicAuthUsernameKey), "must have at least one of username or password"))
		}
	case corev1.SecretTypeSSHAuth:
		require(corev1.SSHAuthPrivateKey)
	case corev1.SecretTypeTLS:
		require(corev1.TLSCertKey)
		require(corev1.TLSPrivateKeyKey)
	}
	return errs
}

// validateDataKeys checks each key of a data map as the API server does (IsConfigMapKey).
func validateDataKeys[V any](m map[string]V, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, msg))
		}
	}
	return errs
}

// ValidateConfigUpdate refuses what the API server refuses on an update: a Secret's type
// changed, and any change of data in an object marked immutable (or unmarking it).
func ValidateConfigUpdate(oldImmutable *bool, sameData bool, newImmutable *bool, oldType, newType string) field.ErrorList {
	var errs field.ErrorList
	if oldType != newType {
		errs = append(errs, field.Invalid(field.NewPath("type"), newType, "field is immutable"))
	}
	if oldImmutable != nil && *oldImmutable {
		if newImmutable == nil || !*newImmutable {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
		}
		if !sameData {
			errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
		}
	}
	return errs
}
