package manifest

import (
	"strings"
	"testing"
)

// podYAML returns a Pod manifest named "p" with the given spec, which is
// indented by two spaces.
func podYAML(spec string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + spec
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // each must be a line of the error
	}{{
		name:  "missing image",
		input: podYAML("  containers:\n  - name: web\n"),
		want:  []string{`spec.containers[0].image: Required value`},
	}, {
		name:  "duplicate container names",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n  - name: web\n    image: /rootfs\n"),
		want:  []string{`spec.containers[1].name: Duplicate value: "web"`},
	}, {
		name: "mount of an undefined volume",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    volumeMounts:\n    - name: html\n      mountPath: /html\n"),
		want: []string{`spec.containers[0].volumeMounts[0].name: Not found: "html"`},
	}, {
		name: "negative quantity",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    resources:\n      limits:\n        memory: -1\n"),
		want: []string{`spec.containers[0].resources.limits.memory: Invalid value: "-1": must be greater than or equal to 0`},
	}, {
		name: "malformed quantity",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    resources:\n      limits:\n        cpu: lots\n"),
		want: []string{`spec.containers[0].resources.limits.cpu: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`},
	}, {
		name:  "unknown field",
		input: podYAML("  containers:\n  - name: web\n    imagee: /rootfs\n"),
		want:  []string{`spec.containers[0].imagee: unknown field`},
	}, {
		name: "unsupported field",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"  - name: side\n    image: /rootfs\n    lifecycle:\n      preStop:\n        tcpSocket:\n          port: 80\n"),
		want: []string{`spec.containers[1].lifecycle.preStop.tcpSocket: not supported`},
	}, {
		name:  "bad pod name",
		input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_1\nspec:\n  containers:\n  - name: web\n    image: /rootfs\n",
		want: []string{`metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', ` +
			`and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
	}, {
		name:  "wrong kind",
		input: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n",
		want: []string{
			`apiVersion: Unsupported value: "apps/v1": supported values: "v1"`,
			`kind: Unsupported value: "Deployment": supported values: "Pod", "List", "PodList"`,
		},
	}, {
		name: "request above limit",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    resources:\n      requests:\n        cpu: 2\n      limits:\n        cpu: 1\n"),
		want: []string{`spec.containers[0].resources.requests.cpu: Invalid value: "2": must be less than or equal to cpu limit of 1`},
	}, {
		name:  "bad registry reference",
		input: podYAML("  containers:\n  - name: web\n    image: Nginx\n"),
		want:  []string{`spec.containers[0].image: Invalid value: "Nginx": ` + imageFormat},
	}, {
		name:  "oci image with relative path",
		input: podYAML("  containers:\n  - name: web\n    image: oci:images/x:v1\n"),
		want:  []string{`spec.containers[0].image: Invalid value: "oci:images/x:v1": ` + imageFormat},
	}, {
		name:  "oci image with empty tag",
		input: podYAML("  containers:\n  - name: web\n    image: 'oci:/images/x:'\n"),
		want:  []string{`spec.containers[0].image: Invalid value: "oci:/images/x:": ` + imageFormat},
	}, {
		name:  "missing name",
		input: "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: web\n    image: /rootfs\n",
		want:  []string{`metadata.name: Required value`},
	}, {
		name:  "missing kind",
		input: "apiVersion: v1\nmetadata:\n  name: p\n",
		want:  []string{`kind: Required value`},
	}, {
		name:  "no containers",
		input: podYAML("  restartPolicy: Never\n"),
		want:  []string{`spec.containers: Required value`},
	}, {
		name:  "bad container name",
		input: podYAML("  containers:\n  - name: Web\n    image: /rootfs\n"),
		want:  []string{`spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of`},
	}, {
		name: "bad mount paths",
		input: podYAML("  volumes:\n  - name: v\n    emptyDir: {}\n" +
			"  containers:\n  - name: web\n    image: /rootfs\n    volumeMounts:\n" +
			"    - {name: v, mountPath: html}\n    - {name: v, mountPath: /a/../b}\n" +
			"    - {name: v, mountPath: /c}\n    - {name: v, mountPath: /c/}\n"),
		want: []string{
			`spec.containers[0].volumeMounts[0].mountPath: Invalid value: "html": must be an absolute path`,
			`spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a/../b": must not contain '..'`,
			`spec.containers[0].volumeMounts[3].mountPath: Duplicate value: "/c/"`,
		},
	}, {
		name: "bad volumes",
		input: podYAML("  volumes:\n  - name: v\n    emptyDir: {}\n  - name: v\n    emptyDir: {medium: HugePages}\n" +
			"  - name: both\n    emptyDir: {}\n    hostPath: {path: /srv}\n  - name: none\n" +
			"  - name: rel\n    hostPath: {path: srv, type: Folder}\n" +
			"  containers:\n  - name: web\n    image: /rootfs\n"),
		want: []string{
			`spec.volumes[1].name: Duplicate value: "v"`,
			`spec.volumes[1].emptyDir.medium: Unsupported value: "HugePages": supported values: "", "Memory"`,
			`spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type`,
			`spec.volumes[3]: Required value: must specify a volume type`,
			`spec.volumes[4].hostPath.path: Invalid value: "srv": must be an absolute path`,
			`spec.volumes[4].hostPath.type: Unsupported value: "Folder": supported values: "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"`,
		},
	}, {
		name:  "cluster volume source",
		input: podYAML("  volumes:\n  - name: v\n    persistentVolumeClaim: {claimName: c}\n  containers:\n  - name: web\n    image: /rootfs\n"),
		want:  []string{`spec.volumes[0].persistentVolumeClaim: not supported: a cluster volume (persistentVolumeClaim, csi, iscsi...) needs a control plane podd does not have; use nfs, hostPath or emptyDir`},
	}, {
		name: "bad pod settings",
		input: podYAML("  restartPolicy: Sometimes\n  terminationGracePeriodSeconds: -1\n  dnsPolicy: None\n" +
			"  containers:\n  - name: web\n    image: /rootfs\n"),
		want: []string{
			`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`,
			`spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0`,
			"spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None", // issue 8: None is supported
		},
	}, {
		name: "bad env and ports",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    env:\n    - name: ''\n      value: x\n    - name: A=B\n" +
			"    ports:\n    - containerPort: 70000\n    - containerPort: 80\n      protocol: ICMP\n"),
		want: []string{
			`spec.containers[0].env[0].name: Required value`,
			`spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
			`spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`,
			`spec.containers[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`,
		},
	}, {
		name: "env valueFrom",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    env:\n    - name: A\n      valueFrom:\n        fieldRef: {fieldPath: spec.bogus}\n        fileKeyRef: {path: x}\n"),
		want: []string{`spec.containers[0].env[0].valueFrom.fileKeyRef: not supported`},
	}, {
		name: "other resource",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n" +
			"    resources:\n      limits:\n        nvidia.com/gpu: 1\n      claims: [{name: x}]\n"),
		want: []string{
			`spec.containers[0].resources.claims: not supported`,
			`spec.containers[0].resources.limits.nvidia.com/gpu: not supported`,
		},
	}, {
		name:  "security context field",
		input: podYAML("  securityContext:\n    seLinuxOptions: {level: s0}\n  containers:\n  - name: web\n    image: /rootfs\n"),
		want:  []string{`spec.securityContext.seLinuxOptions: not supported`},
	}, {
		name:  "generateName",
		input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  generateName: p-\nspec:\n  containers:\n  - {name: web, image: /rootfs}\n",
		want:  []string{`metadata.generateName: not supported`},
	}, {
		name:  "ephemeral containers and unknown spec field",
		input: podYAML("  ephemeralContainers: []\n  container: []\n  containers:\n  - {name: web, image: /rootfs}\n"),
		want:  []string{`spec.container: unknown field`, `spec.ephemeralContainers: not supported`},
	}, {
		name:  "unknown top-level field",
		input: podYAML("  containers:\n  - {name: web, image: /rootfs}\nextra: 1\n"),
		want:  []string{`extra: unknown field`},
	}, {
		name: "wrong types",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n    stdin: 'yes please'\n" +
			"    command: run\n    env:\n    - {name: N, value: 1}\n    ports:\n    - containerPort: http\n"),
		want: []string{
			`spec.containers[0].command: Invalid value: "run": must be a list`,
			`spec.containers[0].env[0].value: Invalid value: 1: must be a string`,
			`spec.containers[0].ports[0].containerPort: Invalid value: "http": must be an integer`,
			`spec.containers[0].stdin: Invalid value: "yes please": must be a boolean`,
		},
	}, {
		name:  "port out of int32",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n    ports:\n    - containerPort: 4294967296\n"),
		want:  []string{`spec.containers[0].ports[0].containerPort: Invalid value: 4294967296: must be a 32-bit integer`},
	}, {
		name:  "fractional port",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n    ports:\n    - containerPort: 80.5\n"),
		want:  []string{`spec.containers[0].ports[0].containerPort: Invalid value: 80.5: must be an integer`},
	}, {
		name:  "bad label",
		input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: 'a b'\nspec:\n  containers:\n  - {name: web, image: /rootfs}\n",
		want:  []string{`metadata.labels[app]: Invalid value: "a b": a valid label must be`},
	}, {
		name:  "duplicate YAML key",
		input: podYAML("  containers:\n  - name: web\n    image: /rootfs\n    image: /other\n"),
		want:  []string{`  line 9: key "image" already set in map`},
	}, {
		name:  "not an object",
		input: "- a\n- b\n",
		want:  []string{`expected a Pod object, got a list`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods, err := Decode([]byte(tt.input))
			if err == nil {
				t.Fatalf("Decode succeeded with %d pods, want an error", len(pods))
			}
			for _, want := range tt.want {
				if !hasLine(err.Error(), want) {
					t.Errorf("error\n%v\nhas no line starting with\n%s", err, want)
				}
			}
		})
	}
}

// hasLine reports whether a line of msg starts with prefix.
func hasLine(msg, prefix string) bool {
	for line := range strings.Lines(msg) {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

func TestDecodeErrorIsOneLinePerProblem(t *testing.T) {
	input := podYAML("  containers:\n  - name: web\n  - name: web\n    imagee: x\n")
	_, err := Decode([]byte(input))
	// Structural problems are reported alone: a misspelt field would also
	// make its correct spelling missing.
	want := "spec.containers[1].imagee: unknown field"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %q, want %q", err, want)
	}
	input = podYAML("  containers:\n  - name: web\n  - name: web\n")
	_, err = Decode([]byte(input))
	want = "spec.containers[0].image: Required value\n" +
		"spec.containers[1].image: Required value\n" +
		`spec.containers[1].name: Duplicate value: "web"`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n%v\nwant\n%s", err, want)
	}
	if _, ok := err.(*Error); !ok {
		t.Errorf("error is a %T, want *Error", err)
	}
}

func TestDecodeErrorNamesDocument(t *testing.T) {
	input := "# leading comment\n---\n" + podYAML("  containers:\n  - {name: a, image: /rootfs}\n") +
		"---\n---\n" + podYAML("  containers:\n  - name: b\n")
	_, err := Decode([]byte(input))
	want := "document[1]: spec.containers[0].image: Required value"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %q, want %q", err, want)
	}
}

func TestDecodeSyntaxErrorNamesDocument(t *testing.T) {
	input := podYAML("  containers:\n  - {name: a, image: /rootfs}\n") + "---\nmetadata: [\n"
	_, err := Decode([]byte(input))
	if err == nil || !strings.HasPrefix(err.Error(), "document[1]: ") {
		t.Fatalf("got error %q, want it to start with %q", err, "document[1]: ")
	}
}

func TestDecodeListErrorNamesItem(t *testing.T) {
	input := "apiVersion: v1\nkind: List\nitems:\n" +
		"- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers: [{name: a, image: /rootfs}]\n" +
		"- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n" +
		"- metadata: {name: c}\n  spec:\n    containers: [{name: c, image: /rootfs, tty: 1}]\n"
	_, err := Decode([]byte(input))
	want := `items[1].kind: Unsupported value: "Service": supported values: "Pod"` + "\n" +
		`items[2].spec.containers[0].tty: Invalid value: 1: must be a boolean`
	if err == nil || err.Error() != want {
		t.Fatalf("got error\n%v\nwant\n%s", err, want)
	}
}

func TestDecodeEmpty(t *testing.T) {
	for _, input := range []string{"", "\n---\n# nothing\n---\n", "apiVersion: v1\nkind: List\nitems: []\n"} {
		pods, err := Decode([]byte(input))
		if err == nil || !strings.HasPrefix(err.Error(), "no pods found") {
			t.Errorf("Decode(%q) = %d pods, %v; want a \"no pods found\" error", input, len(pods), err)
		}
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "no pod found: the input is empty"},
		{"syntax", `{"apiVersion": "v1",}`, "JSON syntax error at byte"},
		{"truncated", `{"apiVersion": "v1"`, "JSON syntax error: unexpected end of input"},
		{"two objects", `{"apiVersion": "v1", "kind": "Pod"} {}`, "unexpected data after the JSON object"},
		{"list", `{"apiVersion": "v1", "kind": "List", "items": []}`, `kind: Unsupported value: "List": supported values: "Pod"`},
		{"duplicate key", `{"apiVersion": "v1", "kind": "Pod", "spec": {"hostname": "a", "hostname": "b"}}`, "spec.hostname: duplicate field"},
		{"unknown field", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "Name": "q"}}`, "metadata.Name: unknown field"},
		{"bad timestamp", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"creationTimestamp": "yesterday"}}`,
			`metadata.creationTimestamp: Invalid value: "yesterday": must be an RFC 3339 date and time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(tt.input))
			if err == nil || !hasLine(err.Error(), tt.want) {
				t.Fatalf("got error %v, want a line starting with %q", err, tt.want)
			}
		})
	}
}
