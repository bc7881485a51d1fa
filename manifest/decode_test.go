package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestDecodeWebSync(t *testing.T) {
	data, err := os.ReadFile("testdata/web-sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pods, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(pods) != 1 {
		t.Fatalf("got %d pods, want 1", len(pods))
	}
	pod := pods[0]
	if pod.Name != "web-sync" || len(pod.Spec.Containers) != 2 || len(pod.Spec.Volumes) != 1 {
		t.Fatalf("unexpected pod: %+v", pod)
	}
	web, sync := pod.Spec.Containers[0], pod.Spec.Containers[1]
	if web.Image != "oci:/var/lib/podd/images/podd-test:latest" || !web.VolumeMounts[0].ReadOnly {
		t.Errorf("unexpected web container: %+v", web)
	}
	if web.Ports[0].ContainerPort != 8080 || web.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("unexpected web port: %+v", web.Ports[0])
	}
	wantArgs := []string{"while true; do date | tee -a /html/index.html; sleep 1; done"}
	if !reflect.DeepEqual(sync.Args, wantArgs) || sync.VolumeMounts[0].ReadOnly {
		t.Errorf("unexpected sync container: %+v", sync)
	}
	if pod.Spec.Volumes[0].EmptyDir == nil {
		t.Errorf("volume html is not an emptyDir: %+v", pod.Spec.Volumes[0])
	}
}

func TestExampleMatchesTestdata(t *testing.T) {
	example, err := os.ReadFile("../examples/web-sync.yaml")
	if err != nil {
		t.Fatalf("examples/web-sync.yaml: %v", err)
	}
	testdata, err := os.ReadFile("testdata/web-sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(example, testdata) {
		t.Error("examples/web-sync.yaml and manifest/testdata/web-sync.yaml differ")
	}
}

func TestDecodeMultiDoc(t *testing.T) {
	input := "---\n" + podYAML("  containers:\n  - {name: a, image: /rootfs}\n") +
		"---\n# empty\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: ns}\nspec:\n  containers: [{name: b, image: 'oci:/img'}]\n"
	pods, err := Decode([]byte(input))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := podNames(pods); !reflect.DeepEqual(got, []string{"default/p", "ns/q"}) {
		t.Errorf("got pods %v, want default/p and ns/q", got)
	}
}

func podNames(pods []*corev1.Pod) []string {
	var names []string
	for _, p := range pods {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

const jsonPod = `{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "j", "labels": {"app": "web"}},
  "spec": {
    "containers": [{
      "name": "c",
      "image": "/rootfs",
      "env": [{"name": "A", "value": "1"}],
      "resources": {"limits": {"cpu": 0.5, "memory": "64Mi"}}
    }]
  }
}`

func TestDecodeJSON(t *testing.T) {
	pod, err := DecodeJSON([]byte(jsonPod))
	if err != nil {
		t.Fatalf("DecodeJSON: %v", err)
	}
	c := pod.Spec.Containers[0]
	if pod.Name != "j" || pod.Labels["app"] != "web" || c.Env[0].Value != "1" {
		t.Errorf("unexpected pod: %+v", pod)
	}
	if cpu := c.Resources.Limits[corev1.ResourceCPU]; cpu.MilliValue() != 500 {
		t.Errorf("cpu limit = %v, want 500m", cpu.String())
	}
	// Decode reads JSON too.
	pods, err := Decode([]byte(jsonPod))
	if err != nil || len(pods) != 1 || !reflect.DeepEqual(pods[0], pod) {
		t.Errorf("Decode(JSON) = %v, %v; want the pod of DecodeJSON", pods, err)
	}
}

func TestDecodeList(t *testing.T) {
	input := "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n" +
		"- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers: [{name: a, image: /rootfs}]\n" +
		"- metadata: {name: b}\n  spec:\n    containers: [{name: b, image: /rootfs}]\n"
	pods, err := Decode([]byte(input))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := podNames(pods); !reflect.DeepEqual(got, []string{"default/a", "default/b"}) {
		t.Errorf("got pods %v, want default/a and default/b", got)
	}
	if pods[1].APIVersion != "v1" || pods[1].Kind != "Pod" {
		t.Errorf("list item without type: got %q %q, want v1 Pod", pods[1].APIVersion, pods[1].Kind)
	}
}

func TestDecodeAppliesDefaults(t *testing.T) {
	pods, err := Decode([]byte(podYAML("  containers:\n  - name: a\n    image: /rootfs\n" +
		"    ports: [{containerPort: 80}]\n    resources:\n      limits: {cpu: '1'}\n")))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	pod := pods[0]
	c := pod.Spec.Containers[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"metadata.namespace", pod.Namespace, "default"},
		{"spec.restartPolicy", pod.Spec.RestartPolicy, corev1.RestartPolicyAlways},
		{"spec.terminationGracePeriodSeconds", *pod.Spec.TerminationGracePeriodSeconds, int64(30)},
		{"spec.dnsPolicy", pod.Spec.DNSPolicy, corev1.DNSClusterFirst},
		{"terminationMessagePath", c.TerminationMessagePath, "/dev/termination-log"},
		{"terminationMessagePolicy", c.TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"imagePullPolicy", c.ImagePullPolicy, corev1.PullIfNotPresent},
		{"ports[0].protocol", c.Ports[0].Protocol, corev1.ProtocolTCP},
		{"resources.requests.cpu", c.Resources.Requests.Cpu().String(), "1"},
		{"spec.schedulerName", pod.Spec.SchedulerName, ""},
		{"spec.enableServiceLinks", pod.Spec.EnableServiceLinks, (*bool)(nil)},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestSetDefaultsKeepsValues(t *testing.T) {
	grace := int64(0)
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		RestartPolicy:                 corev1.RestartPolicyNever,
		TerminationGracePeriodSeconds: &grace,
		Containers: []corev1.Container{{
			ImagePullPolicy: corev1.PullNever,
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			},
		}},
	}}
	SetDefaults(pod)
	c := pod.Spec.Containers[0]
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever || *pod.Spec.TerminationGracePeriodSeconds != 0 ||
		c.ImagePullPolicy != corev1.PullNever || c.Resources.Requests.Cpu().String() != "1" {
		t.Errorf("SetDefaults changed set values: %+v", pod.Spec)
	}
}

func TestDecodeAcceptsAndDropsStatus(t *testing.T) {
	input := podYAML("  nodeName: host\n  containers:\n  - {name: a, image: /rootfs}\n") +
		"status:\n  phase: Running\n  podIP: 10.0.0.2\n  someFutureField: {x: 1}\n"
	pods, err := Decode([]byte(input))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(pods[0].Status, corev1.PodStatus{}) {
		t.Errorf("status was kept: %+v", pods[0].Status)
	}
}

// The JSON of a decoded pod, with status and metadata the runtime sets,
// decodes again to the same pod ("podctl get -o yaml | podctl apply -f -").
func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/web-sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pods, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]
	pod.UID = "0b5e3c2e-7f3a-4a57-9d0c-1d2f3e4a5b6c"
	pod.ResourceVersion = "3"
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.88.0.2"}
	out, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	again, err := DecodeJSON(out)
	if err != nil {
		t.Fatalf("DecodeJSON(%s): %v", out, err)
	}
	pod.Status = corev1.PodStatus{}
	if !reflect.DeepEqual(again, pod) {
		t.Errorf("round trip changed the pod:\n got %+v\nwant %+v", again, pod)
	}
}

func BenchmarkDecodeWebSync(b *testing.B) {
	data, err := os.ReadFile("testdata/web-sync.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
