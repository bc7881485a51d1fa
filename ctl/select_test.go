package ctl

import (
	"strings"
	"testing"
)

const labelledPods = `apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web, tier: front}}
spec: {containers: [{name: c, image: /images/busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec: {containers: [{name: c, image: /images/busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {containers: [{name: c, image: /images/busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-3, namespace: other, labels: {app: web}}
spec: {containers: [{name: c, image: /images/busybox}]}
`

// tableNames is the NAME column of a printed table (the NAMESPACE and NAME columns with -A).
func tableNames(out string, withNamespace bool) string {
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line)
		if withNamespace {
			names = append(names, f[0]+"/"+f[1])
		} else {
			names = append(names, f[0])
		}
	}
	return strings.Join(names, ",")
}

func TestGetSelector(t *testing.T) {
	_, sock := serveFake(t)
	if _, errOut, code := podctl(t, sock, labelledPods, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %d %s", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "-l", "app=web"}, "web-1,web-2"},
		{[]string{"get", "pods", "-l", "app=web,tier!=front", "-o", "wide"}, "web-1"},
		{[]string{"get", "pods", "-l", "app in (web, db)"}, "db,web-1,web-2"},
		{[]string{"get", "pods", "web-1", "db", "web-2", "-l", "app=web"}, "web-1,web-2"},
	} {
		out, errOut, code := podctl(t, sock, "", c.args...)
		if got := tableNames(out, false); code != 0 || got != c.want || !strings.HasPrefix(out, "NAME ") {
			t.Errorf("%q: %d %q, want %s (stderr %q)", c.args, code, out, c.want, errOut)
		}
	}
	out, _, code := podctl(t, sock, "", "get", "pods", "-A", "-l", "app=web")
	if got := tableNames(out, true); code != 0 || got != "default/web-1,default/web-2,other/web-3" {
		t.Errorf("get -A -l app=web: %d %q", code, out)
	}
	out, _, code = podctl(t, sock, "", "get", "pods", "-l", "app=web", "-o", "name")
	if code != 0 || out != "pod/web-1\npod/web-2\n" {
		t.Errorf("get -l -o name: %d %q", code, out)
	}
	_, errOut, code := podctl(t, sock, "", "get", "pods", "-l", "app=nope")
	if code != 0 || errOut != "No resources found in default namespace.\n" {
		t.Errorf("get -l selecting nothing: %d %q", code, errOut)
	}
}

func TestDeleteSelectorAndAll(t *testing.T) {
	_, sock := serveFake(t)
	if _, errOut, code := podctl(t, sock, labelledPods, "apply", "-f", "-"); code != 0 {
		t.Fatalf("apply: %d %s", code, errOut)
	}
	for _, c := range []struct {
		args         []string
		code         int
		out, errPart string
	}{
		{[]string{"delete", "pods"}, 1, "", "error: resource(s) were provided, but no name was specified"},
		{[]string{"delete", "pods", "web-1", "-l", "app=web"}, 1, "", "error: name cannot be provided when a selector is specified"},
		{[]string{"delete", "pods", "--all", "-l", "app=web"}, 1, "", "error: cannot set --all and --selector at the same time"},
		{[]string{"delete", "pods", "web-1", "--all"}, 1, "", "error: name cannot be provided with --all"},
		{[]string{"delete", "pods", "-l", "app="}, 0, "No resources found\n", ""},
		{[]string{"delete", "pods", "-l", "a b"}, 1, "", "error: selector: "},
		{[]string{"delete", "pods", "-l", "app=web"}, 0, "pod \"web-1\" deleted\npod \"web-2\" deleted\n", ""},
		{[]string{"get", "pods", "-A", "-o", "name"}, 0, "pod/db\npod/web-3\n", ""},
		{[]string{"delete", "pods", "--all"}, 0, "pod \"db\" deleted\n", ""},
		{[]string{"delete", "pods", "--all"}, 0, "No resources found\n", ""},
		{[]string{"-n", "other", "get", "pods", "-o", "name"}, 0, "pod/web-3\n", ""},
		{[]string{"delete", "pods", "--all", "-A"}, 0, "pod \"web-3\" deleted\n", ""},
		{[]string{"get", "pods", "-A", "-o", "name"}, 0, "", ""},
	} {
		out, errOut, code := podctl(t, sock, "", c.args...)
		if code != c.code || out != c.out || !strings.HasPrefix(errOut, c.errPart) || (c.errPart == "" && errOut != "") {
			t.Errorf("%q: %d %q %q; want %d %q %q...", c.args, code, out, errOut, c.code, c.out, c.errPart)
		}
	}
}
