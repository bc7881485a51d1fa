package manifest

import (
	"fmt"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// node is one field of the supported tree, with its Go type in k8s.io/api.
type node struct {
	typ      reflect.Type            // pointers removed
	known    map[string]reflect.Type // JSON keys of typ when it is a struct
	children map[string]*node        // supported keys, for structs and maps
	elem     *node                   // list item or map value
	any      bool                    // accept anything below
}

// podTree is the supported table as a tree rooted at v1.Pod. Building it
// panics if a line of the table does not name a field of the schema.
var podTree = buildTree(reflect.TypeFor[corev1.Pod](), initContainerFields(supported))

func buildTree(t reflect.Type, paths []string) *node {
	root := newNode(t)
	for _, p := range paths {
		if err := root.add(p); err != nil {
			panic(fmt.Sprintf("manifest: supported field %q: %v", p, err))
		}
	}
	return root
}

func newNode(t reflect.Type) *node {
	t = derefType(t)
	n := &node{typ: t}
	if leafChecks[t] != nil {
		return n
	}
	switch t.Kind() {
	case reflect.Struct:
		n.known = jsonFields(t)
	case reflect.Slice, reflect.Map:
		n.elem = newNode(t.Elem())
	}
	return n
}

// add adds a dotted path below n.
func (n *node) add(path string) error {
	if path == "*" {
		n.any = true
		return nil
	}
	seg, rest, _ := strings.Cut(path, ".")
	name, list := strings.CutSuffix(seg, "[]")
	c, err := n.child(name)
	if err != nil {
		return err
	}
	isList := c.typ.Kind() == reflect.Slice
	switch {
	case list && !isList:
		return fmt.Errorf("%s is not a list", name)
	case list:
		c = c.elem
	case isList && rest != "":
		return fmt.Errorf("%s is a list: write %s[]", name, name)
	}
	if rest == "" {
		return nil
	}
	return c.add(rest)
}

// child returns the supported child called name, creating it if needed.
func (n *node) child(name string) (*node, error) {
	if c := n.children[name]; c != nil {
		return c, nil
	}
	t, ok := n.fieldType(name)
	if !ok {
		return nil, fmt.Errorf("%s has no field %s", n.typ, name)
	}
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c := newNode(t)
	n.children[name] = c
	return c, nil
}

// fieldType returns the Go type of key name, if the schema has one.
func (n *node) fieldType(name string) (reflect.Type, bool) {
	switch n.typ.Kind() {
	case reflect.Struct:
		t, ok := n.known[name]
		return t, ok
	case reflect.Map:
		return n.typ.Elem(), true
	}
	return nil, false
}
