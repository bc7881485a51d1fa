package manifest

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const secContainer = "  containers:\n  - name: web\n    image: /rootfs\n"

func TestSecurityContextErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		input string
		want  []string
	}{
		"pod ids and sysctls": {
			podYAML("  securityContext:\n    runAsUser: -1\n    fsGroup: 4294967296\n    supplementalGroups: [1, -2]\n" +
				"    sysctls:\n    - {name: kernel.hostname, value: x}\n    - {name: net.core.somaxconn, value: '1024'}\n    - {name: net.core.somaxconn, value: '1'}\n    - {name: 'Bad Name', value: x}\n" +
				secContainer),
			[]string{
				`spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive`,
				`spec.securityContext.fsGroup: Invalid value: 4294967296: must be between 0 and 2147483647, inclusive`,
				`spec.securityContext.supplementalGroups[1]: Invalid value: -2`,
				`spec.securityContext.sysctls[0].name: Forbidden: "kernel.hostname" is not a namespaced sysctl`,
				`spec.securityContext.sysctls[2].name: Duplicate value: "net.core.somaxconn"`,
				`spec.securityContext.sysctls[3].name: Invalid value: "Bad Name"`,
			},
		},
		"seccomp": {
			podYAML("  securityContext:\n    seccompProfile: {type: Localhost}\n" + secContainer +
				"    securityContext:\n      seccompProfile: {type: Localhost, localhostProfile: ../etc/x.json}\n" +
				"  - name: two\n    image: /rootfs\n    securityContext:\n      seccompProfile: {type: Other}\n"),
			[]string{
				`spec.securityContext.seccompProfile.localhostProfile: Required value`,
				`spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: "../etc/x.json": must not contain '..'`,
				`spec.containers[1].securityContext.seccompProfile.type: Unsupported value: "Other"`,
			},
		},
		"container": {
			podYAML(secContainer + "    securityContext:\n      privileged: true\n      allowPrivilegeEscalation: false\n" +
				"      capabilities: {add: [NET_ADMIN, BOGUS], drop: [ALL]}\n      procMount: Unmasked\n      runAsGroup: -5\n"),
			[]string{
				"spec.containers[0].securityContext: Invalid value: ",
				`spec.containers[0].securityContext.capabilities.add[1]: Invalid value: "BOGUS": unknown capability`,
				`spec.containers[0].securityContext.procMount: Unsupported value: "Unmasked"`,
				`spec.containers[0].securityContext.runAsGroup: Invalid value: -5`,
			},
		},
	} {
		_, err := Decode([]byte(tc.input))
		if err == nil {
			t.Errorf("%s: decoded without error", name)
			continue
		}
		for _, want := range tc.want {
			if !hasLine(err.Error(), want) {
				t.Errorf("%s: error\n%v\nhas no line starting with\n%s", name, err, want)
			}
		}
	}
}

func TestSecurityContextAccepted(t *testing.T) {
	in := podYAML("  securityContext:\n    runAsUser: 1000\n    runAsGroup: 3000\n    runAsNonRoot: true\n    fsGroup: 2000\n" +
		"    supplementalGroups: [4000]\n    seccompProfile: {type: RuntimeDefault}\n" +
		"    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: '80'}, {name: kernel.shmmax, value: '1'}, {name: fs.mqueue.msg_max, value: '20'}]\n" +
		secContainer + "    securityContext:\n      capabilities: {add: [CAP_NET_ADMIN], drop: [ALL]}\n      allowPrivilegeEscalation: false\n" +
		"      readOnlyRootFilesystem: true\n      procMount: Default\n      seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}\n")
	if _, err := Decode([]byte(in)); err != nil {
		t.Fatal(err)
	}
}

// Until hostNetwork is supported by Decode, Validate sees it directly.
func TestSysctlWithHostNamespaces(t *testing.T) {
	pod := validPod()
	pod.Spec.HostNetwork, pod.Spec.HostIPC = true, true
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "net.ipv4.ip_forward", Value: "1"}, {Name: "kernel.msgmax", Value: "1"}}}
	err := Validate(pod)
	for _, want := range []string{
		`spec.securityContext.sysctls[0].name: Forbidden: sysctl "net.ipv4.ip_forward" not allowed with hostNetwork enabled`,
		`spec.securityContext.sysctls[1].name: Forbidden: sysctl "kernel.msgmax" not allowed with hostIPC enabled`,
	} {
		if err == nil || !hasLine(err.Error(), want) {
			t.Errorf("error %v, want a line %s", err, want)
		}
	}
}
