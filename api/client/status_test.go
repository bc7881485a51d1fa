package client

import (
	"errors"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestErrorFromStatus: a metav1.Status body comes back as its apimachinery error, as sent; any
// other failure body keeps the answer's code and its text.
func TestErrorFromStatus(t *testing.T) {
	body := `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"web\" not found",` +
		`"reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}`
	err := errorFromStatus(404, []byte(body))
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsNotFound(err) || err.Error() != `pods "web" not found` ||
		se.Status().Details.Name != "web" {
		t.Fatalf("got %T %v", err, err)
	}
	for _, tc := range []struct {
		code int
		body string
		want string
	}{{502, "bad gateway from a proxy", "bad gateway from a proxy"}, {503, "", "Service Unavailable"}} {
		err := errorFromStatus(tc.code, []byte(tc.body))
		if !errors.As(err, &se) || se.Status().Code != int32(tc.code) || err.Error() != tc.want ||
			se.Status().Reason != metav1.StatusReasonUnknown {
			t.Errorf("%d %q: got %v", tc.code, tc.body, err)
		}
	}
}

// TestStatusWithoutCodeTakesTheAnswers: a Status body without a code gets the HTTP one.
func TestStatusWithoutCodeTakesTheAnswers(t *testing.T) {
	err := errorFromStatus(http.StatusConflict, []byte(`{"kind":"Status","reason":"Conflict","message":"m"}`))
	if !apierrors.IsConflict(err) || apierrors.ReasonForError(err) != metav1.StatusReasonConflict {
		t.Fatalf("got %v", err)
	}
	var se *apierrors.StatusError
	if errors.As(err, &se); se.Status().Code != http.StatusConflict {
		t.Errorf("code %d", se.Status().Code)
	}
}
