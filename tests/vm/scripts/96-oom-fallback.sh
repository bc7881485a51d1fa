#!/bin/sh
#vm:append podd.ebpf=false podd.metrics-address=:9100
# With --ebpf=false OOM kills are seen through memory.events (inotify): podctl info says so,
# the container still ends OOMKilled and the pod gets its OOMKilling event (without the pid:
# memory.events counts kills, it does not name them). Also podctl top and the metrics endpoint
# (cAdvisor's container names, podd's OOM kill counter).
set -eu
. /test/lib.sh

say "podctl info: the fallback and why"
INFO=$(podctl info)
echo "$INFO"
expect_contains "podctl info" "$INFO" "oom-watch: memory.events (fallback: --ebpf=false)"
expect_contains "podctl info" "$INFO" "probe-latency: user-space timing (fallback: --ebpf=false)"

apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: hog
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: $IMAGE
    command: [testapp, memhog, "100"]
    resources:
      limits: {memory: 32Mi}
EOF
oomkilled() { [ "$(ctr_field hog hog state.terminated.reason)" = OOMKilled ]; }
wait_until 20 "hog OOMKilled" oomkilled
has_event() { podctl describe pod hog | grep -q "Memory cgroup out of memory: Killed process (pid unknown: memory.events oom_kill +"; }
wait_until 5 "hog OOMKilling event" has_event
podctl describe pod hog | grep OOMKilling
expect_eq "exitCode" "$(ctr_field hog hog state.terminated.exitCode)" 137
expect_not_contains "podctl info (no eBPF report)" "$(podctl info)" "oom-report-latency"

say "podctl top and the metrics"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: calm
spec:
  containers:
  - name: calm
    image: $IMAGE
    command: [sleep, "3600"]
EOF
TOP=$(podctl top pod calm)
echo "$TOP"
expect_contains "podctl top pod calm" "$TOP" "NAME   CPU(cores)   MEMORY(bytes)"
echo "$TOP" | grep -Eq '^calm +[0-9]+m +[0-9]+Mi' || fail "podctl top pod calm: no 'calm Nm NMi' row"
TOPC=$(podctl top pod --containers)
echo "$TOPC"
echo "$TOPC" | grep -Eq '^calm +calm +[0-9]+m +[0-9]+Mi' || fail "podctl top pod --containers: no 'calm calm' row"
ip link set lo up # podd serves on every address; the VM has only lo
M=$(wget -q -O - http://127.0.0.1:9100/metrics)
echo "$M" | grep -E '^(container_|podd_)'
expect_contains "metrics" "$M" 'container_memory_working_set_bytes{container="calm",namespace="default",pod="calm"}'
expect_contains "metrics" "$M" 'container_cpu_usage_seconds_total{container="calm",namespace="default",pod="calm"}'
expect_contains "metrics" "$M" 'podd_container_restarts_total{container="calm",namespace="default",pod="calm"} 0'
echo "$M" | grep -Eq '^podd_container_oom_kills_total\{container="hog",namespace="default",pod="hog"\} [1-9]' ||
	fail "metrics: no podd_container_oom_kills_total of hog >= 1"
ok "podd_container_oom_kills_total of hog >= 1"
expect_contains "metrics" "$M" "process_resident_memory_bytes"

podctl delete pod hog calm
expect_clean
echo "ok: oom-fallback"
