package ctl

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// --dry-run prints kubectl's lines with "(server dry run)" or "(dry run)" and changes nothing:
// no pod made, none deleted, no ConfigMap stored.
func TestDryRun(t *testing.T) {
	b, sock := serveFake(t)
	file := writeManifest(t, twoPods)
	out, errOut, code := podctl(t, sock, "", "apply", "-f", file, "--dry-run=server")
	want := "pod/web-sync created (server dry run)\npod/broken created (server dry run)\npod/solo created (server dry run)\n"
	if code != 0 || out != want { // whether an image exists is the apply's to find, as with the API server
		t.Fatalf("apply --dry-run=server: %d %q %q", code, out, errOut)
	}
	out, _, _ = podctl(t, sock, "", "create", "-f", file, "--dry-run", "client")
	if !strings.Contains(out, "pod/web-sync created (dry run)\n") {
		t.Fatalf("create --dry-run client: %q", out)
	}
	if len(b.Pods) != 0 {
		t.Fatalf("a dry run made pods: %v", b.Pods)
	}
	podctl(t, sock, "", "apply", "-f", file)
	out, errOut, code = podctl(t, sock, "", "delete", "pod", "web-sync", "--dry-run=server")
	if code != 0 || out != "pod \"web-sync\" deleted (server dry run)\n" || len(b.Graces) != 0 {
		t.Fatalf("delete --dry-run=server: %d %q %q (deletes %d)", code, out, errOut, len(b.Graces))
	}
	if _, err := b.Get("default", "web-sync"); err != nil {
		t.Fatalf("the dry-run delete deleted: %v", err)
	}
	out, errOut, code = podctl(t, sock, "", "run", "web", "--image=/images/busybox", "--dry-run=server")
	if code != 0 || out != "pod/web created (server dry run)\n" {
		t.Fatalf("run --dry-run=server: %d %q %q", code, out, errOut)
	}
	if _, err := b.Get("default", "web"); err == nil {
		t.Fatal("run --dry-run=server made the pod")
	}
	_, errOut, code = podctl(t, sock, "", "apply", "-f", file, "--dry-run=yes")
	if code == 0 || !strings.Contains(errOut, `Invalid dry-run value (yes). Must be "none", "server", or "client".`) {
		t.Fatalf("bad --dry-run: %d %q", code, errOut)
	}
}

// `run --dry-run=client -o yaml` writes a manifest that apply takes as it is.
func TestRunDryRunClientWritesAManifest(t *testing.T) {
	b, sock := serveFake(t)
	out, errOut, code := podctl(t, sock, "", "run", "job", "--image=/images/busybox", "--restart=Never", "--dry-run=client", "-o", "yaml", "--", "echo", "hi")
	if code != 0 {
		t.Fatalf("run -o yaml: %d %q", code, errOut)
	}
	var m struct {
		Kind string `json:"kind"`
		Spec struct {
			RestartPolicy string `json:"restartPolicy"`
			Containers    []struct {
				Image string   `json:"image"`
				Args  []string `json:"args"`
			} `json:"containers"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(out), &m); err != nil || m.Kind != "Pod" || m.Spec.RestartPolicy != "Never" ||
		len(m.Spec.Containers) != 1 || strings.Join(m.Spec.Containers[0].Args, " ") != "echo hi" {
		t.Fatalf("manifest %q: %+v %v", out, m, err)
	}
	if len(b.Pods) != 0 {
		t.Fatal("run --dry-run=client made a pod")
	}
	if out, errOut, code := podctl(t, sock, out, "apply", "-f", "-"); code != 0 || out != "pod/job created\n" {
		t.Fatalf("apply of the manifest: %d %q %q", code, out, errOut)
	}
	out, _, code = podctl(t, sock, "", "run", "web", "--image=/images/busybox", "-o", "json")
	if code != 0 || !strings.Contains(out, `"phase": "Running"`) {
		t.Fatalf("run -o json: %d %q", code, out)
	}
	if _, errOut, code := podctl(t, sock, "", "run", "web", "--image=/images/busybox", "-o", "wide"); code == 0 || !strings.Contains(errOut, `output format "wide"`) {
		t.Fatalf("run -o wide: %d %q", code, errOut)
	}
}

// get pods --field-selector selects by the pods' fields, in the table, -o name and -w's list;
// it was refused (and before that ignored: every pod listed).
func TestGetPodsByField(t *testing.T) {
	b, sock := serveFake(t)
	podctl(t, sock, twoPods, "apply", "-f", "-")
	p, _ := b.Get("default", "web-sync")
	p.Status.Phase = "Pending"
	b.Pods["default/web-sync"] = p
	podctl(t, sock, "", "run", "job", "--image=/images/busybox")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "--field-selector", "status.phase=Running", "-o", "name"}, "pod/job\n"},
		{[]string{"get", "pods", "--field-selector=status.phase!=Running", "-o", "name"}, "pod/web-sync\n"},
		{[]string{"get", "pods", "-A", "--field-selector", "metadata.namespace=other", "--no-headers"}, "other"},
	} {
		out, errOut, code := podctl(t, sock, "", c.args...)
		if code != 0 || !strings.Contains(out, c.want) || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: %d %q %q, want %q alone", c.args, code, out, errOut, c.want)
		}
	}
	if _, errOut, code := podctl(t, sock, "", "get", "pod", "job", "--field-selector", "status.phase=Running"); code == 0 || !strings.Contains(errOut, "name cannot be provided") {
		t.Errorf("a name and --field-selector: %d %q", code, errOut)
	}
}
