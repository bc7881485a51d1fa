#!/bin/sh
# Resources -> cgroup files (docs/architecture.md "Cgroups", cgroupfs/convert.go), read from the
# VM (/sys/fs/cgroup/podd/pods/<uid>/<ctr>) and from inside the container (cgroup namespace:
# its own cgroup is /sys/fs/cgroup). Expected values:
#   cpu.weight: quadratic shares->weight map: 250m -> 35, 500m -> 59, 1000m -> 100,
#               no request -> 1 (kubelet's minimum); pod: sum of requests (1250m -> 120,
#               1750m -> 156)
#   cpu.max:    limit * 100000 / 1000 per 100000 us; pod: the sum only when every container
#               has a limit, else "max 100000"
#   memory.max: the limit in bytes; pod: the sum only when every container has a limit
#   memory.oom.group 1 and memory.swap.max 0 in every container; pids.max 4096 on the pod.
set -eu
. /test/lib.sh

say "apply cg-limited (every container has limits) and cg-mixed (one without any)"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: cg-limited
spec:
  containers:
  - name: c1
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      requests: {cpu: 250m}
      limits: {cpu: 500m, memory: 64Mi}
  - name: c2
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      requests: {cpu: "1"}
      limits: {cpu: "1", memory: 128Mi}
EOF
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: cg-mixed
spec:
  containers:
  - name: c1
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      requests: {cpu: 250m}
      limits: {cpu: 500m, memory: 64Mi}
  - name: c2
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      requests: {cpu: "1"}
      limits: {cpu: "1", memory: 128Mi}
  - name: c3
    image: $IMAGE
    command: [sleep, "3600"]
  - name: c4
    image: $IMAGE
    command: [sleep, "3600"]
    resources:
      limits: {cpu: 500m, memory: 32Mi}
EOF
wait_row cg-limited "2/2 Running" 20
wait_row cg-mixed "4/4 Running" 20
expect_eq "cg-limited qosClass" "$(pod_field cg-limited status.qosClass)" Burstable
expect_eq "cg-mixed qosClass" "$(pod_field cg-mixed status.qosClass)" Burstable

# cg POD CTR FILE EXPECTED: host-side value of a container's ("" CTR: the pod's) cgroup file.
cg() {
	_u=$(pod_uid "$1")
	_f=$PODS_CG/$_u${2:+/$2}/$3
	[ -f "$_f" ] || fail "$_f does not exist"
	expect_eq "$1${2:+/$2} $3 (host)" "$(cat "$_f")" "$4"
}
# inside POD CTR FILE EXPECTED: the same file as the container sees it at /sys/fs/cgroup.
inside() {
	expect_eq "$1/$2 $3 (inside)" "$(podctl exec "$1" -c "$2" -- cat /sys/fs/cgroup/$3)" "$4"
}

say "container cgroups: host side"
for pod in cg-limited cg-mixed; do
	cg $pod c1 cpu.weight 35
	cg $pod c1 cpu.max "50000 100000"
	cg $pod c1 memory.max 67108864
	cg $pod c2 cpu.weight 100
	cg $pod c2 cpu.max "100000 100000"
	cg $pod c2 memory.max 134217728
	for c in c1 c2; do
		cg $pod $c memory.oom.group 1
		cg $pod $c memory.swap.max 0
		cg $pod $c pids.max max
	done
done
cg cg-mixed c3 cpu.weight 1
cg cg-mixed c3 cpu.max "max 100000"
cg cg-mixed c3 memory.max max
cg cg-mixed c3 memory.oom.group 1
cg cg-mixed c3 memory.swap.max 0
cg cg-mixed c4 cpu.weight 59
cg cg-mixed c4 cpu.max "50000 100000"
cg cg-mixed c4 memory.max 33554432
cg cg-mixed c4 memory.oom.group 1

say "pod cgroups: host side"
cg cg-limited "" cpu.weight 120
cg cg-limited "" cpu.max "150000 100000"
cg cg-limited "" memory.max 201326592
cg cg-limited "" pids.max 4096
cg cg-mixed "" cpu.weight 156
cg cg-mixed "" cpu.max "max 100000"
cg cg-mixed "" memory.max max
cg cg-mixed "" pids.max 4096
for pod in cg-limited cg-mixed; do
	cg $pod "" cgroup.subtree_control "cpu memory pids"
	cg $pod "" cgroup.procs ""
done

say "container cgroups: inside (cgroup namespace)"
inside cg-limited c1 cpu.max "50000 100000"
inside cg-limited c1 memory.max 67108864
inside cg-limited c1 memory.oom.group 1
inside cg-limited c1 memory.swap.max 0
inside cg-mixed c3 cpu.max "max 100000"
inside cg-mixed c3 cpu.weight 1
inside cg-mixed c4 memory.max 33554432
TA=$(podctl exec cg-limited -c c2 -- testapp cgroup)
expect_eq "testapp cgroup in cg-limited/c2" "$TA" "0::/
cpu.weight: 100
cpu.max: 100000 100000
memory.max: 134217728
pids.max: max"
expect_eq "/proc/1/cgroup of cg-mixed/c4 (its main process)" "$(podctl exec cg-mixed -c c4 -- cat /proc/1/cgroup)" "0::/"
P=$(ctr_pid cg-mixed c4)
expect_eq "/proc/$P/cgroup seen from the VM" "$(cat /proc/$P/cgroup)" "0::/podd/pods/$(pod_uid cg-mixed)/c4"
if podctl exec cg-mixed -c c4 -- sh -c 'echo 1 > /sys/fs/cgroup/cpu.weight' 2>/dev/null; then
	fail "a container could write its own cpu.weight (/sys/fs/cgroup must be read-only)"
fi
ok "/sys/fs/cgroup is read-only inside"
# An exec'd process lands in the container's cgroup (and its limits), not podd's.
expect_eq "/proc/self/cgroup of an exec'd process" \
	"$(podctl exec cg-mixed -c c3 -- sh -c 'cat /proc/$$/cgroup')" "0::/"
C3=$PODS_CG/$(pod_uid cg-mixed)/c3/cgroup.procs
expect_eq "processes in c3's cgroup" "$(wc -l <"$C3")" 1
podctl exec cg-mixed -c c3 -- sleep 3 &
wait_until 5 "an exec'd 'sleep 3' shows up in c3's cgroup.procs" sh -c "[ \$(wc -l <$C3) -eq 2 ]"
wait

say "delete"
U1=$(pod_uid cg-limited) U2=$(pod_uid cg-mixed)
podctl delete pod cg-limited cg-mixed
expect_pod_gone "$U1" cg-limited default
expect_pod_gone "$U2" cg-mixed default
expect_clean
echo "ok: cgroups"
