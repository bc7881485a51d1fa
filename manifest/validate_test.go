package manifest

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func validPod() *corev1.Pod {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Volumes: []corev1.Volume{{
			Name:         "data",
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/data"}},
		}},
		Containers: []corev1.Container{{
			Name:         "app",
			Image:        "/var/lib/podd/rootfs/app",
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
		}},
	}}
	pod.Name = "app"
	SetDefaults(pod)
	return pod
}

func TestValidateValidPod(t *testing.T) {
	if err := Validate(validPod()); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidate(t *testing.T) {
	pod := validPod()
	pod.Namespace = "My.NS"
	pod.Spec.Containers = append(pod.Spec.Containers, pod.Spec.Containers[0])
	pod.Spec.Containers[1].WorkingDir = "tmp"
	pod.Spec.Containers[1].VolumeMounts = []corev1.VolumeMount{{Name: "html", MountPath: "/html"}}
	err := Validate(pod)
	want := []string{
		`metadata.namespace: Invalid value: "My.NS": a lowercase RFC 1123 label must consist of`,
		`spec.containers[1].workingDir: Invalid value: "tmp": must be an absolute path`,
		`spec.containers[1].volumeMounts[0].name: Not found: "html"`,
		`spec.containers[1].name: Duplicate value: "app"`,
	}
	if err == nil {
		t.Fatal("Validate succeeded, want an error")
	}
	for _, w := range want {
		if !hasLine(err.Error(), w) {
			t.Errorf("error\n%v\nhas no line starting with\n%s", err, w)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Document != -1 || len(e.Errs) != len(want) {
		t.Errorf("got %#v, want an *Error with %d problems and no document", err, len(want))
	}
}

func TestValidateNeedsDefaults(t *testing.T) {
	pod := validPod()
	pod.Spec.RestartPolicy = ""
	err := Validate(pod)
	if err == nil || err.Error() != "spec.restartPolicy: Required value" {
		t.Fatalf("got %v, want spec.restartPolicy: Required value", err)
	}
}

func TestValidImage(t *testing.T) {
	tests := map[string]bool{
		"/var/lib/podd/rootfs/app": true,
		"oci:/images/app":          true,
		"oci:/images/app:v1.2":     true,
		"oci:/images/my:app/x":     true, // the colon is in the path
		"nginx":                    true,
		"docker.io/library/nginx":  true,
		"localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": true,
		"Nginx":            false,
		"docker://nginx":   false,
		"nginx:":           false,
		"oci:images/app":   false,
		"oci:/images/app:": false,
		"oci:":             false,
		"oci::v1":          false,
	}
	for image, want := range tests {
		if got := validImage(image); got != want {
			t.Errorf("validImage(%q) = %v, want %v", image, got, want)
		}
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"nginx": corev1.PullAlways, "nginx:latest": corev1.PullAlways, "localhost:5000/x": corev1.PullAlways,
		"nginx:1.27": corev1.PullIfNotPresent, "/rootfs": corev1.PullIfNotPresent, "oci:/l": corev1.PullIfNotPresent,
		"oci:/l:latest": corev1.PullIfNotPresent,
		"x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": corev1.PullIfNotPresent,
	} {
		if got := defaultPullPolicy(image); got != want {
			t.Errorf("defaultPullPolicy(%q) = %s, want %s", image, got, want)
		}
	}
}
