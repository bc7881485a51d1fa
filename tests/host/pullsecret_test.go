package host

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A registry needing credentials: the pod waits ErrImagePull with the registry's 401 until
// its imagePullSecrets Secret (kubernetes.io/dockerconfigjson, applied with podctl) exists.
func TestImagePullSecretHost(t *testing.T) {
	d := StartPodd(t)
	reg, host := testRegistry(t, d)
	reg.RequireAuth("alice", "s3cret")
	reg.Push(t, "private:1", podTestImage(t))
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  imagePullSecrets: [{name: regcred}]
  containers:
  - {name: c, image: "` + host + `/private:1", command: [testapp, sleep, "600"]}
`)
	p := d.WaitPod("private", 30*time.Second, "ErrImagePull", waitingReason("ErrImagePull"))
	if msg := p.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, "UNAUTHORIZED") {
		t.Errorf("message %q, want the registry's 401", msg)
	}
	if ev := d.MustCtl("describe", "pod", "private"); !strings.Contains(ev, "FailedToRetrieveImagePullSecret") {
		t.Errorf("no FailedToRetrieveImagePullSecret event:\n%s", ev)
	}
	d.Apply(dockerConfigSecret("regcred", host, "alice", "s3cret"))
	d.WaitPod("private", 60*time.Second, "running with the secret", podRunningOrSay)
	d.MustCtl("delete", "pod", "private")
	d.AssertNoPods()
}

// dockerConfigSecret is a kubernetes.io/dockerconfigjson Secret with user's credentials for
// registry.
func dockerConfigSecret(name, registry, user, pass string) string {
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, registry, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return `apiVersion: v1
kind: Secret
metadata: {name: ` + name + `}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ` + base64.StdEncoding.EncodeToString([]byte(cfg)) + `
`
}

// podRunningOrSay is podRunning with the container statuses in its error.
func podRunningOrSay(p *corev1.Pod) error {
	if p.Status.Phase != corev1.PodRunning {
		return fmt.Errorf("phase %s, %+v", p.Status.Phase, p.Status.ContainerStatuses)
	}
	return nil
}

// TestImagePullSecretsInTurn: with two pull secrets for the registry, the first with a wrong
// password, the pull tries the second after the first fails, as the kubelet does.
func TestImagePullSecretsInTurn(t *testing.T) {
	d := StartPodd(t)
	reg, host := testRegistry(t, d)
	reg.RequireAuth("alice", "s3cret")
	reg.Push(t, "private:1", podTestImage(t))
	d.Apply(dockerConfigSecret("wrong", host, "alice", "guess"))
	d.Apply(dockerConfigSecret("right", host, "alice", "s3cret"))
	d.Apply(`apiVersion: v1
kind: Pod
metadata: {name: private}
spec:
  imagePullSecrets: [{name: wrong}, {name: right}]
  containers:
  - {name: c, image: "` + host + `/private:1", command: [testapp, sleep, "600"]}
`)
	d.WaitPod("private", 60*time.Second, "running with the second secret", podRunningOrSay)
	d.MustCtl("delete", "pod", "private")
	d.AssertNoPods()
}
