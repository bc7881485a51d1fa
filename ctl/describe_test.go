package ctl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func describedPod() *corev1.Pod {
	start := metav1.NewTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	p := pod("web-sync", corev1.PodRunning, running("web", true, 1))
	p.Labels = map[string]string{"app": "web", "tier": "front"}
	p.Spec.NodeName = "host"
	p.Status.HostIP = "192.168.1.2"
	p.Status.StartTime = &start
	p.Status.PodIP = "10.88.0.2"
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.88.0.2"}}
	c := &p.Spec.Containers[0]
	c.Image = "busybox"
	c.Command = []string{"sh", "-c", "httpd -f"}
	c.Ports = []corev1.ContainerPort{{ContainerPort: 80}}
	c.Resources = resources(nil, map[corev1.ResourceName]string{corev1.ResourceMemory: "64Mi"})
	c.Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	st := &p.Status.ContainerStatuses[0]
	st.State.Running.StartedAt = start
	st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1, StartedAt: start, FinishedAt: start}
	size := resource.MustParse("1Gi")
	p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}}}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}, {Type: corev1.ContainersReady, Status: corev1.ConditionTrue}}
	return &p
}

const describedText = `Name:         web-sync
Namespace:    default
Node:         host/192.168.1.2
Start Time:   Thu, 02 Jan 2025 03:04:05 +0000
Labels:       app=web
              tier=front
Annotations:  <none>
Status:       Running
IP:           10.88.0.2
IPs:
  IP:  10.88.0.2
Containers:
  web:
    Container ID:  
    Image:         busybox
    Image ID:      
    Port:          80/TCP
    Host Port:     0/TCP
    Command:
      sh
      -c
      httpd -f
    State:          Running
      Started:      Thu, 02 Jan 2025 03:04:05 +0000
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Thu, 02 Jan 2025 03:04:05 +0000
      Finished:     Thu, 02 Jan 2025 03:04:05 +0000
    Ready:          True
    Restart Count:  1
    Limits:
      memory:  64Mi
    Environment:
      MODE:  prod
    Mounts:
      /data from data (rw)
Conditions:
  Type              Status
  Ready             True 
  ContainersReady   True 
Volumes:
  data:
    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:      
    SizeLimit:   1Gi
QoS Class:       Burstable
Node-Selectors:  <none>
`

func TestDescribePod(t *testing.T) {
	var buf bytes.Buffer
	if err := describePod(&buf, describedPod()); err != nil {
		t.Fatal(err)
	}
	if buf.String() != describedText {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), describedText)
	}
}

// An nfs volume is described with kubectl's lines.
func TestDescribeNFSVolume(t *testing.T) {
	p := describedPod()
	p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		NFS: &corev1.NFSVolumeSource{Server: "nas.lan", Path: "/exports/a", ReadOnly: true}}}}
	var buf bytes.Buffer
	if err := describePod(&buf, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    Type:        NFS (an NFS mount that lasts the lifetime of a pod)\n",
		"    Server:      nas.lan\n",
		"    Path:        /exports/a\n",
		"    ReadOnly:    true\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no line %q in:\n%s", want, buf.String())
		}
	}
}
