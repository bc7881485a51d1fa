#!/bin/sh
# OOM kills reported through eBPF (podctl info names the program): the pod's OOMKilling event
# names the killed process by pid and comm, for the container's PID 1 and for a child of it
# (memory.oom.group then ends the whole container, as with kubelet: each process killed has its
# event). Then the report latency, kill (bpf_ktime_get_ns) to event, over 5 pods' kills: podctl
# info prints p50/p99 (`make bench` runs this script for that line).
set -eu
. /test/lib.sh

say "podctl info: the eBPF watcher"
INFO=$(podctl info)
echo "$INFO"
expect_contains "podctl info" "$INFO" "oom-watch: ebpf ("
expect_not_contains "podctl info" "$INFO" "fallback"
expect_contains "podctl info" "$INFO" "probe-latency: ebpf (sock/inet_sock_set_state)"
expect_contains "podctl info" "$INFO" "cgroup: v2 (/sys/fs/cgroup)"

hog_pod() { # NAME COMMAND-JSON
	apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: $IMAGE
    command: $2
    resources:
      limits: {memory: 32Mi}
EOF
}
oomkilled() { [ "$(ctr_field "$1" hog state.terminated.reason)" = OOMKilled ]; }
has_event() { podctl describe pod "$1" | grep -q "$2"; }

say "the container's PID 1 is the victim"
hog_pod hog1 '[testapp, memhog, "100"]'
wait_until 20 "hog1 OOMKilled" oomkilled hog1
P1=$(ctr_pid hog1 hog)
wait_until 5 "hog1 OOMKilling event" has_event hog1 "Killed process $P1 (testapp)"
D=$(podctl describe pod hog1)
echo "$D" | grep OOMKilling
expect_contains "describe hog1" "$D" "Warning  OOMKilling"
expect_contains "describe hog1" "$D" "Memory cgroup out of memory: Killed process $P1 (testapp)"

say "a child of PID 1 is the victim"
hog_pod hog2 '[sh, -c, "testapp memhog 100; echo survived"]'
wait_until 20 "hog2 OOMKilled" oomkilled hog2
SH=$(ctr_pid hog2 hog)
wait_until 5 "hog2 OOMKilling event of testapp" has_event hog2 "Killed process [0-9]* (testapp)"
D=$(podctl describe pod hog2)
echo "$D" | grep OOMKilling
CHILD=$(echo "$D" | sed -n 's/.*Killed process \([0-9]*\) (testapp).*/\1/p' | head -n1)
expect_ne "the killed testapp's pid (PID 1 is sh)" "$CHILD" "$SH"
expect_contains "describe hog2: the group kill of PID 1" "$D" "Killed process $SH (sh)"
expect_not_contains "hog2's log" "$(podctl logs hog2)" "survived"

say "report latency over 5 more kills"
i=0
while [ $i -lt 5 ]; do
	hog_pod "lat$i" '[testapp, memhog, "100"]'
	i=$((i + 1))
done
i=0
while [ $i -lt 5 ]; do
	wait_until 30 "lat$i OOMKilled" oomkilled "lat$i"
	i=$((i + 1))
done
INFO=$(podctl info)
LAT=$(echo "$INFO" | grep '^oom-report-latency:') || fail "no oom-report-latency line in: $INFO"
echo "$LAT"
N=$(echo "$LAT" | sed 's/^oom-report-latency: \([0-9]*\) kills.*/\1/')
[ "$N" -ge 8 ] || fail "latency over $N kills, want >= 8 (hog1 1, hog2 2, 5 more)"
ok "$LAT"

say "probe latency: the kernel's connect time of a TCP probe, from sock/inet_sock_set_state"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  containers:
  - name: web
    image: $IMAGE
    command: [testapp, serve, "8080", /etc]
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
EOF
kernel_timed() { podctl describe pod probed | grep -Eq 'Last: +success .*\(connect [0-9.]+(µs|ms) kernel'; }
wait_until 15 "probed: a TCP probe with the kernel's connect time" kernel_timed
podctl describe pod probed | grep -A1 'Liveness:'

say "delete"
podctl delete pod hog1 hog2 lat0 lat1 lat2 lat3 lat4 probed
expect_no_zombies "after delete"
expect_clean
echo "ok: oom-ebpf"
