package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/podd/podd/api/wire"
)

// FuzzQueryParams: the parsers of what a request carries in its query and headers (logs,
// exec/attach, port-forward, list, watch, events) never panic, fail naming the parameter, and
// hand the backend only values in range: no negative tail or limit, a command without NUL
// bytes, a port in 1-65535.
func FuzzQueryParams(f *testing.F) {
	for _, q := range []string{
		"follow=true&tailLines=3&sinceSeconds=5&limitBytes=10&timestamps=1&previous=0&container=c",
		"tailLines=-1", "tailLines=9223372036854775808", "sinceSeconds=0", "limitBytes=-5", "sinceTime=2020-01-01T00:00:00Z&sinceSeconds=2",
		"sinceTime=2020-13-01T00:00:00Z", "follow=yes", "command=sh&command=-c&command=ls&stdin=true&tty=1", "command=a%00b",
		"command=&stdin=maybe", "port=80", "port=0", "port=65536", "port=-1", "port=0x50", "port=%2080",
		"labelSelector=app%3Dweb,tier!%3Ddb&includeObject=Object", "labelSelector=a+in+(", "includeObject=All",
		"fieldSelector=involvedObject.name%3Dweb", "fieldSelector=spec.x%3Dy", "fieldSelector=a%3D%3Db%3D%3Dc",
		"timeoutSeconds=4294967296", "timeoutSeconds=-1", "watch=true&timeoutSeconds=1", ";;&&==%zz",
	} {
		f.Add(q, wire.ExecProtocol, "application/json;as=Table;v=v1;g=meta.k8s.io")
	}
	f.Add("port=8080", wire.PortForwardProtocol, "")
	f.Fuzz(func(t *testing.T, rawQuery, upgrade, accept string) {
		r := &http.Request{URL: &url.URL{RawQuery: rawQuery}, Header: http.Header{}}
		r.Header.Set("Upgrade", upgrade)
		r.Header.Set("Accept", accept)
		q := r.URL.Query()
		named := func(err error, names ...string) {
			for _, n := range names {
				if strings.Contains(err.Error(), n) {
					return
				}
			}
			t.Fatalf("%q: %q names none of %q", rawQuery, err, names)
		}
		if o, err := logOptions(q); err != nil {
			named(err, "follow", "previous", "timestamps", "tailLines", "sinceSeconds", "limitBytes", "sinceTime")
		} else if o.TailLines < -1 || o.SinceSeconds < 0 || o.LimitBytes < 0 || (o.SinceSeconds > 0 && !o.SinceTime.IsZero()) {
			t.Fatalf("%q: log options %+v", rawQuery, o)
		}
		if o, err := execOptions(r); err != nil {
			named(err, "command", "stdin", "tty", wire.ExecProtocol)
		} else if len(o.Command) == 0 || strings.ContainsRune(strings.Join(o.Command, ""), 0) {
			t.Fatalf("%q: exec command %q", rawQuery, o.Command)
		}
		if port, err := forwardPort(r); err != nil {
			named(err, "port")
		} else if port < 1 || port > 65535 {
			t.Fatalf("%q: port %d", rawQuery, port)
		}
		if _, err := parseGetQuery(r, true); err != nil {
			named(err, "labelSelector", "fieldSelector", "includeObject")
		}
		if _, err := eventSelector(r); err != nil {
			named(err, "fieldSelector")
		}
		if d, err := watchTimeout(r); err != nil {
			named(err, "timeoutSeconds")
		} else if d < 0 {
			t.Fatalf("%q: watch timeout %s", rawQuery, d)
		}
	})
}
