package configobj

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Env is container c's environment from the pod spec, resolved as the kubelet does: envFrom
// (each key with its prefix, in order), then env, each valueFrom read from the pod, the node
// and the stored objects. p is the container's path (spec.containers[N]). A missing object or
// key that is not optional is a NotFound error on its field with kubelet's words (the container
// then waits in CreateContainerConfigError until the object is there).
func (s *Store) Env(pod *corev1.Pod, c *corev1.Container, facts PodFacts, p *field.Path) ([]corev1.EnvVar, *field.Error) {
	var out []corev1.EnvVar
	for i, from := range c.EnvFrom {
		vars, fe := s.envFrom(pod.Namespace, from, p.Child("envFrom").Index(i))
		if fe != nil {
			return nil, fe
		}
		out = append(out, vars...)
	}
	for i, e := range c.Env {
		if e.ValueFrom == nil {
			out = append(out, corev1.EnvVar{Name: e.Name, Value: e.Value})
			continue
		}
		v, ok, fe := s.valueFrom(pod, c, e.ValueFrom, facts, p.Child("env").Index(i).Child("valueFrom"))
		if fe != nil {
			return nil, fe
		}
		if ok {
			out = append(out, corev1.EnvVar{Name: e.Name, Value: v})
		}
	}
	return out, nil
}

func (s *Store) envFrom(ns string, from corev1.EnvFromSource, p *field.Path) ([]corev1.EnvVar, *field.Error) {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := s.ConfigMap(ns, from.ConfigMapRef.Name)
		if err != nil {
			return nil, missing(err, from.ConfigMapRef.Optional, p.Child("configMapRef", "name"))
		}
		data = cm.Data
	case from.SecretRef != nil:
		sec, err := s.Secret(ns, from.SecretRef.Name)
		if err != nil {
			return nil, missing(err, from.SecretRef.Optional, p.Child("secretRef", "name"))
		}
		data = make(map[string]string, len(sec.Data))
		for k, v := range sec.Data {
			data[k] = string(v)
		}
	}
	out := make([]corev1.EnvVar, 0, len(data))
	for _, k := range slices.Sorted(maps.Keys(data)) {
		out = append(out, corev1.EnvVar{Name: from.Prefix + k, Value: data[k]})
	}
	return out, nil
}

// valueFrom resolves one env valueFrom; ok is false for an optional key that is missing (the
// variable is then not set, as with the kubelet).
func (s *Store) valueFrom(pod *corev1.Pod, c *corev1.Container, src *corev1.EnvVarSource, facts PodFacts, p *field.Path) (string, bool, *field.Error) {
	switch {
	case src.FieldRef != nil:
		v, err := fieldValue(pod, src.FieldRef.FieldPath, facts)
		if err != nil {
			return "", false, field.Invalid(p.Child("fieldRef", "fieldPath"), src.FieldRef.FieldPath, err.Error())
		}
		return v, true, nil
	case src.ResourceFieldRef != nil:
		v, err := resourceValue(pod, c.Name, src.ResourceFieldRef)
		if err != nil {
			return "", false, field.Invalid(p.Child("resourceFieldRef"), src.ResourceFieldRef.Resource, err.Error())
		}
		return v, true, nil
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := s.ConfigMap(pod.Namespace, ref.Name)
		if err != nil {
			return "", false, missing(err, ref.Optional, p.Child("configMapKeyRef", "name"))
		}
		v, ok := cm.Data[ref.Key]
		return keyValue(v, ok, ref.Optional, fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name), p.Child("configMapKeyRef", "key"))
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		sec, err := s.Secret(pod.Namespace, ref.Name)
		if err != nil {
			return "", false, missing(err, ref.Optional, p.Child("secretKeyRef", "name"))
		}
		v, ok := sec.Data[ref.Key]
		return keyValue(string(v), ok, ref.Optional, fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name), p.Child("secretKeyRef", "key"))
	}
	return "", false, field.Required(p, "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
}

func keyValue(v string, found bool, optional *bool, msg string, p *field.Path) (string, bool, *field.Error) {
	if found {
		return v, true, nil
	}
	if optional != nil && *optional {
		return "", false, nil
	}
	return "", false, notFound(p, msg)
}

// Expand replaces $(VAR) in s with VAR's value from env ("NAME=value" entries, the last one
// wins) as the kubelet expands subPathExpr: $$ is a literal $, an undefined $(VAR) stays as it
// is.
func Expand(s string, env []string) string {
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// HasRefs reports whether c's environment reads anything besides literal values.
func HasRefs(c *corev1.Container) bool {
	if len(c.EnvFrom) > 0 {
		return true
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return true
		}
	}
	return false
}
