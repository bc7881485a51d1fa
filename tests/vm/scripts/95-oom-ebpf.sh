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

expect_oom_victims

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
