#!/bin/sh
# Broken manifests are refused with an error naming the field, whether the manifest itself is
# invalid or the pod fails while starting (missing image, command not in the image, hostPath
# missing); nothing is left behind: no cgroup, pod dir, mount, namespace, IP, process or pod.
set -eu
. /test/lib.sh

N=0
# reject WHAT EXPECTED-SUBSTRING... (manifest on stdin): apply must fail and say each substring.
reject() {
	_what=$1
	shift
	N=$((N + 1))
	if _out=$(podctl apply -f - 2>&1); then
		fail "$_what: podctl apply succeeded: $_out"
	fi
	for _s in "$@"; do
		expect_contains "$_what: error" "$_out" "$_s"
	done
	echo "      ($_out)"
}

say "invalid manifests"
reject "missing image" 'spec.containers[0].image: Required value' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: noimage}
spec:
  containers:
  - name: c
    command: [sleep, "10"]
EOF
reject "duplicate container names" 'spec.containers[1].name: Duplicate value: "c"' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: dup}
spec:
  containers:
  - {name: c, image: "$IMAGE", command: [sleep, "10"]}
  - {name: c, image: "$IMAGE", command: [sleep, "10"]}
EOF
reject "undefined volume mount" 'spec.containers[0].volumeMounts[0].name: Not found: "nope"' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: novol}
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "10"]
    volumeMounts: [{name: nope, mountPath: /data}]
EOF
reject "negative quantity" 'spec.containers[0].resources.limits.memory' '-64Mi' 'must be greater than or equal to 0' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: negative}
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "10"]
    resources:
      limits: {memory: -64Mi}
EOF
reject "request above limit" 'spec.containers[0].resources.requests.cpu' 'must be less than or equal to cpu limit' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: overcommit}
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "10"]
    resources:
      requests: {cpu: "2"}
      limits: {cpu: "1"}
EOF
reject "unknown field" 'imagePullPolicyy' 'spec.containers[0]' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: unknown}
spec:
  containers:
  - name: c
    image: $IMAGE
    imagePullPolicyy: Always
EOF
reject "bad pod name" 'metadata.name: Invalid value: "Bad_Name"' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: Bad_Name}
spec:
  containers:
  - {name: c, image: "$IMAGE", command: [sleep, "10"]}
EOF
reject "bad container name" 'spec.containers[0].name: Invalid value: "C!"' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: badctr}
spec:
  containers:
  - {name: "C!", image: "$IMAGE", command: [sleep, "10"]}
EOF
reject "relative mountPath" 'spec.containers[0].volumeMounts[0].mountPath' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: relmount}
spec:
  volumes: [{name: v, emptyDir: {}}]
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "10"]
    volumeMounts: [{name: v, mountPath: data}]
EOF
reject "not a Pod" 'Deployment' <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: deploy}
spec: {}
EOF
reject "YAML syntax error" 'YAML' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: yaml
spec: [
EOF

say "pods that fail while starting"
reject "image not in the store" 'spec.containers[0].image' 'nope' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: noimg}
spec:
  containers:
  - {name: c, image: "oci:/var/lib/podd/images/nope:latest", command: [sleep, "10"]}
EOF
reject "hostPath of type Directory missing" 'Error from server (Invalid)' 'spec.volumes[0].hostPath' '/no/such/dir' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: nohostpath}
spec:
  volumes: [{name: h, hostPath: {path: /no/such/dir, type: Directory}}]
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "10"]
    volumeMounts: [{name: h, mountPath: /h}]
EOF
reject "command not in the image" 'spec.containers[1]' '/no/such/binary' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  containers:
  - {name: good, image: "$IMAGE", command: [sleep, "4242"]}
  - {name: bad, image: "$IMAGE", command: [/no/such/binary]}
EOF
# Only the container's own setup can find this one out (a mount point below a file): the
# first container is already running (sleep 4242, with a tmpfs emptyDir) when the second
# fails, and both must be gone afterwards.
reject "volume mount below a file" 'spec.containers[1].volumeMounts[0]' '/etc/passwd/x' <<EOF
apiVersion: v1
kind: Pod
metadata: {name: halfway}
spec:
  volumes: [{name: m, emptyDir: {medium: Memory}}]
  containers:
  - name: good
    image: $IMAGE
    command: [sleep, "4242"]
    volumeMounts: [{name: m, mountPath: /m}]
  - name: bad
    image: $IMAGE
    command: [sleep, "4243"]
    volumeMounts: [{name: m, mountPath: /etc/passwd/x}]
EOF
for f in /proc/[0-9]*/cmdline; do
	case "$(tr '\0' ' ' <"$f" 2>/dev/null)" in
	"sleep 4242 " | "sleep 4243 ") fail "a container of a refused pod survived: ${f%/cmdline}: $(tr '\0' ' ' <"$f")" ;;
	esac
done
ok "no 'sleep 4242' or 'sleep 4243' left"

say "nothing left behind after $N refused manifests"
expect_eq "IP allocations" "$(ls -A /var/lib/podd/ipam 2>/dev/null)" ""
expect_no_zombies "after refused pods"
expect_clean

say "the same names work once fixed"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  containers:
  - {name: good, image: "$IMAGE", command: [sleep, "4242"]}
EOF
wait_row nocmd "1/1 Running" 10
podctl delete pod nocmd
expect_clean
echo "ok: bad input"
