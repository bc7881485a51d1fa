package main

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func describeVolumes(d describer, vols []corev1.Volume) {
	if len(vols) == 0 {
		d.line(0, "Volumes:\t<none>\n")
		return
	}
	d.line(0, "Volumes:\n")
	for _, v := range vols {
		d.line(1, "%s:\n", v.Name)
		describeVolumeSource(d, v.VolumeSource)
	}
}

func describeVolumeSource(d describer, src corev1.VolumeSource) {
	switch {
	case src.EmptyDir != nil:
		sizeLimit := "<unset>"
		if q := src.EmptyDir.SizeLimit; q != nil && q.Cmp(resource.Quantity{}) > 0 {
			sizeLimit = q.String()
		}
		d.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
		d.line(2, "Medium:\t%s\n", src.EmptyDir.Medium)
		d.line(2, "SizeLimit:\t%s\n", sizeLimit)
	case src.HostPath != nil:
		typ := "<none>"
		if src.HostPath.Type != nil {
			typ = string(*src.HostPath.Type)
		}
		d.line(2, "Type:\tHostPath (bare host directory volume)\n")
		d.line(2, "Path:\t%s\n", src.HostPath.Path)
		d.line(2, "HostPathType:\t%s\n", typ)
	case src.Image != nil:
		d.line(2, "Type:\tImage (a container image or OCI artifact)\n")
		d.line(2, "Reference:\t%s\n", src.Image.Reference)
		d.line(2, "PullPolicy:\t%s\n", src.Image.PullPolicy)
	default:
		d.line(1, "<unknown>\n")
	}
}
