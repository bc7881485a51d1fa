package ctl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// podctl runs the command line against sock and returns stdout, stderr and the exit status.
func podctl(t *testing.T, sock, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	argv := append([]string{"podctl", "--socket", sock}, args...)
	code := run(argv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

const twoPods = `apiVersion: v1
kind: Pod
metadata:
  name: web-sync
spec:
  containers:
  - name: web
    image: /images/busybox
  - name: sync
    image: /images/busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
  - name: c
    image: /images/bad
---
apiVersion: v1
kind: Pod
metadata:
  name: solo
  namespace: other
spec:
  containers:
  - name: c
    image: /images/busybox
`

func writeManifest(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pods.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestApplyGetDelete(t *testing.T) {
	b, sock := serveFake(t)
	file := writeManifest(t, twoPods)
	out, errOut, code := podctl(t, sock, "", "apply", "-f", file)
	if code != 1 || out != "pod/web-sync created\npod/solo created\n" {
		t.Fatalf("apply: code %d out %q err %q", code, out, errOut)
	}
	wantErr := `Error from server (Invalid): error when applying "` + file + `": spec.containers[0].image: Invalid value: "/images/bad": no such image` + "\n"
	if errOut != wantErr {
		t.Fatalf("apply error:\n%q\nwant\n%q", errOut, wantErr)
	}
	if out, errOut, code = podctl(t, sock, "", "apply", "-f", "-"); code != 1 || out != "" || !strings.Contains(errOut, "no objects") {
		t.Fatalf("empty stdin: %d %q %q", code, out, errOut)
	}
	out, _, _ = podctl(t, sock, twoPods, "apply", "-f", "-")
	if !strings.Contains(out, "pod/web-sync unchanged") {
		t.Fatalf("re-apply: %q", out)
	}
	out, _, code = podctl(t, sock, "", "get", "pods", "-A")
	if code != 0 || !strings.Contains(out, "NAMESPACE") || !strings.Contains(out, "other       solo") {
		t.Fatalf("get -A: %d\n%s", code, out)
	}
	out, errOut, code = podctl(t, sock, "", "get", "po", "web-sync", "nope", "-o", "name")
	if code != 1 || out != "pod/web-sync\n" || errOut != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Fatalf("get names: %d %q %q", code, out, errOut)
	}
	out, _, code = podctl(t, sock, "", "delete", "pod", "web-sync", "--now")
	if code != 0 || out != "pod \"web-sync\" deleted\n" || b.Graces[0] == nil || *b.Graces[0] != 1 {
		t.Fatalf("delete: %d %q %v", code, out, b.Graces)
	}
	out, _, code = podctl(t, sock, "", "delete", "-f", file, "--ignore-not-found")
	if code != 0 || out != "pod \"solo\" deleted\n" {
		t.Fatalf("delete -f: %d %q", code, out)
	}
	_, errOut, _ = podctl(t, sock, "", "get", "pods")
	if errOut != "No resources found in default namespace.\n" {
		t.Fatalf("empty get: %q", errOut)
	}
}

func TestLogsDefaultContainer(t *testing.T) {
	_, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	// As kubectl (podcmd): the first container, announced since the pod has others.
	out, errOut, code := podctl(t, sock, "", "logs", "web-sync")
	want := "Defaulted container \"web\" out of: web, sync\n"
	if code != 0 || out != "log of web\n" || errOut != want {
		t.Fatalf("logs without -c: %d %q %q", code, out, errOut)
	}
	out, _, code = podctl(t, sock, "", "logs", "web-sync", "-c", "sync", "--tail", "3")
	if code != 0 || out != "log of sync\n" {
		t.Fatalf("logs -c: %d %q", code, out)
	}
	out, _, _ = podctl(t, sock, "", "-n", "other", "logs", "pod/solo")
	if out != "log of c\n" {
		t.Fatalf("logs of the only container: %q", out)
	}
}

func TestExecExitCode(t *testing.T) {
	_, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	out, errOut, code := podctl(t, sock, "hi", "exec", "web-sync", "-i", "--", "a", "b", "c")
	if code != 3 || out != "a b c in web: hi" {
		t.Fatalf("exec: %d %q %q", code, out, errOut)
	}
	wantErr := "Defaulted container \"web\" out of: web, sync\nwarning\ncommand terminated with exit code 3\n"
	if errOut != wantErr {
		t.Fatalf("exec stderr %q, want %q", errOut, wantErr)
	}
	out, errOut, code = podctl(t, sock, "", "exec", "-n", "other", "solo", "-it", "true")
	if code != 1 || out != "true in c: " || !strings.HasPrefix(errOut, "Unable to use a TTY") {
		t.Fatalf("exec -it without a terminal: %d %q %q", code, out, errOut)
	}
	_, errOut, code = podctl(t, sock, "", "exec", "nope", "--", "true")
	if code != 1 || errOut != "Error from server (NotFound): pods \"nope\" not found\n" {
		t.Fatalf("exec in a missing pod: %d %q", code, errOut)
	}
}

func TestRun(t *testing.T) {
	b, sock := serveFake(t)
	out, errOut, code := podctl(t, sock, "", "run", "job", "--image=/images/busybox", "--restart=Never", "--env", "A=1,2", "--command", "--", "sh", "-c", "echo hi")
	if code != 0 || out != "pod/job created\n" {
		t.Fatalf("run: %d %q %q", code, out, errOut)
	}
	p, _ := b.Get("default", "job")
	c := p.Spec.Containers[0]
	if p.Spec.RestartPolicy != "Never" || c.Image != "/images/busybox" || strings.Join(c.Command, "|") != "sh|-c|echo hi" ||
		len(c.Env) != 1 || c.Env[0].Value != "1,2" || p.Labels["run"] != "job" {
		t.Fatalf("pod %+v", p)
	}
}
