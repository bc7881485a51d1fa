package ctl

import "testing"

const initPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
  - name: init
    image: /images/busybox
  containers:
  - name: web
    image: /images/busybox
  - name: log
    image: /images/busybox
`

// podctl set image as kubectl's: CONTAINER=IMAGE changes that container's image (an init
// container's too), *=IMAGE every one's; nothing printed when no image changes; a container
// the pod does not have, or a malformed pair, is an error naming it, and changes nothing.
func TestSetImage(t *testing.T) {
	viaBoth(t, func(t *testing.T, run podctlRun, sock string) {
		run(t, sock, initPod, "apply", "-f", "-")
		images := func() string {
			out, _, _ := run(t, sock, "", "get", "pod", "web", "-o", "jsonpath={.spec.initContainers[*].image} {.spec.containers[*].image}")
			return out
		}
		for _, tc := range []struct {
			args        []string
			out, errOut string
			images      string
		}{
			{[]string{"image", "pod/web", "log=/images/v2"}, "pod/web image updated\n", "", "/images/busybox /images/busybox /images/v2"},
			{[]string{"image", "pod", "web", "log=/images/v2"}, "", "", "/images/busybox /images/busybox /images/v2"},
			{[]string{"image", "pod/web", "init=/images/v3", "web=/images/v3"}, "pod/web image updated\n", "", "/images/v3 /images/v3 /images/v2"},
			{[]string{"image", "pod/web", "*=/images/v4", "--dry-run=server"}, "pod/web image updated (server dry run)\n", "", "/images/v3 /images/v3 /images/v2"},
			{[]string{"image", "pod/web", "*=/images/v4"}, "pod/web image updated\n", "", "/images/v4 /images/v4 /images/v4"},
			{[]string{"image", "pod/web", "nope=/images/x"}, "", "error: unable to find container named \"nope\"\n", "/images/v4 /images/v4 /images/v4"},
			{[]string{"image", "pod/web", "web"}, "", "error: invalid image update \"web\": want CONTAINER=IMAGE\n", "/images/v4 /images/v4 /images/v4"},
			{[]string{"image", "svc", "web", "web=x"}, "", "error: the server doesn't have a resource type \"svc\"\n", "/images/v4 /images/v4 /images/v4"},
			{[]string{"env", "pod/web"}, "", "error: set takes the subcommand image: set image pod/NAME CONTAINER=IMAGE...\n", "/images/v4 /images/v4 /images/v4"},
			{[]string{"image", "pod/nope", "web=x"}, "", "Error from server (NotFound): pods \"nope\" not found\n", "/images/v4 /images/v4 /images/v4"},
		} {
			out, errOut, _ := run(t, sock, "", append([]string{"set"}, tc.args...)...)
			if out != tc.out || errOut != tc.errOut {
				t.Errorf("set %q: out %q err %q, want %q %q", tc.args, out, errOut, tc.out, tc.errOut)
			}
			if got := images(); got != tc.images {
				t.Errorf("set %q: images %q, want %q", tc.args, got, tc.images)
			}
		}
	})
}
