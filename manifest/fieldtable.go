package manifest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// FieldTable is the README's table of the fields of a Pod: its metadata and spec, a
// container, a volume and both security contexts, each with what podd does with it. It is
// made from the supported tree (what apply accepts), so it cannot drift from it, and from
// refusedWhy for what apply refuses.
func FieldTable() string {
	var b strings.Builder
	for _, s := range tableSections {
		fmt.Fprintf(&b, "\n| %s | podd |\n|---|---|\n", s.title)
		n := podTree.at(s.path)
		t := derefType(podTree.typeAt(s.path))
		for _, name := range sortedKeys(jsonFields(t)) {
			if s.skip[name] {
				continue
			}
			path := strings.TrimPrefix(s.path+"."+name, ".")
			fmt.Fprintf(&b, "| `%s` | %s |\n", path, support(n.get(name), jsonFields(t)[name], path))
		}
	}
	return b.String()
}

var tableSections = []struct {
	title, path string
	skip        map[string]bool // rows of their own below
}{
	{"Pod metadata", "metadata", nil},
	{"Pod spec", "spec", map[string]bool{"containers": true, "initContainers": true, "volumes": true, "securityContext": true}},
	{"Container (also init containers)", "spec.containers[]", map[string]bool{"securityContext": true}},
	{"Container securityContext", "spec.containers[].securityContext", nil},
	{"Pod securityContext", "spec.securityContext", nil},
	{"Volume", "spec.volumes[]", nil},
}

// refusedWhy says why apply refuses a field; a field not here is simply not implemented yet.
var refusedWhy = map[string]string{
	"metadata.generateName":                "a pod needs its name here (no API server generates one)",
	"metadata.ownerReferences":             "no controllers: nothing owns a pod",
	"metadata.finalizers":                  "no controllers run finalizers",
	"metadata.managedFields":               "an API server's bookkeeping",
	"metadata.deletionTimestamp":           "set by `podctl delete`, not by a manifest",
	"metadata.deletionGracePeriodSeconds":  "set by `podctl delete`, not by a manifest",
	"metadata.selfLink":                    "deprecated",
	"spec.affinity":                        "one node: nothing to schedule",
	"spec.nodeSelector":                    "one node: nothing to schedule",
	"spec.tolerations":                     "one node: nothing to schedule",
	"spec.topologySpreadConstraints":       "one node: nothing to schedule",
	"spec.schedulingGates":                 "one node: nothing to schedule",
	"spec.priority":                        "one node, no preemption",
	"spec.priorityClassName":               "one node, no preemption",
	"spec.preemptionPolicy":                "one node, no preemption",
	"spec.serviceAccountName":              "no API server: no service account tokens",
	"spec.serviceAccount":                  "no API server: no service account tokens",
	"spec.automountServiceAccountToken":    "no API server: no service account tokens",
	"spec.readinessGates":                  "set by controllers that podd does not have",
	"spec.runtimeClassName":                "one runtime: podd",
	"spec.overhead":                        "set from a RuntimeClass",
	"spec.resourceClaims":                  "dynamic resource allocation needs a control plane",
	"spec.containers[].resources":          "claims need a control plane; cpu and memory requests and limits are supported",
	"spec.volumes[].persistentVolumeClaim": "a cluster volume: needs a control plane",
	"spec.volumes[].ephemeral":             "a cluster volume: needs a control plane",
	"spec.volumes[].csi":                   "needs a CSI node plugin",
}

// support is the table's second column for the field at path of Go type t, whose supported
// subtree is n (nil: none).
func support(n *node, t reflect.Type, path string) string {
	if n == nil {
		if why, ok := refusedWhy[path]; ok {
			return "refused: " + why
		}
		return "refused: not implemented"
	}
	all, some := coverage(n, t, 0)
	if all {
		return "yes"
	}
	if !some {
		return "only `{}`"
	}
	lacks := unsupportedChildren(n, t)
	msg := "partly: not " + strings.Join(lacks, ", ")
	if why, ok := refusedWhy[path]; ok {
		msg += " (" + why + ")"
	}
	return msg
}

// coverage tells whether every leaf below t is supported by n, and whether any is.
func coverage(n *node, t reflect.Type, depth int) (all, some bool) {
	if n == nil {
		return false, false
	}
	t = derefType(t)
	if n.any || depth > 12 || leafChecks[t] != nil {
		return true, true
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Map:
		if t.Kind() == reflect.Map || !isStruct(t.Elem()) {
			return true, true // a list of scalars, a map: the whole value
		}
		return coverage(n.elem, t.Elem(), depth+1)
	case reflect.Struct:
		all, some = true, false
		for name, ft := range jsonFields(t) {
			a, s := coverage(n.children[name], ft, depth+1)
			all, some = all && a, some || s
		}
		return all, some
	}
	return true, true
}

func isStruct(t reflect.Type) bool { return derefType(t).Kind() == reflect.Struct }

// unsupportedChildren names what n lacks below t: a field none of whose leaves is supported
// by its name, one partly supported by what it lacks (paths relative to t, at most 8).
func unsupportedChildren(n *node, t reflect.Type) []string {
	var out []string
	missing(n, t, "", &out)
	if len(out) > 8 {
		out = append(out[:8], "...")
	}
	return out
}

func missing(n *node, t reflect.Type, prefix string, out *[]string) {
	t = derefType(t)
	if t.Kind() == reflect.Slice && isStruct(t.Elem()) {
		t, n = derefType(t.Elem()), n.elem
	}
	if n == nil || t.Kind() != reflect.Struct {
		return
	}
	fields := jsonFields(t)
	for _, name := range sortedKeys(fields) {
		c := n.children[name]
		switch all, some := coverage(c, fields[name], 1); {
		case all:
		case !some:
			*out = append(*out, "`"+prefix+name+"`")
		default:
			missing(c, fields[name], prefix+name+".", out)
		}
	}
}

// at returns the supported node at a dotted path ("[]" steps into a list), or nil.
func (n *node) at(path string) *node {
	for seg := range strings.SplitSeq(path, ".") {
		if n == nil {
			return nil
		}
		name, list := strings.CutSuffix(seg, "[]")
		n = n.children[name]
		if list && n != nil {
			n = n.elem
		}
	}
	return n
}

// get is the supported child name of n (n may be nil).
func (n *node) get(name string) *node {
	if n == nil {
		return nil
	}
	return n.children[name]
}

// typeAt is the Go type at a dotted path of the schema.
func (n *node) typeAt(path string) reflect.Type {
	t := n.typ
	for seg := range strings.SplitSeq(path, ".") {
		name, list := strings.CutSuffix(seg, "[]")
		t = derefType(jsonFields(derefType(t))[name])
		if list {
			t = derefType(t.Elem())
		}
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
