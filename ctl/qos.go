package ctl

import (
	"github.com/podd/podd/podstatus"
	corev1 "k8s.io/api/core/v1"
)

// qosOf is status.qosClass, or the class computed from the requests and limits as the API
// server does (podstatus.QOSClass).
func qosOf(pod *corev1.Pod) corev1.PodQOSClass {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	return podstatus.QOSClass(pod)
}
