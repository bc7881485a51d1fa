package ctl

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// apply and create -o: name prints kubectl's names; yaml and json the objects as podd stored
// them (with their status), one as itself and several as a v1 List; another format is kubectl's
// error. The same through podd's podctl route.
func TestApplyOutput(t *testing.T) {
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		out, errOut, code := run(t, sock, urlPods, "apply", "-f", "-", "-o", "name")
		if code != 0 || out != "pod/web\npod/db\n" {
			t.Fatalf("apply -o name: %d %q %q", code, out, errOut)
		}
		web := strings.SplitN(urlPods, "---\n", 2)[0]
		out, errOut, code = run(t, sock, web, "apply", "-f", "-", "-o", "yaml")
		var pod corev1.Pod
		if err := yaml.Unmarshal([]byte(out), &pod); code != 0 || err != nil || pod.Kind != "Pod" || pod.Name != "web" || pod.Status.Phase == "" {
			t.Fatalf("apply -o yaml: %d %v %q %q", code, err, out, errOut)
		}
		out, errOut, code = run(t, sock, urlPods, "apply", "-f", "-", "-o", "json")
		var list struct {
			Kind  string       `json:"kind"`
			Items []corev1.Pod `json:"items"`
		}
		if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || list.Kind != "List" || len(list.Items) != 2 || list.Items[1].Name != "db" || list.Items[1].Status.Phase == "" {
			t.Fatalf("apply -o json of two pods: %d %v %q %q", code, err, out, errOut)
		}
		out, errOut, code = run(t, sock, strings.ReplaceAll(web, "name: web", "name: new"), "create", "-f", "-", "-o", "json")
		if err := json.Unmarshal([]byte(out), &pod); code != 0 || err != nil || pod.Name != "new" || pod.Status.Phase == "" {
			t.Fatalf("create -o json: %d %v %q %q", code, err, out, errOut)
		}
		_, errOut, code = run(t, sock, web, "apply", "-f", "-", "-o", "wide")
		if code == 0 || !strings.Contains(errOut, `unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml`) {
			t.Fatalf("apply -o wide: %d %q", code, errOut)
		}
	})
}
