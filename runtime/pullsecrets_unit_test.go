package runtime

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	rt "github.com/podd/podd/rootfs/registrytest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// An image pulled with a pod's pull secret is not another pod's for the asking (KEP-2535, the
// kubelet's default policy): a pod without the credential pulls it itself, and the registry
// refuses it (ErrImagePull, 401); with pull policy Never it is refused outright
// (ErrImageNeverPull). A pod whose Secret holds the same credential, under another name, uses
// the image on this machine without asking the registry.
func TestImagePulledWithASecretNeedsIt(t *testing.T) {
	r, h := newTestRuntime(t)
	clock := gate(r)
	reg := rt.Start(t)
	reg.RequireAuth("alice", "s3cret")
	var gets getCounter
	reg.Wrap(gets.wrap)
	image := reg.Push(t, "private:1", simpleImage(t))
	for _, name := range []string{"regcred", "copy"} {
		if _, _, err := r.PutSecret(dockerConfigSecret(name, reg.Host, "alice", "s3cret")); err != nil {
			t.Fatal(err)
		}
	}
	withSecret := func(name, secret string, policy corev1.PullPolicy) *corev1.Pod {
		in := registryPod(name, image, policy)
		if secret != "" {
			in.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: secret}}
		}
		return in
	}
	apply(t, r, withSecret("web", "regcred", corev1.PullIfNotPresent))
	nextStart(t, h)

	apply(t, r, withSecret("nosecret", "", corev1.PullIfNotPresent))
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "nosecret", reasonErrImagePull, "UNAUTHORIZED: authentication required")

	manifests, _ := gets.counts()
	apply(t, r, withSecret("same", "copy", corev1.PullIfNotPresent))
	nextStart(t, h)
	if n, _ := gets.counts(); n != manifests {
		t.Errorf("the pod holding the credential asked the registry (%d manifest GETs)", n-manifests)
	}

	// Nor does a change of image let a pod use it (an update takes only images present).
	local := testPod(t, "local", "c")
	apply(t, r, local)
	nextStart(t, h)
	local.Spec.Containers[0].Image = image
	if _, _, err := r.Apply(context.Background(), local); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "pulled with credentials this pod does not have") {
		t.Errorf("an update to the image: %v, want it refused", err)
	}

	apply(t, r, withSecret("never", "", corev1.PullNever))
	clock.wait(t, pullErrShown)
	wantWaiting(t, r, "never", reasonErrImageNeverPull, "pulled with credentials this pod does not have")
	clock.drain()
	for _, name := range []string{"web", "nosecret", "same", "local"} {
		deletePod(t, r, name, 0)
	}
	deleteLeavesNothing(t, r, h, "never")
}
