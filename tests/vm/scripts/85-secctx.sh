#!/bin/sh
# securityContext, seccomp and oom_score_adj under a real cgroup-v2 kernel with podd as PID 1
# (which has CAP_SYS_RESOURCE, unlike the host tests' podd: a Guaranteed container's -997 is
# only seen here). Expected values (kubelet pkg/kubelet/qos/policy.go): Guaranteed -997,
# BestEffort 1000; every container: Seccomp 2 (RuntimeDefault), NoNewPrivs 1, `unshare -r`
# refused, RLIMIT_NOFILE 1024 soft.
set -eu
. /test/lib.sh

say "apply sec-guaranteed (limits = requests) and sec-besteffort"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata:
  name: sec-guaranteed
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      limits: {cpu: 100m, memory: 32Mi}
EOF2
apply <<EOF2
apiVersion: v1
kind: Pod
metadata:
  name: sec-besteffort
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 1000}
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "3600"]
EOF2
wait_row sec-guaranteed "1/1 Running" 20
wait_row sec-besteffort "1/1 Running" 20
expect_eq "sec-guaranteed qosClass" "$(pod_field sec-guaranteed status.qosClass)" Guaranteed

say "oom_score_adj per QoS class"
expect_eq "Guaranteed oom_score_adj" "$(podctl exec sec-guaranteed -- cat /proc/1/oom_score_adj)" -997
expect_eq "BestEffort oom_score_adj" "$(podctl exec sec-besteffort -- cat /proc/1/oom_score_adj)" 1000

say "the kernel's view of the container process"
for pod in sec-guaranteed sec-besteffort; do
	st=$(podctl exec $pod -- cat /proc/1/status)
	expect_contains "$pod Seccomp" "$st" "$(printf 'Seccomp:\t2')"
	expect_contains "$pod NoNewPrivs" "$st" "$(printf 'NoNewPrivs:\t1')"
	if podctl exec $pod -- unshare -r true >/dev/null 2>&1; then
		fail "$pod: unshare -r succeeded under RuntimeDefault"
	fi
	ok "$pod: unshare -r refused"
	expect_eq "$pod nofile soft" "$(podctl exec $pod -- sh -c 'ulimit -n')" 1024
done
expect_eq "sec-besteffort id" "$(podctl exec sec-besteffort -- id)" "uid=1000 gid=1000 groups=1000"

podctl delete pod sec-guaranteed sec-besteffort >/dev/null
