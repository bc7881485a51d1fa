package ctl

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The kubectl habits of get: --show-labels, -L, --no-headers, --sort-by, -o jsonpath= and
// -o custom-columns=.
func TestGetHabits(t *testing.T) {
	b, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	podctl(t, sock, "", "label", "pod", "web-sync", "app=web", "tier=front")
	p, _ := b.Get("default", "web-sync")
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "web", RestartCount: 5}}
	b.Pods["default/web-sync"] = p
	podctl(t, sock, strings.Replace(twoPods, "web-sync", "alpha", -1), "apply", "-f", "-")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "--show-labels", "--no-headers"}, "alpha      0/2   Running   0     <unknown>   <none>\nweb-sync   0/2   Running   5     <unknown>   app=web,tier=front\n"},
		{[]string{"get", "pods", "-L", "app,tier", "-o", "custom-columns=NAME:.metadata.name,APP:metadata.labels.app"}, "NAME       APP\nalpha      <none>\nweb-sync   web\n"},
		{[]string{"get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\" \"}{end}"}, "alpha web-sync "},
		{[]string{"get", "pod", "web-sync", "-o", "jsonpath={.metadata.labels.tier}"}, "front"},
		{[]string{"get", "pods", "--sort-by=.status.containerStatuses[0].restartCount", "-o", "name"}, "pod/alpha\npod/web-sync\n"},
		{[]string{"get", "pods", "--sort-by", "{.metadata.labels.app}", "-o", "custom-columns=N:.metadata.name", "--no-headers"}, "alpha\nweb-sync\n"},
	} {
		out, errOut, code := podctl(t, sock, "", tc.args...)
		if code != 0 || out != tc.want {
			t.Errorf("%v: %d %q\n%q\nwant\n%q", tc.args, code, errOut, out, tc.want)
		}
	}
	out, _, _ := podctl(t, sock, "", "get", "pods", "-L", "app")
	if !strings.HasPrefix(out, "NAME       READY   STATUS    RESTARTS   AGE         APP\n") || !strings.Contains(out, "   web\n") {
		t.Errorf("-L app:\n%s", out)
	}
}

// create refuses a pod that exists; wait sees a condition or a deletion, or times out;
// version prints both sides; an unknown verb is answered as kubectl does.
func TestCreateWaitVersion(t *testing.T) {
	b, sock := serveFake(t)
	out, _, code := podctl(t, sock, twoPods, "create", "-f", "-")
	if code != 1 || out != "pod/web-sync created\npod/solo created\n" {
		t.Fatalf("create: %d %q", code, out)
	}
	_, errOut, code := podctl(t, sock, twoPods, "create", "-f", "-")
	if code != 1 || !strings.Contains(errOut, `Error from server (AlreadyExists): error when creating "-": pods "web-sync" already exists`) {
		t.Fatalf("create again: %d %q", code, errOut)
	}
	_, errOut, code = podctl(t, sock, "", "wait", "--for=condition=Ready", "pod/web-sync", "--timeout=300ms")
	if code != 1 || errOut != "error: timed out waiting for the condition on pods/web-sync\n" {
		t.Fatalf("wait, not ready: %d %q", code, errOut)
	}
	p, _ := b.Get("default", "web-sync")
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	b.Pods["default/web-sync"] = p
	out, _, code = podctl(t, sock, "", "wait", "--for=condition=ready", "pod", "web-sync")
	if code != 0 || out != "pod/web-sync condition met\n" {
		t.Fatalf("wait ready: %d %q", code, out)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		podctl(t, sock, "", "delete", "pod", "web-sync")
	}()
	out, _, code = podctl(t, sock, "", "wait", "--for=delete", "pod/web-sync", "--timeout=10s")
	if code != 0 || out != "pod/web-sync condition met\n" {
		t.Fatalf("wait delete: %d %q", code, out)
	}
	out, _, code = podctl(t, sock, "", "version")
	if code != 0 || !strings.HasPrefix(out, "Client Version: ") || !strings.Contains(out, "\nServer Version: ") {
		t.Fatalf("version: %d %q", code, out)
	}
	_, errOut, code = podctl(t, sock, "", "list")
	if code != 1 || !strings.HasPrefix(errOut, `error: unknown command "list" for "podctl"`) {
		t.Fatalf("unknown verb: %d %q", code, errOut)
	}
}
