package invalid

import (
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestPod(t *testing.T) {
	image := field.NewPath("spec", "containers").Index(0).Child("image")
	odd := &field.Error{Type: "FieldValueUnknown", Field: "spec.bogus", Detail: "unknown field"}
	err := Pod("web", "spec.containers[0].image: Required value\nspec.bogus: unknown field",
		field.Required(image, ""), odd)
	st := err.Status()
	if !apierrors.IsInvalid(err) || st.Code != http.StatusUnprocessableEntity ||
		err.Error() != "spec.containers[0].image: Required value\nspec.bogus: unknown field" {
		t.Fatalf("%d %s %q", st.Code, st.Reason, err.Error())
	}
	d := st.Details
	if d.Kind != "Pod" || d.Name != "web" || len(d.Causes) != 2 {
		t.Fatalf("details %+v", d)
	}
	if c := d.Causes[0]; c.Field != "spec.containers[0].image" || c.Message != "Required value" || c.Type != "FieldValueRequired" {
		t.Errorf("cause 0 %+v", c)
	}
	if c := d.Causes[1]; c.Field != "spec.bogus" || c.Message != "unknown field" {
		t.Errorf("cause 1 %+v", c)
	}
}

func TestField(t *testing.T) {
	fe := Field("spec.volumes[0].hostPath", "no such file")
	if fe.Error() != "spec.volumes[0].hostPath: Invalid value: no such file" {
		t.Errorf("%q", fe.Error())
	}
}
