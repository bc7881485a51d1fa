package runtime

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// expand replaces the $(NAME) references in s that lookup knows, as the kubelet does (its
// forked golang expansion): "$$" is a literal "$", an unknown $(NAME) stays as it is, and a
// "$" that starts no reference ("$x", "${x}", an unclosed "$(", a trailing "$") is kept.
func expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			ref := s[i : i+3+end]
			if v, ok := lookup(ref[2 : len(ref)-1]); ok {
				ref = v
			}
			b.WriteString(ref)
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandEnv expands each env value with the variables defined before it in the list, as the
// kubelet does, and returns the values and the map of them (for command and args).
func expandEnv(env []corev1.EnvVar) ([]corev1.EnvVar, map[string]string) {
	vars := make(map[string]string, len(env))
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	out := make([]corev1.EnvVar, len(env))
	for i, e := range env {
		e.Value = expand(e.Value, lookup)
		vars[e.Name] = e.Value
		out[i] = e
	}
	return out, vars
}

// expandAll expands every string of list with vars.
func expandAll(list []string, vars map[string]string) []string {
	if len(list) == 0 {
		return list
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = expand(s, lookup)
	}
	return out
}
