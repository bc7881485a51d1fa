package local

import (
	"fmt"
	"strings"
)

// IsPodType reports whether s names the pod resource, as kubectl spells it.
func IsPodType(s string) bool {
	switch strings.ToLower(s) {
	case "pods", "pod", "po":
		return true
	}
	return false
}

// PodName reads a single pod argument: NAME or pod/NAME.
func PodName(arg string) (string, error) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok {
		return arg, nil
	}
	if !IsPodType(typ) || name == "" {
		return "", fmt.Errorf("podd only knows pods: %q", arg)
	}
	return name, nil
}
