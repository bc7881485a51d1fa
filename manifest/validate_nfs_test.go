package manifest

import "testing"

// An nfs volume is accepted with server, path and readOnly (it used to be refused as a cluster
// volume); bad input is refused naming the field.
func TestNFSVolume(t *testing.T) {
	ctr := "  containers:\n  - name: web\n    image: /rootfs\n    volumeMounts: [{name: v, mountPath: /v}]\n"
	pods, err := Decode([]byte(podYAML("  volumes:\n  - name: v\n    nfs: {server: nas.example, path: /exports/a, readOnly: true}\n" + ctr)))
	if err != nil {
		t.Fatalf("a valid nfs volume: %v", err)
	}
	if n := pods[0].Spec.Volumes[0].NFS; n == nil || n.Server != "nas.example" || n.Path != "/exports/a" || !n.ReadOnly {
		t.Errorf("nfs source %+v", n)
	}
	for _, server := range []string{"10.0.0.2", "fd00::2", "[fd00::2]", "NAS_01.lan"} {
		if _, err := Decode([]byte(podYAML("  volumes:\n  - name: v\n    nfs: {server: \"" + server + "\", path: /x}\n" + ctr))); err != nil {
			t.Errorf("server %q: %v", server, err)
		}
	}
	cases := []struct{ name, nfs, want string }{
		{"no server", "{path: /x}", `spec.volumes[0].nfs.server: Required value`},
		{"empty server", `{server: "", path: /x}`, `spec.volumes[0].nfs.server: Required value`},
		{"no path", "{server: nas}", `spec.volumes[0].nfs.path: Required value`},
		{"relative path", "{server: nas, path: exports/a}", `spec.volumes[0].nfs.path: Invalid value: "exports/a": must be an absolute path`},
		{"NUL in path", `{server: nas, path: "/a\0b"}`, `spec.volumes[0].nfs.path: Invalid value: "/a\x00b": must not contain a NUL byte`},
		{"bad server", `{server: "nas:/x", path: /x}`, `spec.volumes[0].nfs.server: Invalid value: "nas:/x": must be an IP address or a host name`},
		{"unknown field", "{server: nas, path: /x, port: 2049}", `spec.volumes[0].nfs.port: unknown field`},
		{"two sources", "{server: nas, path: /x}\n    emptyDir: {}", `spec.volumes[0].nfs: Forbidden: may not specify more than 1 volume type`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(podYAML("  volumes:\n  - name: v\n    nfs: " + c.nfs + "\n" + ctr)))
			if err == nil || !hasLine(err.Error(), c.want) {
				t.Errorf("got %v\nwant a line %q", err, c.want)
			}
		})
	}
}
