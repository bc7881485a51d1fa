package ctl

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
	case src.NFS != nil:
		d.line(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n")
		d.line(2, "Server:\t%s\n", src.NFS.Server)
		d.line(2, "Path:\t%s\n", src.NFS.Path)
		d.line(2, "ReadOnly:\t%v\n", src.NFS.ReadOnly)
	case src.Image != nil:
		d.line(2, "Type:\tImage (a container image or OCI artifact)\n")
		d.line(2, "Reference:\t%s\n", src.Image.Reference)
		d.line(2, "PullPolicy:\t%s\n", src.Image.PullPolicy)
	case src.ConfigMap != nil:
		d.line(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
		d.line(2, "Name:\t%s\n", src.ConfigMap.Name)
		d.line(2, "Optional:\t%v\n", optional(src.ConfigMap.Optional))
	case src.Secret != nil:
		d.line(2, "Type:\tSecret (a volume populated by a Secret)\n")
		d.line(2, "SecretName:\t%s\n", src.Secret.SecretName)
		d.line(2, "Optional:\t%v\n", optional(src.Secret.Optional))
	case src.DownwardAPI != nil:
		d.line(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n")
		describeDownwardItems(d, src.DownwardAPI.Items)
	case src.Projected != nil:
		describeProjected(d, src.Projected)
	default:
		d.line(1, "<unknown>\n")
	}
}

func optional(b *bool) bool { return b != nil && *b }

func describeDownwardItems(d describer, items []corev1.DownwardAPIVolumeFile) {
	d.line(2, "Items:\n")
	for _, it := range items {
		switch {
		case it.FieldRef != nil:
			d.line(3, "%s -> %s\n", it.FieldRef.FieldPath, it.Path)
		case it.ResourceFieldRef != nil:
			d.line(3, "%s -> %s\n", it.ResourceFieldRef.Resource, it.Path)
		}
	}
}

// describeProjected prints kubectl's lines for a projected volume's sources.
func describeProjected(d describer, p *corev1.ProjectedVolumeSource) {
	d.line(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
	for _, src := range p.Sources {
		switch {
		case src.ConfigMap != nil:
			d.line(2, "ConfigMapName:\t%s\n", src.ConfigMap.Name)
			d.line(2, "Optional:\t%v\n", optional(src.ConfigMap.Optional))
		case src.Secret != nil:
			d.line(2, "SecretName:\t%s\n", src.Secret.Name)
			d.line(2, "Optional:\t%v\n", optional(src.Secret.Optional))
		case src.DownwardAPI != nil:
			d.line(2, "DownwardAPI:\ttrue\n")
		}
	}
}

// describeEnvFrom prints kubectl's "Environment Variables from:" lines.
func describeEnvFrom(d describer, from []corev1.EnvFromSource) {
	if len(from) == 0 {
		return
	}
	d.line(2, "Environment Variables from:\n")
	for _, f := range from {
		name, kind, opt := "", "", (*bool)(nil)
		switch {
		case f.ConfigMapRef != nil:
			name, kind, opt = f.ConfigMapRef.Name, "ConfigMap", f.ConfigMapRef.Optional
		case f.SecretRef != nil:
			name, kind, opt = f.SecretRef.Name, "Secret", f.SecretRef.Optional
		}
		if f.Prefix != "" {
			kind += " with prefix '" + f.Prefix + "'"
		}
		d.line(3, "%s\t%s\tOptional: %v\n", name, kind, optional(opt))
	}
}
