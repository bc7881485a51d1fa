package local

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParsePortMappings(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
	for _, tc := range []struct {
		args []string
		want []portMapping
		err  string
	}{
		{args: []string{"8080"}, want: []portMapping{{Local: 8080, Remote: "8080", remote: 8080}}},
		{args: []string{"18080:8080", ":80"}, want: []portMapping{{Local: 18080, Remote: "8080", remote: 8080}, {Remote: "80", remote: 80}}},
		{args: []string{"9000:http"}, want: []portMapping{{Local: 9000, Remote: "http", remote: 8080}}},
		{args: []string{"9000:https"}, err: "Pod 'web' does not have a named port 'https'"},
		{args: []string{"x:80"}, err: `error parsing local port 'x': strconv.ParseUint: parsing "x": invalid syntax`},
		{args: []string{"80:0"}, err: "error parsing remote port '0': must be 1-65535 or a port name"},
		{args: []string{"80:70000"}, err: "error parsing remote port '70000': must be 1-65535 or a port name"},
	} {
		pod.Name = "web"
		got, err := parsePortMappings(tc.args)
		if err == nil {
			err = resolvePorts(viewOf(t, pod), got)
		}
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%v: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestListenAddresses(t *testing.T) {
	got, err := listenAddresses([]string{"localhost,10.0.0.1"})
	want := []listenAddr{{"127.0.0.1", true}, {"::1", true}, {"10.0.0.1", false}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v, %v", got, err)
	}
	if _, err := listenAddresses([]string{"example.com"}); err == nil || err.Error() != "example.com is not a valid IP" {
		t.Fatalf("a name: %v", err)
	}
}
