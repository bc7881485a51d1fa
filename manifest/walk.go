package manifest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// walk checks a decoded JSON value (objects as map[string]any, numbers as
// json.Number) against the supported tree: unknown and unsupported keys,
// and values of the wrong JSON type, including malformed quantities.
// A null value counts as absent.
func walk(v any, n *node, p *field.Path) field.ErrorList {
	if v == nil || n.any {
		return nil
	}
	if check := leafChecks[n.typ]; check != nil {
		return check(v, p)
	}
	switch n.typ.Kind() {
	case reflect.Struct:
		return walkObject(v, n, p)
	case reflect.Map:
		if len(n.children) > 0 {
			return walkObject(v, n, p)
		}
		return walkMap(v, n, p)
	case reflect.Slice:
		return walkList(v, n, p)
	}
	return checkScalar(v, n.typ.Kind(), p)
}

// walkObject checks an object whose keys are limited to n's children.
func walkObject(v any, n *node, p *field.Path) field.ErrorList {
	obj, ok := v.(map[string]any)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be an object")}
	}
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		errs = append(errs, walkKey(obj[key], key, n, p)...)
	}
	return errs
}

func walkKey(v any, key string, n *node, p *field.Path) field.ErrorList {
	if c := n.children[key]; c != nil {
		return walk(v, c, p.Child(key))
	}
	if _, known := n.fieldType(key); !known {
		return field.ErrorList{unknownField(p.Child(key))}
	}
	if v == nil {
		return nil
	}
	if n.typ == reflect.TypeFor[corev1.Volume]() {
		return field.ErrorList{clusterVolume(p.Child(key))}
	}
	return field.ErrorList{notImplemented(p.Child(key))}
}

// walkMap checks a map with free keys, such as metadata.labels.
func walkMap(v any, n *node, p *field.Path) field.ErrorList {
	obj, ok := v.(map[string]any)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be an object")}
	}
	var errs field.ErrorList
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		errs = append(errs, walk(obj[key], n.elem, p.Key(key))...)
	}
	return errs
}

func walkList(v any, n *node, p *field.Path) field.ErrorList {
	list, ok := v.([]any)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be a list")}
	}
	var errs field.ErrorList
	for i, item := range list {
		errs = append(errs, walk(item, n.elem, p.Index(i))...)
	}
	return errs
}

func checkScalar(v any, kind reflect.Kind, p *field.Path) field.ErrorList {
	switch kind {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return field.ErrorList{wrongType(p, v, "must be a string")}
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return field.ErrorList{wrongType(p, v, "must be a boolean")}
		}
	case reflect.Int32:
		return checkInt(v, 32, p)
	case reflect.Int64:
		return checkInt(v, 64, p)
	}
	return nil
}

func checkInt(v any, bits int, p *field.Path) field.ErrorList {
	n, ok := v.(json.Number)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be an integer")}
	}
	_, err := strconv.ParseInt(string(n), 10, bits)
	if errors.Is(err, strconv.ErrRange) {
		return field.ErrorList{wrongType(p, v, "must be a "+strconv.Itoa(bits)+"-bit integer")}
	}
	if err != nil {
		return field.ErrorList{wrongType(p, v, "must be an integer")}
	}
	return nil
}

// leafChecks check the types k8s.io/api decodes from strings.
var leafChecks = map[reflect.Type]func(any, *field.Path) field.ErrorList{
	reflect.TypeFor[resource.Quantity]():  checkQuantity,
	reflect.TypeFor[metav1.Time]():        checkTime,
	reflect.TypeFor[intstr.IntOrString](): checkIntOrString,
	reflect.TypeFor[[]byte]():             checkBase64,
}

// checkBase64 accepts the base64 string encoding/json decodes into []byte (Secret data).
func checkBase64(v any, p *field.Path) field.ErrorList {
	s, ok := v.(string)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be a base64 string")}
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return field.ErrorList{field.Invalid(p, "<redacted>", "must be base64: "+err.Error())}
	}
	return nil
}

// checkIntOrString accepts a string or an integer (a probe's port: a number or a port name).
func checkIntOrString(v any, p *field.Path) field.ErrorList {
	switch x := v.(type) {
	case string:
		return nil
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 32); err == nil {
			return nil
		}
	}
	return field.ErrorList{wrongType(p, v, "must be an integer or a string")}
}

func checkQuantity(v any, p *field.Path) field.ErrorList {
	var s string
	switch q := v.(type) {
	case string:
		s = q
	case json.Number:
		s = string(q)
	default:
		return field.ErrorList{wrongType(p, v, "must be a quantity (string or number)")}
	}
	if _, err := resource.ParseQuantity(s); err != nil {
		return field.ErrorList{field.Invalid(p, s, err.Error())}
	}
	return nil
}

func checkTime(v any, p *field.Path) field.ErrorList {
	s, ok := v.(string)
	if !ok {
		return field.ErrorList{wrongType(p, v, "must be an RFC 3339 date and time")}
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return field.ErrorList{field.Invalid(p, s, "must be an RFC 3339 date and time")}
	}
	return nil
}

// wrongType reports a value of the wrong JSON type; objects and lists are
// not repeated in the message.
func wrongType(p *field.Path, v any, detail string) *field.Error {
	switch v.(type) {
	case map[string]any, []any:
		v = field.OmitValueType{}
	}
	return field.TypeInvalid(p, v, detail)
}
