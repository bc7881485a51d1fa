package manifest

import (
	"reflect"
	"strings"
)

// jsonFields returns the JSON keys of struct type t with their Go types,
// following embedded structs the way encoding/json does (",inline" in
// k8s.io/api).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	addJSONFields(fields, t)
	return fields
}

func addJSONFields(fields map[string]reflect.Type, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case name == "" && f.Anonymous && derefType(f.Type).Kind() == reflect.Struct:
			addJSONFields(fields, derefType(f.Type))
		case !f.IsExported():
		case name == "":
			fields[f.Name] = f.Type
		default:
			fields[name] = f.Type
		}
	}
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
