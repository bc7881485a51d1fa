package local

import (
	"context"

	"github.com/podd/podd/api/podconn"
)

// Pod is the little of a v1.Pod that the commands podctl runs itself read (which container to
// pick, its tty, the ports' names, the phase): decoded from podd's answer without k8s.io/api,
// whose package initialisation alone cost podctl more than a Go program's whole start.
type Pod struct {
	Metadata struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Containers          []Container `json:"containers"`
		InitContainers      []Container `json:"initContainers"`
		EphemeralContainers []Container `json:"ephemeralContainers"`
	} `json:"spec"`
	Status struct {
		Phase string `json:"phase"`
	} `json:"status"`
}

// Container is the little of a v1.Container those commands read.
type Container struct {
	Name  string `json:"name"`
	TTY   bool   `json:"tty"`
	Ports []struct {
		Name          string `json:"name"`
		ContainerPort int32  `json:"containerPort"`
	} `json:"ports"`
}

func getPod(ctx context.Context, cl *podconn.Client, ns, name string) (*Pod, error) {
	return podconn.GetJSON[Pod](ctx, cl, podconn.PodPath(ns, name), nil)
}
