package runtime

import (
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// checkRecord refuses a record podd cannot have written: one naming another uid than its
// directory's, with no container, or whose names that become paths (namespace and name: the
// log directory; containers: cgroup, writable layer, logs; volumes: their directories) are not
// the DNS names apply accepts, or repeat. A damaged record must never make podd create, kill
// or remove anything outside what its uid owns.
func checkRecord(obj *corev1.Pod, uid string) error {
	if string(obj.UID) != uid {
		return fmt.Errorf("the record names uid %q", obj.UID)
	}
	if len(obj.Spec.Containers) == 0 {
		return errors.New("the record has no containers")
	}
	errs := []error{
		checkName("metadata.namespace", obj.Namespace, validation.IsDNS1123Label),
		checkName("metadata.name", obj.Name, validation.IsDNS1123Subdomain),
	}
	seen := map[string]bool{}
	for i, c := range obj.Spec.Containers {
		errs = append(errs, checkUnique(fmt.Sprintf("spec.containers[%d].name", i), c.Name, seen))
	}
	seen = map[string]bool{}
	for i, v := range obj.Spec.Volumes {
		errs = append(errs, checkUnique(fmt.Sprintf("spec.volumes[%d].name", i), v.Name, seen))
	}
	return errors.Join(errs...)
}

// checkUnique checks a DNS label not seen before.
func checkUnique(field, name string, seen map[string]bool) error {
	if seen[name] {
		return fmt.Errorf("%s: %q repeats", field, name)
	}
	seen[name] = true
	return checkName(field, name, validation.IsDNS1123Label)
}

func checkName(field, name string, check func(string) []string) error {
	if msgs := check(name); len(msgs) > 0 {
		return fmt.Errorf("%s: %q: %s", field, name, strings.Join(msgs, "; "))
	}
	return nil
}
