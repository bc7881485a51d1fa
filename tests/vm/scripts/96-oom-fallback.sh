#!/bin/sh
#vm:append podd.ebpf=false
# With --ebpf=false OOM kills are seen through memory.events (inotify): podctl info says so,
# the container still ends OOMKilled and the pod gets its OOMKilling event (without the pid:
# memory.events counts kills, it does not name them).
set -eu
. /test/lib.sh

say "podctl info: the fallback and why"
INFO=$(podctl info)
echo "$INFO"
expect_contains "podctl info" "$INFO" "oom-watch: memory.events (fallback: --ebpf=false)"

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

podctl delete pod hog
expect_clean
echo "ok: oom-fallback"
