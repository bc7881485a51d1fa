package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestLogOptionsRefuseTime: kubectl's time options are refused with 400, never ignored.
func TestLogOptionsRefuseTime(t *testing.T) {
	for _, q := range []string{"sinceSeconds=60", "sinceTime=2024-01-01T00:00:00Z", "timestamps=true"} {
		v, _ := url.ParseQuery(q)
		_, err := logOptions(v)
		var e *apierrors.StatusError
		name := strings.SplitN(q, "=", 2)[0]
		if !errors.As(err, &e) || e.ErrStatus.Code != http.StatusBadRequest || !strings.Contains(e.Error(), name) {
			t.Errorf("%s: got %v; want a 400 naming %s", q, err, name)
		}
	}
	v, _ := url.ParseQuery("timestamps=false&tailLines=3")
	if opts, err := logOptions(v); err != nil || opts.TailLines != 3 {
		t.Errorf("timestamps=false&tailLines=3: %+v, %v", opts, err)
	}
}
