#!/bin/sh
# A container's cpu.max limits its command, not its setup: podd-nsinit (mounts, pivot_root)
# runs with the container's and the pod's cpu.max lifted, and the limits are written once the
# command has been exec'd. So a pod with limits.cpu 10m (1 ms of CPU per 100 ms) starts about
# as fast as an unlimited one (it used to take minutes under emulation), on its first start and
# on a restart, and its cgroups then hold the real limit.
set -eu
. /test/lib.sh

# timed_apply NAME MANIFEST-ON-STDIN: apply (bounded to 60 s), print the milliseconds it took.
timed_apply() {
	_t0=$(now_ms)
	_out=$(timeout 60 podctl apply -f - 2>&1) || fail "podctl apply $1 failed or took over 60 s: $_out"
	echo $(($(now_ms) - _t0))
}

pod() {
	cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "3600"]
$2
EOF
}

say "warm up (the image is unpacked once), then time an unlimited pod and a 10m one"
pod warm "" | timed_apply warm >/dev/null
free=$(pod free "" | timed_apply free)
lim=$(pod lim "    resources: {limits: {cpu: 10m}}" | timed_apply lim)
echo "   apply: unlimited ${free} ms, limits.cpu 10m ${lim} ms"
[ "$lim" -le $((3 * free + 3000)) ] || fail "the 10m pod took ${lim} ms to start, the unlimited one ${free} ms"
ok "the 10m pod starts about as fast as the unlimited one"

uid=$(pod_uid lim)
expect_eq "container cpu.max" "$(cat "$PODS_CG/$uid/c/cpu.max")" "1000 100000"
expect_eq "pod cpu.max" "$(cat "$PODS_CG/$uid/cpu.max")" "1000 100000"
expect_eq "unlimited container cpu.max" "$(cat "$PODS_CG/$(pod_uid free)/c/cpu.max")" "max 100000"

say "a restart is not throttled either, and puts the limit back"
pid=$(ctr_pid lim c)
t0=$(now_ms)
kill -9 "$pid"
_restarted() { [ "$(pod_row lim)" = "1/1 Running 1" ]; }
wait_until 60 "lim restarted (restarts 1, Running)" _restarted
took=$(($(now_ms) - t0))
echo "   restart took ${took} ms"
[ "$took" -le 15000 ] || fail "the 10m container took ${took} ms to restart (an unlimited pod starts in ${free} ms; throttled, a restart takes minutes)"
ok "the 10m container restarts in seconds, not minutes"
expect_eq "container cpu.max after the restart" "$(cat "$PODS_CG/$uid/c/cpu.max")" "1000 100000"
expect_eq "pod cpu.max after the restart" "$(cat "$PODS_CG/$uid/cpu.max")" "1000 100000"

podctl delete pod warm free lim >/dev/null
expect_clean
