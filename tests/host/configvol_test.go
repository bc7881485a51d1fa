package host

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// memTotalMiB is MemTotal of /proc/meminfo in MiB, rounded up.
func memTotalMiB(t *testing.T) string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			break
		}
	}
	return fmt.Sprint((kb + 1023) / 1024)
}

// configPod is a ConfigMap, a Secret and a pod that reads them as volumes (items, modes,
// subPath, a projected volume with the downward API) and as env, in one file, pod first: apply
// sends the objects before the pod.
const configPod = `apiVersion: v1
kind: Pod
metadata:
  name: cfg
  labels: {app: cfg}
  annotations: {note: "hello"}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    - name: NOPE
      valueFrom: {secretKeyRef: {name: app-secret, key: absent, optional: true}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: POD_UID
      valueFrom: {fieldRef: {fieldPath: metadata.uid}}
    - name: APP_LABEL
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
    - name: MEM
      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
    - name: SUBDIR
      value: sub
    envFrom:
    - prefix: CFG_
      configMapRef: {name: app-config}
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: secret, mountPath: /etc/secret}
    - {name: info, mountPath: /etc/info}
    - {name: config, mountPath: /etc/greeting.txt, subPath: greeting}
    - {name: scratch, mountPath: /scratch}
    - {name: scratch, mountPath: /scratch-sub, subPathExpr: "$(SUBDIR)"}
  volumes:
  - name: config
    configMap: {name: app-config}
  - name: secret
    secret:
      secretName: app-secret
      defaultMode: 0400
      items:
      - {key: password, path: db/password, mode: 0440}
  - name: info
    projected:
      sources:
      - downwardAPI:
          items:
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
          - {path: name, fieldRef: {fieldPath: metadata.name}}
      - configMap:
          name: app-config
          items: [{key: greeting, path: greeting}]
  - name: scratch
    emptyDir: {}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  greeting: hello world
  color: blue
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
type: Opaque
stringData:
  password: s3cret
`

// TestConfigMapSecretVolumesAndEnv applies a ConfigMap, a Secret and a pod using them, and reads
// the truth from inside the container: file contents, mode bits, the secret on a tmpfs, the
// env, the objects' listing; then checks that the teardown leaves no mount behind.
func TestConfigMapSecretVolumesAndEnv(t *testing.T) {
	d := StartPodd(t)
	r := d.CtlStdin(configPod, "apply", "-f", "-")
	if r.Code != 0 {
		t.Fatalf("apply: %s", r)
	}
	for _, want := range []string{"configmap/app-config created", "secret/app-secret created", "pod/cfg created"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("apply output lacks %q: %s", want, r.Stdout)
		}
	}
	sh := func(script string) string {
		t.Helper()
		return strings.TrimSpace(d.MustCtl("exec", "cfg", "--", "sh", "-c", script))
	}
	checks := []struct{ script, want string }{
		{"cat /etc/config/greeting", "hello world"},
		{"cat /etc/config/color", "blue"},
		{"cat /etc/greeting.txt", "hello world"},
		{"readlink /etc/config/greeting", "..data/greeting"},
		{"stat -L -c %a /etc/config/greeting", "644"},
		{"cat /etc/secret/db/password", "s3cret"},
		{"stat -L -c %a /etc/secret/db/password", "440"},
		{"cat /etc/info/name", "cfg"},
		{"cat /etc/info/labels", `app="cfg"`},
		{"cat /etc/info/greeting", "hello world"},
		{"echo $GREETING/$PASSWORD/${NOPE-unset}/$POD_NAME/$APP_LABEL/$CFG_color", "hello world/s3cret/unset/cfg/cfg/blue"},
		// No memory limit: the node's memory, in MiB rounded up (the host cannot limit memory).
		{"echo $MEM", memTotalMiB(t)},
		{"touch /etc/config/x 2>/dev/null && echo writable || echo read-only", "read-only"},
		{"echo hi > /scratch-sub/f && cat /scratch/sub/f", "hi"},
		// The secret is on a tmpfs of its own; the configMap is not.
		{"grep ' /etc/secret ' /proc/self/mountinfo | grep -c ' - tmpfs '", "1"},
		{"grep ' /etc/info ' /proc/self/mountinfo | grep -c ' - tmpfs '", "1"},
	}
	for _, c := range checks {
		if got := sh(c.script); got != c.want {
			t.Errorf("%s: got %q, want %q", c.script, got, c.want)
		}
	}
	if uid := sh("echo $POD_UID"); uid != string(d.MustGetPod("cfg").UID) {
		t.Errorf("POD_UID %q is not the pod's uid", uid)
	}
	if out := d.MustCtl("get", "configmaps"); !strings.Contains(out, "NAME") || !strings.Contains(out, "app-config   2      ") {
		t.Errorf("get configmaps:\n%s", out)
	}
	if out := d.MustCtl("get", "secrets"); !strings.Contains(out, "TYPE") || !strings.Contains(out, "app-secret   Opaque   1      ") {
		t.Errorf("get secrets:\n%s", out)
	}
	if out := d.MustCtl("get", "secret", "app-secret", "-o", "yaml"); !strings.Contains(out, "password: czNjcmV0") {
		t.Errorf("get secret -o yaml:\n%s", out)
	}
	p := d.MustGetPod("cfg")
	r = d.CtlStdin(configPod, "delete", "-f", "-")
	if r.Code != 0 || !strings.Contains(r.Stdout, `configmap "app-config" deleted`) || !strings.Contains(r.Stdout, `pod "cfg" deleted`) {
		t.Errorf("delete -f: %s", r)
	}
	d.AssertPodGone(p)
	if r := d.Ctl("get", "configmap", "app-config"); r.Code == 0 || !strings.Contains(r.Stderr, "NotFound") {
		t.Errorf("get configmap after delete: %s", r)
	}
	if r := d.Ctl("delete", "secret", "app-secret"); r.Code == 0 || !strings.Contains(r.Stderr, "NotFound") {
		t.Errorf("delete secret after delete -f: %s", r)
	}
}

// TestConfigRefusals: a pod naming a ConfigMap that does not exist is accepted and waits (see
// TestMissingConfigMapWaits), and deleting it while it waits leaves nothing behind; a subPath
// leading out of its volume through a symlink is refused and leaves nothing behind.
func TestConfigRefusals(t *testing.T) {
	d := StartPodd(t)
	missing := `apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    volumeMounts: [{name: c, mountPath: /c}]
  volumes:
  - {name: c, configMap: {name: nowhere}}
`
	if r := d.CtlStdin(missing, "apply", "-f", "-"); r.Code != 0 {
		t.Fatalf("apply with a missing configmap: %s", r)
	}
	waiting := d.MustGetPod("missing")
	d.MustCtl("delete", "pod", "missing")
	d.AssertPodGone(waiting)
	vol := t.TempDir()
	if err := os.Symlink("/", vol+"/escape"); err != nil {
		t.Fatal(err)
	}
	escape := `apiVersion: v1
kind: Pod
metadata: {name: escape}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    volumeMounts: [{name: h, mountPath: /h, subPath: escape/etc}]
  volumes:
  - {name: h, hostPath: {path: ` + vol + `}}
`
	r := d.CtlStdin(escape, "apply", "-f", "-")
	if r.Code == 0 || !strings.Contains(r.Stderr, "spec.containers[0].volumeMounts[0]") || !strings.Contains(r.Stderr, "subPath leads outside the volume") {
		t.Errorf("apply with an escaping subPath: %s", r)
	}
	if out := d.MustCtl("get", "pods"); strings.Contains(out, "escape") || strings.Contains(out, "missing") {
		t.Errorf("refused pods are listed:\n%s", out)
	}
	if m := mountsMatching(fmt.Sprint(d.HolderPID()), "/pods/"); len(m) > 0 {
		t.Errorf("mounts left:\n%s", strings.Join(m, "\n"))
	}
}

// TestPodSharesDevShm: the containers of a pod share one /dev/shm (kubelet semantics; a
// directory of podd's memory tmpfs, not a disk), a container mounting a volume at /dev/shm gets
// its volume there, and the teardown leaves no mount behind.
func TestPodSharesDevShm(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: shm}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
  - name: b
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
  - name: own
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
    volumeMounts: [{name: big, mountPath: /dev/shm}]
  volumes:
  - name: big
    emptyDir: {medium: Memory, sizeLimit: 1Mi}
`)
	d.MustCtl("exec", "shm", "-c", "a", "--", "sh", "-c", "echo shared > /dev/shm/x")
	if got := strings.TrimSpace(d.MustCtl("exec", "shm", "-c", "b", "--", "cat", "/dev/shm/x")); got != "shared" {
		t.Errorf("container b reads %q from /dev/shm/x, want what a wrote", got)
	}
	mi := d.MustCtl("exec", "shm", "-c", "b", "--", "grep", " /dev/shm ", "/proc/self/mountinfo")
	if !strings.Contains(mi, " - tmpfs ") {
		t.Errorf("container b's /dev/shm: %s", mi)
	}
	own := d.MustCtl("exec", "shm", "-c", "own", "--", "sh", "-c", "grep ' /dev/shm ' /proc/self/mountinfo; ls /dev/shm")
	if !strings.Contains(own, "size=1024k") || strings.Contains(own, "\nx") {
		t.Errorf("container own's /dev/shm is not its volume: %s", own)
	}
	p := d.MustGetPod("shm")
	d.MustCtl("delete", "pod", "shm")
	d.AssertPodGone(p)
}
