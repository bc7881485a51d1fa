#!/bin/sh
# A container over its memory limit is OOM-killed by the kernel and reported OOMKilled (137);
# only its own cgroup is hit: the other container of the pod keeps running.
set -eu
. /test/lib.sh

say "apply oom: hog (limits.memory 32Mi, allocates 100 MiB) + calm (sleeps)"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: oom
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: $IMAGE
    command: [testapp, memhog, "100"]
    resources:
      limits: {memory: 32Mi}
  - name: calm
    image: $IMAGE
    command: [sleep, "3600"]
EOF
UID_=$(pod_uid oom)
CALM=$(ctr_pid oom calm)

say "hog ends OOMKilled"
hog_reason() { [ "$(ctr_field oom hog state.terminated.reason)" = OOMKilled ]; }
wait_until 20 "hog state.terminated.reason = OOMKilled" hog_reason
expect_eq "hog exitCode" "$(ctr_field oom hog state.terminated.exitCode)" 137
expect_eq "hog signal" "$(ctr_field oom hog state.terminated.signal)" 9
expect_eq "hog restartCount (restartPolicy Never)" "$(ctr_field oom hog restartCount)" 0
expect_eq "hog ready" "$(ctr_field oom hog ready)" false
# With memory.oom.group the kernel may count one kill per task it hits (a Go process: twice).
N=$(sed -n 's/^oom_kill //p' "$PODS_CG/$UID_/hog/memory.events")
[ "$N" -ge 1 ] || fail "memory.events oom_kill of hog: got '$N', expected >= 1"
ok "memory.events oom_kill of hog = $N"
expect_eq "memory.events oom_kill of calm" "$(sed -n 's/^oom_kill //p' "$PODS_CG/$UID_/calm/memory.events")" 0
expect_eq "memory.max of hog" "$(cat "$PODS_CG/$UID_/hog/memory.max")" 33554432
expect_eq "processes left in hog's cgroup" "$(cat "$PODS_CG/$UID_/hog/cgroup.procs")" ""
LOG=$(podctl logs oom -c hog)
expect_contains "hog's log" "$LOG" "allocated 1 MiB"
expect_not_contains "hog's log" "$LOG" "allocated 100 MiB"

say "calm keeps running"
alive "$CALM" || fail "calm's pid $CALM died with the OOM kill"
ok "calm pid $CALM alive"
expect_eq "calm state.running set" "$([ -n "$(ctr_field oom calm state.running.startedAt)" ] && echo yes)" yes
expect_eq "calm pid unchanged" "$(ctr_pid oom calm)" "$CALM"
expect_eq "calm restartCount" "$(ctr_field oom calm restartCount)" 0
expect_eq "podctl get pods oom: READY STATUS RESTARTS" "$(pod_row oom)" "1/2 OOMKilled 0"
expect_eq "phase (one container still running)" "$(pod_field oom status.phase)" Running
expect_eq "calm still answers exec" "$(podctl exec oom -c calm -- echo alive)" alive

say "the kernel log shows the kill"
D=$(dmesg)
expect_contains "dmesg" "$D" "Memory cgroup out of memory: Killed process"
expect_contains "dmesg" "$D" "(testapp)"
expect_contains "dmesg (oom_memcg)" "$D" "oom_memcg=/podd/pods/$UID_/hog"

say "restartPolicy OnFailure: an OOM-killed container is restarted, lastState says why"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: oom-again
spec:
  restartPolicy: OnFailure
  containers:
  - name: hog
    image: $IMAGE
    command: [testapp, memhog, "100"]
    resources:
      limits: {memory: 32Mi}
EOF
restarted() { [ "$(ctr_field oom-again hog restartCount)" -ge 1 ] && [ "$(ctr_field oom-again hog lastState.terminated.reason)" = OOMKilled ]; }
wait_until 20 "oom-again/hog restarted with lastState.terminated.reason OOMKilled" restarted
expect_eq "oom-again lastState exitCode" "$(ctr_field oom-again hog lastState.terminated.exitCode)" 137
U2=$(pod_uid oom-again)

say "delete"
podctl delete pod oom oom-again
expect_pod_gone "$UID_" oom default "$CALM"
expect_pod_gone "$U2" oom-again default
expect_no_zombies "after delete"
expect_clean
echo "ok: oom"
