package manifest

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// UpdateForbidden is the API server's detail for a pod update that changes more than it allows
// (ValidatePodUpdate), after "spec: Forbidden: ".
const UpdateForbidden = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// ValidateUpdate checks that updated, a defaulted pod that replaces old, changes only what the
// API server lets a pod update change: labels and annotations (which it validates), and the
// images of containers and init containers. It returns the field errors, empty when the update
// is allowed; a spec change beyond images is one Forbidden error on "spec", worded as the API
// server's, with the fields that differ appended.
func ValidateUpdate(old, updated *corev1.Pod) field.ErrorList {
	meta := field.NewPath("metadata")
	errs := validateLabels(updated.Labels, meta.Child("labels"))
	errs = append(errs, validateAnnotations(updated.Annotations, meta.Child("annotations"))...)
	munged := updated.Spec.DeepCopy()
	keepImages(munged.Containers, old.Spec.Containers)
	keepImages(munged.InitContainers, old.Spec.InitContainers)
	if !apiequality.Semantic.DeepEqual(*munged, old.Spec) {
		detail := UpdateForbidden
		if d := specDiff(&old.Spec, munged); d != "" {
			detail += "\n" + d
		}
		errs = append(errs, field.Forbidden(field.NewPath("spec"), detail))
	}
	return errs
}

// keepImages gives the updated containers the old images, when the containers are the same ones
// (same count, same names), so that only the images may differ.
func keepImages(updated, old []corev1.Container) {
	if len(updated) != len(old) {
		return
	}
	for i := range updated {
		if updated[i].Name == old[i].Name {
			updated[i].Image = old[i].Image
		}
	}
}

// ChangedImages lists the indexes of the containers (spec.containers) whose image updated
// changes; ValidateUpdate must have allowed the update.
func ChangedImages(old, updated *corev1.Pod) []int {
	return changedImages(old.Spec.Containers, updated.Spec.Containers)
}

// ChangedInitImages is ChangedImages of spec.initContainers.
func ChangedInitImages(old, updated *corev1.Pod) []int {
	return changedImages(old.Spec.InitContainers, updated.Spec.InitContainers)
}

func changedImages(old, updated []corev1.Container) []int {
	var idx []int
	for i := range min(len(old), len(updated)) {
		if old[i].Image != updated[i].Image {
			idx = append(idx, i)
		}
	}
	return idx
}

// specDiff names the first-level spec fields that differ, and for containers which ones: enough
// to see what to undo, where the API server prints a whole object diff.
func specDiff(old, updated *corev1.PodSpec) string {
	a, b := *old, *updated
	a.Containers, b.Containers, a.InitContainers, b.InitContainers = nil, nil, nil, nil
	out := ""
	if !apiequality.Semantic.DeepEqual(a, b) {
		out = "changed: other spec fields than the containers"
	}
	for _, c := range []struct {
		path     string
		old, new []corev1.Container
	}{{"spec.containers", old.Containers, updated.Containers}, {"spec.initContainers", old.InitContainers, updated.InitContainers}} {
		if d := containersDiff(c.path, c.old, c.new); d != "" {
			out = joinLines(out, d)
		}
	}
	return out
}

func containersDiff(path string, old, updated []corev1.Container) string {
	if len(old) != len(updated) {
		return fmt.Sprintf("changed: %s: %d containers instead of %d", path, len(updated), len(old))
	}
	out := ""
	for i := range old {
		if !apiequality.Semantic.DeepEqual(old[i], updated[i]) {
			out = joinLines(out, fmt.Sprintf("changed: %s[%d] (%s)", path, i, updated[i].Name))
		}
	}
	return out
}

func joinLines(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}
