package runtime

import (
	"context"
	"fmt"
	"strings"

	"github.com/podd/podd/rootfs"
	corev1 "k8s.io/api/core/v1"
)

// reasonFailedPullSecret is the kubelet's event when an image pull secret cannot be read.
const reasonFailedPullSecret = "FailedToRetrieveImagePullSecret"

// pullAuth reads the pod's imagePullSecrets now (each pull reads them again, so a Secret
// applied after the pod is used by the next try); the pull tries every matching credential of
// every Secret in turn, then the node's. A missing Secret is the kubelet's warning
// event and the pull goes on without it; a Secret whose credentials do not parse fails the
// pull, naming it.
func (p *pod) pullAuth() (rootfs.Keyring, error) {
	kr, missing, err := p.secretKeyring()
	if len(missing) > 0 {
		p.event(corev1.EventTypeWarning, reasonFailedPullSecret, fmt.Sprintf("Unable to retrieve some image "+
			"pull secrets (%s); attempting to pull the image may not succeed.", strings.Join(missing, ", ")))
	}
	if err != nil {
		return nil, fmt.Errorf("spec.imagePullSecrets: %w", err)
	}
	return kr, nil
}

// secretKeyring is the keyring of the pod's imagePullSecrets that exist now (nil: none), and
// the names of those missing.
func (p *pod) secretKeyring() (rootfs.Keyring, []string, error) {
	var secrets []rootfs.PullSecret
	var missing []string
	for _, ref := range p.obj.Spec.ImagePullSecrets {
		if ref.Name == "" {
			continue
		}
		sec, err := p.rt.Secret(p.obj.Namespace, ref.Name)
		if err != nil {
			missing = append(missing, ref.Name)
			continue
		}
		secrets = append(secrets, rootfs.PullSecret{Name: sec.Name, Type: string(sec.Type), Data: sec.Data})
	}
	if len(secrets) == 0 {
		return nil, missing, nil
	}
	kr, err := rootfs.SecretKeyring(secrets)
	return kr, missing, err
}

// resolvePresent is the container's registry image if this machine has it and the pod may use
// it: rootfs.ErrNotVerified when it was pulled with a pod's credential the pod does not have
// (it then pulls the image with its own, or, with pull policy Never, is refused). It never
// asks the network, and sends no event.
func (c *container) resolvePresent() (*rootfs.Image, error) {
	return c.p.rt.images.ResolveFor(context.Background(), c.spec.Image, c.p.quietKeyring())
}

// quietKeyring is the pod's pull secrets' keyring, read only when an image needs them, without
// events: an unreadable Secret proves nothing (a pull then says why).
func (p *pod) quietKeyring() rootfs.Keyring {
	return rootfs.LazyKeyring(func() rootfs.Keyring {
		kr, _, _ := p.secretKeyring()
		return kr
	})
}
