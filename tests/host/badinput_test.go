package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput applies pods podd must refuse: podctl exits non-zero with an error naming the
// field and the reason, and nothing of the pod is left anywhere.
func TestBadInput(t *testing.T) {
	d := StartPodd(t)
	memoryOnHost := hostHasController("memory")
	cases := []struct {
		name     string
		manifest string
		want     []string // substrings of podctl's stderr
		skip     string   // why the case does not apply to this host
	}{
		{
			name: "missing image",
			manifest: `
  containers:
  - name: app
    command: [testapp, sleep, "60"]`,
			want: []string{`spec.containers[0].image: Required value`},
		},
		{
			name: "duplicate container names",
			manifest: `
  containers:
  - {name: app, image: IMAGE, command: [testapp, sleep, "60"]}
  - {name: app, image: IMAGE, command: [testapp, sleep, "60"]}`,
			want: []string{`spec.containers[1].name: Duplicate value: "app"`},
		},
		{
			name: "mount of an undefined volume",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    volumeMounts: [{name: nope, mountPath: /nope}]`,
			want: []string{`spec.containers[0].volumeMounts[0].name: Not found: "nope"`},
		},
		{
			name: "negative quantity",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    resources: {requests: {cpu: "-1"}}`,
			want: []string{`spec.containers[0].resources.requests.cpu: Invalid value: "-1"`, "must be greater than or equal to 0"},
		},
		{
			name: "unknown field",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    bogusField: 1`,
			want: []string{`spec.containers[0].bogusField: unknown field`},
		},
		{
			name: "bad name",
			manifest: `
  containers:
  - {name: app, image: IMAGE, command: [testapp, sleep, "60"]}`,
			want: []string{`metadata.name: Invalid value: "Bad_Name"`, "RFC 1123"},
		},
		{
			name: "image that does not exist",
			manifest: `
  containers:
  - {name: app, image: "oci:/nope:latest", command: [testapp, sleep, "60"]}`,
			want: []string{`spec.containers[0].image`, "oci:/nope:latest", "no such file or directory"},
		},
		{
			name: "command not found in image",
			manifest: `
  containers:
  - {name: ok, image: IMAGE, command: [testapp, sleep, "60"]}
  - {name: app, image: IMAGE, command: [no-such-command]}`,
			want: []string{`spec.containers[1].command: Invalid value`, `"no-such-command": executable file not found in $PATH`},
		},
		{
			name: "NUL in an env value",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    env: [{name: A, value: "a\0b"}]`,
			want: []string{`spec.containers[0].env[0].value: Invalid value: "a\x00b": must not contain a NUL byte`},
		},
		{
			name: "NUL in the command",
			manifest: `
  containers:
  - {name: app, image: IMAGE, command: ["test\0app", sleep, "60"]}`,
			want: []string{`spec.containers[0].command[0]: Invalid value: "test\x00app": must not contain a NUL byte`},
		},
		{
			name: "NUL in args",
			manifest: `
  containers:
  - {name: app, image: IMAGE, command: [testapp], args: [sleep, "6\00"]}`,
			want: []string{`spec.containers[0].args[1]: Invalid value: "6\x000": must not contain a NUL byte`},
		},
		{
			name: "argument of 200 KB",
			manifest: `
  containers:
  - {name: app, image: IMAGE, command: [testapp, sleep, "60", "` + strings.Repeat("x", 200_000) + `"]}`,
			want: []string{`spec.containers[0].command[3]: Too long: may not be more than 131071 bytes`},
		},
		{
			name: "cpu limit of 1e9 CPUs",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    resources: {limits: {cpu: "1e9"}}`,
			want: []string{`spec.containers[0].resources.limits.cpu: Invalid value: "1e9": must be at most`, "cpu.max"},
		},
		{
			name: "memory limit of 1Ki",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    resources: {limits: {memory: 1Ki}}`,
			want: []string{`spec.containers[0].resources.limits.memory: Invalid value: "1Ki": must be at least 6Mi`},
		},
		{
			name: "mountPath /",
			manifest: `
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    volumeMounts: [{name: data, mountPath: /}]`,
			want: []string{`spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/": must not be /`},
		},
		{
			name: "grace period past time.Duration",
			manifest: `
  terminationGracePeriodSeconds: 9223372037
  containers:
  - {name: app, image: IMAGE, command: [testapp, sleep, "60"]}`,
			want: []string{`spec.terminationGracePeriodSeconds: Invalid value: 9223372037: must be at most 9223372036`},
		},
		{
			name: "memory limit without the memory controller",
			manifest: `
  containers:
  - name: app
    image: IMAGE
    command: [testapp, sleep, "60"]
    resources: {limits: {memory: 64Mi}}`,
			want: []string{`spec.containers[0].resources.limits.memory`, `"memory" cgroup v2 controller is not available`},
			skip: map[bool]string{true: "this host's cgroup v2 has the memory controller, so the refusal cannot happen (the VM tier checks enforcement)"}[memoryOnHost],
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skipf("feature present, the case does not apply: %s", tc.skip)
			}
			name := "bad-input"
			if tc.name == "bad name" {
				name = "Bad_Name"
			}
			manifest := "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:" +
				strings.ReplaceAll(tc.manifest, "IMAGE", testImage) + "\n"
			r := d.CtlStdin(manifest, "apply", "-f", "-")
			if r.Code == 0 {
				t.Errorf("podctl apply succeeded: %s\nmanifest:\n%s", r, manifest)
				d.Ctl("delete", "pod", name)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("podctl apply: stderr lacks %q: %s", w, r)
				}
			}
			if strings.Contains(r.Stdout, "created") {
				t.Errorf("podctl apply printed %q", r.Stdout)
			}
			d.AssertNoPods()
		})
	}
}

// hostHasController reports whether pods can get a cgroup v2 controller on this host.
func hostHasController(name string) bool {
	b, err := os.ReadFile(filepath.Join(cgroupV2, "cgroup.controllers"))
	return err == nil && containsField(string(b), name)
}
