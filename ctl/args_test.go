package ctl

import (
	"github.com/podd/podd/ctl/local"

	"reflect"
	"strings"
	"testing"
)

func TestHoistFlags(t *testing.T) {
	app := newApp()
	for _, c := range []struct{ in, want string }{
		{"logs web -f -n prod", "-n prod logs -f web"},
		{"logs web --tail 5 -c app", "logs --tail 5 -c app web"},
		{"-n prod get pods -o wide", "-n prod get -o wide pods"},
		{"get pods web -A", "get -A pods web"},
		{"exec web -it -- sh -c 'x'", "exec -it web -- sh -c 'x'"},
		{"exec -i web -- ls -l", "exec -i web -- ls -l"},
		{"apply -f - --namespace=x", "--namespace=x apply -f -"},
		{"delete pod a b --grace-period -1", "delete --grace-period -1 pod a b"},
		{"run web --image busybox --env A=1 -- sleep 10", "run --image busybox --env A=1 web -- sleep 10"},
		{"--socket /s shutdown", "--socket /s shutdown"},
	} {
		got, err := local.HoistFlags(app, append([]string{"podctl"}, strings.Fields(c.in)...))
		want := append([]string{"podctl"}, strings.Fields(c.want)...)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q %v, want %q", c.in, got, err, want)
		}
	}
	// a value flag ending the line has no value: before, hoisted, it took the command's name
	for line, want := range map[string]string{"get pods -n": "-n", "get pods web -l": "-l", "logs web --container": "--container"} {
		got, err := local.HoistFlags(app, append([]string{"podctl"}, strings.Fields(line)...))
		if err == nil || err.Error() != "flag needs an argument: "+want {
			t.Errorf("%q: got %q %v, want the error naming %s", line, got, err, want)
		}
	}
}

func TestPodNames(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"pods", []string{}, false},
		{"po a b", []string{"a", "b"}, false},
		{"pod/a pods/b", []string{"a", "b"}, false},
		{"svc a", nil, true},
		{"pod/a b", nil, true},
	} {
		got, err := podNames("get", strings.Fields(c.in))
		if (err != nil) != c.err || (!c.err && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("%q: %q, %v", c.in, got, err)
		}
	}
}
