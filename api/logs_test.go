package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// TestLogOptions: the PodLogOptions query parameters as the Kubernetes API names them. Until
// issue 9 the time ones were refused (logs had no timestamps); now they select and print.
func TestLogOptions(t *testing.T) {
	v, _ := url.ParseQuery("timestamps=true&tailLines=3&sinceSeconds=5&limitBytes=100&follow=1&previous=false")
	opts, err := logOptions(v)
	if err != nil || !opts.Timestamps || opts.TailLines != 3 || opts.SinceSeconds != 5 || opts.LimitBytes != 100 || !opts.Follow || opts.Previous {
		t.Errorf("%v: %+v, %v", v, opts, err)
	}
	v, _ = url.ParseQuery("sinceTime=2026-11-30T16:31:05Z")
	if opts, err := logOptions(v); err != nil || !opts.SinceTime.Equal(time.Date(2026, 11, 30, 16, 31, 5, 0, time.UTC)) {
		t.Errorf("sinceTime: %+v, %v", opts, err)
	}
	for _, q := range []string{"sinceSeconds=0", "sinceSeconds=x", "limitBytes=-1", "sinceTime=yesterday", "sinceTime=2026-11-30T16:31:05Z&sinceSeconds=5"} {
		v, _ := url.ParseQuery(q)
		_, err := logOptions(v)
		var e *apierrors.StatusError
		name := strings.SplitN(q, "=", 2)[0]
		if !errors.As(err, &e) || e.ErrStatus.Code != http.StatusUnprocessableEntity || !strings.Contains(e.Error(), name) {
			t.Errorf("%s: got %v; want a 422 naming %s", q, err, name)
		}
	}
	v, _ = url.ParseQuery("timestamps=maybe")
	if _, err := logOptions(v); err == nil {
		t.Error("timestamps=maybe accepted")
	}
}
