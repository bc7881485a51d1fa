package runtime

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	rt "github.com/podd/podd/rootfs/registrytest"
	corev1 "k8s.io/api/core/v1"
)

func dockerConfigSecret(name, registry, user, pass string) *corev1.Secret {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	sec := &corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{
		corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths":{%q:{"auth":%q}}}`, registry, auth)}}
	sec.Name, sec.Namespace = name, "default"
	return sec
}

// A registry needing credentials: without the pod's pull secret the pull fails with the
// registry's 401 (and the kubelet's warning about the missing secret); once the Secret is
// applied, the next try pulls with it and the container starts.
func TestImagePullSecret(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	reg.RequireAuth("alice", "s3cret")
	image := reg.Push(t, "private:1", simpleImage(t))
	in := registryPod("web", image, corev1.PullIfNotPresent)
	in.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
	apply(t, r, in)
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "web", reasonErrImagePull, "UNAUTHORIZED: authentication required")
	wantEvents(t, r, reasonFailedPullSecret+" Unable to retrieve some image pull secrets (regcred); "+
		"attempting to pull the image may not succeed.")
	if _, _, err := r.PutSecret(dockerConfigSecret("regcred", "https://"+reg.Host+"/v1/", "alice", "s3cret")); err != nil {
		t.Fatal(err)
	}
	clock.tick <- time.Now()
	clock.wait(t, backoffBase-pullErrShown)
	clock.tick <- time.Now()
	nextStart(t, h)
	clock.drain()
	deleteLeavesNothing(t, r, h, "web")
}

// A wrong password is the registry's 401 too; a dockercfg Secret for another registry is
// not sent to this one.
func TestImagePullSecretWrong(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	reg.RequireAuth("alice", "s3cret")
	image := reg.Push(t, "private:1", simpleImage(t))
	if _, _, err := r.PutSecret(dockerConfigSecret("wrong", reg.Host, "alice", "guess")); err != nil {
		t.Fatal(err)
	}
	other := &corev1.Secret{Type: corev1.SecretTypeDockercfg, Data: map[string][]byte{
		corev1.DockerConfigKey: []byte(`{"elsewhere.example:5000":{"username":"alice","password":"s3cret"}}`)}}
	other.Name, other.Namespace = "other", "default"
	if _, _, err := r.PutSecret(other); err != nil {
		t.Fatal(err)
	}
	in := registryPod("web", image, corev1.PullIfNotPresent)
	in.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "other"}, {Name: "wrong"}}
	apply(t, r, in)
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "web", reasonErrImagePull, "UNAUTHORIZED: authentication required")
	evs, _ := r.Events("default")
	for _, e := range evs {
		if strings.Contains(e.Reason, reasonFailedPullSecret) {
			t.Errorf("event %s %s, with both secrets present", e.Reason, e.Message)
		}
	}
	clock.drain()
	deleteLeavesNothing(t, r, h, "web")
}
