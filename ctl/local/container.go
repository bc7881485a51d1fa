package local

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/podd/podd/api/podconn"
)

// defaultContainerAnnotation names the container kubectl picks when none is given.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// pickContainer is the container logs and exec use when none is named, as kubectl's podcmd
// picks it: the one the default-container annotation names, else the first, announced on
// errOut when the pod has others.
func pickContainer(ctx context.Context, client *podconn.Client, ns, name string, errOut io.Writer) (string, error) {
	pod, err := getPod(ctx, client, ns, name)
	if err != nil {
		return "", err
	}
	return DefaultContainer(pod, errOut)
}

// DefaultContainer is pickContainer of a pod at hand.
func DefaultContainer(pod *Pod, errOut io.Writer) (string, error) {
	if len(pod.Spec.Containers) == 0 {
		return "", fmt.Errorf("pod %s/%s does not have any containers", pod.Metadata.Namespace, pod.Metadata.Name)
	}
	if def := pod.Metadata.Annotations[defaultContainerAnnotation]; def != "" && hasContainer(pod.Spec.Containers, def) {
		return def, nil
	}
	first := pod.Spec.Containers[0].Name
	if len(pod.Spec.Containers) > 1 || len(pod.Spec.InitContainers) > 0 || len(pod.Spec.EphemeralContainers) > 0 {
		fmt.Fprintf(errOut, "Defaulted container %q out of: %s\n", first, allContainerNames(pod))
	}
	return first, nil
}

func hasContainer(ctrs []Container, name string) bool {
	for _, c := range ctrs {
		if c.Name == name {
			return true
		}
	}
	return false
}

// allContainerNames is kubectl's "web, sync, debug (ephem), setup (init)".
func allContainerNames(pod *Pod) string {
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		names = append(names, c.Name+" (ephem)")
	}
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name+" (init)")
	}
	return strings.Join(names, ", ")
}
