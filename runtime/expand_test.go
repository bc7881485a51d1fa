package runtime

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "B": "b", "EMPTY": "", "REF": "$(A)"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"$(A)", "a"},
		{"x$(A)y$(B)z", "xaybz"},
		{"$(A)$(A)", "aa"},
		{"foo$(EMPTY)bar", "foobar"},
		{"$(REF)", "$(A)"}, // a value is not expanded again
		{"$(UNDEFINED)", "$(UNDEFINED)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$a"},
		{"$$$$$$(UNDEFINED)", "$$$(UNDEFINED)"},
		{"$$$$$$$(A)", "$$$a"},
		{"$A", "$A"},
		{"${A}", "${A}"},
		{"$?_x_$!", "$?_x_$!"},
		{"$A)", "$A)"},
		{"x$(Aoops", "x$(Aoops"},
		{"$(B)__$(", "b__$("},
		{"--$($($(--", "--$($($(--"},
		{"$(A)end$", "aend$"},
		{"$", "$"},
		{"$()", "$()"},
		{"$(a$$b)", "$(a$$b)"},
		{`\$(A`, `\$(A`},
		{"é$(A)ü", "éaü"},
	} {
		if got := expand(c.in, lookup); got != c.want {
			t.Errorf("expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestExpandEnvInOrder(t *testing.T) {
	env, vars := expandEnv([]corev1.EnvVar{
		{Name: "A", Value: "1"}, {Name: "B", Value: "$(A)-$(C)"}, {Name: "C", Value: "3"}, {Name: "A", Value: "$(A)$(A)"},
	})
	got := []string{}
	for _, e := range env {
		got = append(got, e.Name+"="+e.Value)
	}
	// B sees only what is defined before it; a redefinition sees the earlier value.
	if want := []string{"A=1", "B=1-$(C)", "C=3", "A=11"}; !slices.Equal(got, want) {
		t.Errorf("expandEnv = %q, want %q", got, want)
	}
	if args := expandAll([]string{"echo", "$(A)", "$(B)", "$$(A)"}, vars); !slices.Equal(args, []string{"echo", "11", "1-$(C)", "$(A)"}) {
		t.Errorf("expandAll = %q", args)
	}
}
