package ctl

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/podd/podd/internal/podfixture"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The fixtures (internal/podfixture), under the short names the tests use.
var (
	now        = podfixture.Now
	ago        = podfixture.Ago
	running    = podfixture.Running
	waiting    = podfixture.Waiting
	terminated = podfixture.Terminated
	pod        = podfixture.Pod
)

func TestPodTable(t *testing.T) {
	pods := []corev1.Pod{
		pod("web-sync", corev1.PodRunning, running("web", true, 0), running("sync", true, 0)),
		pod("batch", corev1.PodSucceeded, terminated("job", "Completed", 0)),
	}
	pods[0].Status.PodIPs = []corev1.PodIP{{IP: "10.88.0.2"}}
	pods[0].Spec.NodeName = "host"
	var buf bytes.Buffer
	if err := printPodTable(&buf, pods, tableOptions{Wide: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME       READY   STATUS      RESTARTS   AGE   IP          NODE\n" +
		"web-sync   2/2     Running     0          5s    10.88.0.2   host\n" +
		"batch      0/1     Completed   0          5s    <none>      <none>\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	printPodTable(&buf, pods[:1], tableOptions{Namespace: true, Now: now})
	if !strings.HasPrefix(buf.String(), "NAMESPACE   NAME       READY") || !strings.Contains(buf.String(), "default     web-sync") {
		t.Errorf("-A table:\n%s", buf.String())
	}
}

func TestPrintObjects(t *testing.T) {
	pods := []corev1.Pod{pod("a", corev1.PodRunning), pod("b", corev1.PodRunning)}
	var buf bytes.Buffer
	if err := printObjects(&buf, pods[:1], "yaml", true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "apiVersion: v1\nkind: Pod\nmetadata:\n") {
		t.Errorf("single yaml:\n%s", buf.String())
	}
	buf.Reset()
	printObjects(&buf, pods, "json", false)
	s := buf.String()
	if !strings.Contains(s, `"kind": "List"`) || strings.Count(s, `"kind": "Pod"`) != 2 || !strings.HasPrefix(s, "{\n    \"apiVersion\": \"v1\"") {
		t.Errorf("list json:\n%s", s)
	}
}

func resources(req, lim map[corev1.ResourceName]string) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for k, v := range req {
		r.Requests[k] = resource.MustParse(v)
	}
	for k, v := range lim {
		r.Limits[k] = resource.MustParse(v)
	}
	return r
}

func TestQOS(t *testing.T) {
	cpuMem := func(cpu, mem string) map[corev1.ResourceName]string {
		return map[corev1.ResourceName]string{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	}
	for _, c := range []struct {
		name string
		res  []corev1.ResourceRequirements
		want corev1.PodQOSClass
	}{
		{"none", []corev1.ResourceRequirements{{}}, corev1.PodQOSBestEffort},
		{"equal", []corev1.ResourceRequirements{resources(cpuMem("500m", "64Mi"), cpuMem("0.5", "64Mi"))}, corev1.PodQOSGuaranteed},
		{"limits only", []corev1.ResourceRequirements{resources(nil, cpuMem("1", "1Gi"))}, corev1.PodQOSGuaranteed},
		{"lower request", []corev1.ResourceRequirements{resources(cpuMem("100m", "64Mi"), cpuMem("1", "64Mi"))}, corev1.PodQOSBurstable},
		{"request only", []corev1.ResourceRequirements{resources(map[corev1.ResourceName]string{corev1.ResourceCPU: "1"}, nil)}, corev1.PodQOSBurstable},
		{"one of two", []corev1.ResourceRequirements{resources(nil, cpuMem("1", "1Gi")), {}}, corev1.PodQOSBurstable},
	} {
		var p corev1.Pod
		for _, r := range c.res {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Resources: r})
		}
		if got := qosOf(&p); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// writeJSONList prints, one pod at a time, what MarshalIndent prints of the whole list.
func TestWriteJSONListAsMarshalIndent(t *testing.T) {
	odd := pod("c", corev1.PodPending)
	odd.Annotations = map[string]string{"a<b>&c": "line 1\nline 2\t\"quoted\" \u2028"}
	pods := []corev1.Pod{pod("a", corev1.PodRunning), pod("b", corev1.PodFailed), odd}
	for _, n := range []int{0, 1, 3} {
		want, err := json.MarshalIndent(podList(pods[:n]), "", "    ")
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeJSONList(&got, slices.Clone(pods[:n])); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want)+"\n" {
			t.Errorf("%d pods:\n%s\nwant:\n%s", n, got.String(), want)
		}
	}
}
