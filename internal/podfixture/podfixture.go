// Package podfixture builds pods and container statuses for tests that print or judge them
// (podtable's cells, podctl's table): one set of builders at a fixed clock. Only tests import it.
package podfixture

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Now is the fixed clock the fixtures are dated from.
var Now = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Ago is Now minus d.
func Ago(d time.Duration) metav1.Time { return metav1.NewTime(Now.Add(-d)) }

// Running is a container status running for a minute.
func Running(name string, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: Ago(time.Minute)}}}
}

// Waiting is a container status waiting for reason.
func Waiting(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

// Terminated is a container status terminated with reason and code.
func Terminated(name, reason string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}}
}

// Pod is a pod in namespace default, 5 s old, with one container per status.
func Pod(name string, phase corev1.PodPhase, statuses ...corev1.ContainerStatus) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: Ago(5 * time.Second)}}
	p.Status.Phase = phase
	for _, s := range statuses {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: s.Name})
	}
	p.Status.ContainerStatuses = statuses
	return p
}
