package manifest

import (
	"strings"
	"testing"
)

func TestDecodeConfigMapAndSecret(t *testing.T) {
	cm, err := DecodeConfigMapJSON([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},
		"data":{"a.txt":"x"},"binaryData":{"b":"AAE="}}`))
	if err != nil || cm.Namespace != "default" || cm.Data["a.txt"] != "x" || string(cm.BinaryData["b"]) != "\x00\x01" {
		t.Fatalf("configmap: %+v, %v", cm, err)
	}
	s, err := DecodeSecretJSON([]byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},
		"data":{"p":"YQ=="},"stringData":{"p":"b","q":"c"}}`))
	if err != nil || s.Type != "Opaque" || string(s.Data["p"]) != "b" || string(s.Data["q"]) != "c" || s.StringData != nil {
		t.Fatalf("secret: %+v, %v", s, err)
	}
}

// TestConfigObjectErrors: each refusal names its field.
func TestConfigObjectErrors(t *testing.T) {
	big := strings.Repeat("x", MaxConfigSize)
	cases := []struct {
		name, kind, json string
		want             []string
	}{
		{"bad key", "ConfigMap", `{"metadata":{"name":"c"},"data":{"a/b":"x"}}`,
			[]string{`data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters`}},
		{"key in both", "ConfigMap", `{"metadata":{"name":"c"},"data":{"k":"x"},"binaryData":{"k":"AA=="}}`,
			[]string{`binaryData[k]: Invalid value: "k": duplicate of key present in data`}},
		{"too big", "ConfigMap", `{"metadata":{"name":"c"},"data":{"k":"` + big + `","l":"y"}}`,
			[]string{`data: Too long: may not be more than 1048576 bytes`}},
		{"unknown field", "ConfigMap", `{"metadata":{"name":"c"},"stringData":{"k":"x"}}`,
			[]string{`stringData: unknown field`}},
		{"bad name", "ConfigMap", `{"metadata":{"name":"C_1"}}`, []string{`metadata.name: Invalid value: "C_1"`}},
		{"not base64", "Secret", `{"metadata":{"name":"s"},"data":{"k":"!!"}}`, []string{`data[k]: Invalid value`}},
		{"bad stringData key", "Secret", `{"metadata":{"name":"s"},"stringData":{"a b":"x"}}`, []string{`stringData[a b]: Invalid value`}},
		{"tls keys", "Secret", `{"metadata":{"name":"s"},"type":"kubernetes.io/tls","data":{"tls.crt":"AA=="}}`,
			[]string{`data[tls.key]: Required value`}},
		{"dockerconfigjson", "Secret", `{"metadata":{"name":"s"},"type":"kubernetes.io/dockerconfigjson","stringData":{".dockerconfigjson":"{"}}`,
			[]string{`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": must be valid JSON`}},
		{"basic-auth", "Secret", `{"metadata":{"name":"s"},"type":"kubernetes.io/basic-auth"}`,
			[]string{`data[username]: Required value: must have at least one of username or password`}},
		{"secret too big", "Secret", `{"metadata":{"name":"s"},"stringData":{"k":"` + big + `x"}}`,
			[]string{`data: Too long`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `{"apiVersion":"v1","kind":"` + c.kind + `",` + c.json[1:]
			var err error
			if c.kind == "ConfigMap" {
				_, err = DecodeConfigMapJSON([]byte(body))
			} else {
				_, err = DecodeSecretJSON([]byte(body))
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConfigUpdateRules(t *testing.T) {
	yes := true
	if errs := ValidateConfigUpdate(&yes, false, &yes, "", ""); len(errs) != 1 || errs[0].Field != "data" {
		t.Errorf("immutable data changed: %v", errs)
	}
	if errs := ValidateConfigUpdate(nil, false, nil, "Opaque", "kubernetes.io/tls"); len(errs) != 1 || errs[0].Field != "type" {
		t.Errorf("type changed: %v", errs)
	}
	if errs := ValidateConfigUpdate(nil, false, &yes, "Opaque", "Opaque"); len(errs) != 0 {
		t.Errorf("a plain update: %v", errs)
	}
}

// TestPodConfigVolumeAndEnvErrors: the pod fields of this part, refused by path.
func TestPodConfigVolumeAndEnvErrors(t *testing.T) {
	ctr := "  containers:\n  - name: web\n    image: /rootfs\n"
	cases := []struct{ name, spec, want string }{
		{"item path escapes", "  volumes:\n  - name: v\n    configMap: {name: c, items: [{key: k, path: ../x}]}\n" + ctr,
			`spec.volumes[0].configMap.items[0].path: Invalid value: "../x": must not start with '..'`},
		{"mode too big", "  volumes:\n  - name: v\n    secret: {secretName: s, defaultMode: 1000}\n" + ctr,
			`spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive`},
		{"two sources", "  volumes:\n  - name: v\n    emptyDir: {}\n    secret: {secretName: s}\n" + ctr,
			`spec.volumes[0].secret: Forbidden: may not specify more than 1 volume type`},
		{"downward spec path", "  volumes:\n  - name: v\n    downwardAPI: {items: [{path: a, fieldRef: {fieldPath: spec.nodeName}}]}\n" + ctr,
			`spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "spec.nodeName"`},
		{"projected token", "  volumes:\n  - name: v\n    projected: {sources: [{serviceAccountToken: {path: t}}]}\n" + ctr,
			`spec.volumes[0].projected.sources[0].serviceAccountToken: not supported`},
		{"pvc", "  volumes:\n  - name: v\n    persistentVolumeClaim: {claimName: c}\n" + ctr,
			`spec.volumes[0].persistentVolumeClaim: not supported: a cluster volume`},
		{"key ref without key", ctr + "    env:\n    - name: A\n      valueFrom: {configMapKeyRef: {name: c}}\n",
			`spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value`},
		{"two refs", ctr + "    env:\n    - name: A\n      valueFrom: {configMapKeyRef: {name: c, key: k}, secretKeyRef: {name: s, key: k}}\n",
			`spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time`},
		{"value and valueFrom", ctr + "    env:\n    - name: A\n      value: x\n      valueFrom: {fieldRef: {fieldPath: metadata.name}}\n",
			`spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when ` + "`value`" + ` is not empty`},
		{"bad prefix", ctr + "    envFrom:\n    - {prefix: 1x, configMapRef: {name: c}}\n",
			`spec.containers[0].envFrom[0].prefix: Invalid value: "1x"`},
		{"resource", ctr + "    env:\n    - name: A\n      valueFrom: {resourceFieldRef: {resource: limits.gpu}}\n",
			`spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu"`},
		{"subPath escapes", "  volumes:\n  - name: v\n    emptyDir: {}\n" + ctr + "    volumeMounts:\n    - {name: v, mountPath: /v, subPath: a/../../b}\n",
			`spec.containers[0].volumeMounts[0].subPath: Invalid value: "a/../../b": must not contain '..'`},
		{"subPath and expr", "  volumes:\n  - name: v\n    emptyDir: {}\n" + ctr + "    volumeMounts:\n    - {name: v, mountPath: /v, subPath: a, subPathExpr: b}\n",
			`spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "b": subPathExpr and subPath are mutually exclusive`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(podYAML(c.spec)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant %q", err, c.want)
			}
		})
	}
}

func TestPodConfigVolumeDefaults(t *testing.T) {
	pods, err := Decode([]byte(podYAML("  volumes:\n  - name: v\n    configMap: {name: c}\n" +
		"  containers:\n  - name: web\n    image: /rootfs\n    volumeMounts: [{name: v, mountPath: /v}]\n")))
	if err != nil {
		t.Fatal(err)
	}
	if m := pods[0].Spec.Volumes[0].ConfigMap.DefaultMode; m == nil || *m != 0o644 {
		t.Errorf("defaultMode %v, want 0644", m)
	}
}
