package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podd/podd/internal/invalid"
	"github.com/podd/podd/podopts"
)

// TestErrorsRoundTrip: what the backend returns is what the client gets back, through the real
// server and client: the server writes the error's metav1.Status (code, reason, message,
// details), the client turns it back into an apimachinery error that apierrors.IsX recognizes.
func TestErrorsRoundTrip(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	image := field.NewPath("spec", "containers").Index(0).Child("image")
	cases := []struct {
		err error
		is  func(error) bool
	}{
		{apierrors.NewNotFound(pods, "web"), apierrors.IsNotFound},
		{invalid.Pod("web", "spec.containers[0].image: Required value", field.Required(image, "")), apierrors.IsInvalid},
		{apierrors.NewConflict(pods, "web", errors.New("podd is shutting down")), apierrors.IsConflict},
		{apierrors.NewBadRequest(`container "x" is not valid for pod web`), apierrors.IsBadRequest},
		{apierrors.NewAlreadyExists(pods, "web"), apierrors.IsAlreadyExists},
		{apierrors.NewForbidden(schema.GroupResource{}, "", errors.New("uid 1000 may not use the API")), apierrors.IsForbidden},
		{statusError(http.StatusRequestTimeout, metav1.StatusReasonTimeout, "request body not received within 10s"), apierrors.IsTimeout},
	}
	b, c, _ := startServer(t)
	if _, _, err := c.Apply(context.Background(), "default", []byte(webPod)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		want := tc.err.(apierrors.APIStatus).Status()
		t.Run(string(want.Reason), func(t *testing.T) {
			b.LogsFunc = func(context.Context, podopts.LogOptions, io.Writer) error { return tc.err }
			err := c.Logs(context.Background(), "default", "web", podopts.LogOptions{TailLines: -1}, io.Discard)
			var se *apierrors.StatusError
			if !errors.As(err, &se) || !tc.is(err) {
				t.Fatalf("got %T %v, want a StatusError with reason %s", err, err, want.Reason)
			}
			got := se.Status()
			if got.Code != want.Code || got.Reason != want.Reason || got.Message != want.Message ||
				got.Status != metav1.StatusFailure || !reflect.DeepEqual(got.Details, want.Details) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestInvalidKeepsMessageAndCauses: a 422 says what podd has always said, and carries each field
// path as a cause (what kubectl and client-go read).
func TestInvalidKeepsMessageAndCauses(t *testing.T) {
	_, c, _ := startServer(t)
	bad := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","bogus":1}]}}`
	_, _, err := c.Apply(context.Background(), "default", []byte(bad))
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want a 422 Invalid", err)
	}
	if err.Error() != "spec.containers[0].bogus: unknown field" {
		t.Errorf("message %q", err.Error())
	}
	d := se.Status().Details
	if d == nil || d.Kind != "Pod" || d.Name != "p" || len(d.Causes) != 1 ||
		d.Causes[0].Field != "spec.containers[0].bogus" || d.Causes[0].Message != "unknown field" {
		t.Errorf("details %+v", d)
	}
}

// TestInternalError: an error without a status is a 500 carrying its text.
func TestInternalError(t *testing.T) {
	st := failureStatus(errors.New("disk on fire"))
	if st.Code != 500 || st.Reason != metav1.StatusReasonInternalError || st.Message != "disk on fire" || st.Kind != "Status" {
		t.Errorf("%+v", st)
	}
}
