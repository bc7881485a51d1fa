#!/bin/sh
# podd as PID 1 and as a process supervisor: zombies are reaped (container exits, exec'd
# processes, orphans reparented to PID 1), restart policies and back-off, grace periods on
# delete, and the pod's pids.max stopping a fork bomb.
set -eu
. /test/lib.sh

say "apply crash (Always, exit 1), once (OnFailure, exit 0), shell (a reaping sh as PID 1)"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: crash
spec:
  restartPolicy: Always
  containers:
  - name: c
    image: $IMAGE
    command: [sh, -c, 'echo "run at \$(cat /proc/uptime)"; sleep 100 & sleep 100 & exit 1']
EOF
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: $IMAGE
    command: [sh, -c, 'echo done']
EOF
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sh, -c, 'while true; do sleep 1; done']
EOF

say "restartPolicy Always + exit 1: first restart at once, then CrashLoopBackOff"
restarted() { [ "$(ctr_field crash c restartCount)" -ge 1 ]; }
wait_until 10 "crash restarted once (restartCount >= 1)" restarted
backoff() { [ "$(ctr_field crash c state.waiting.reason)" = CrashLoopBackOff ]; }
wait_until 10 "crash is waiting in CrashLoopBackOff after its second exit" backoff
expect_eq "crash restartCount during the 10 s back-off" "$(ctr_field crash c restartCount)" 1
expect_eq "crash lastState.terminated.exitCode" "$(ctr_field crash c lastState.terminated.exitCode)" 1
expect_eq "crash lastState.terminated.reason" "$(ctr_field crash c lastState.terminated.reason)" Error
expect_contains "crash state.waiting.message" "$(ctr_field crash c state.waiting.message)" "back-off 10s"
expect_eq "podctl get pods crash: READY STATUS RESTARTS" "$(pod_row crash | sed 's/ (.*//')" "0/1 CrashLoopBackOff 1"
expect_contains "podctl logs -p crash (the first run)" "$(podctl logs -p crash)" "run at"
expect_eq "crash phase" "$(pod_field crash status.phase)" Running

say "restartPolicy OnFailure + exit 0: Completed, not restarted"
completed() { [ "$(ctr_field once c state.terminated.reason)" = Completed ]; }
wait_until 10 "once terminated Completed" completed
expect_eq "once exitCode" "$(ctr_field once c state.terminated.exitCode)" 0
expect_eq "once restartCount" "$(ctr_field once c restartCount)" 0
expect_eq "once phase" "$(pod_field once status.phase)" Succeeded
expect_eq "podctl get pods once: READY STATUS RESTARTS" "$(pod_row once)" "0/1 Completed 0"
expect_eq "podctl logs once" "$(podctl logs once)" done

say "zombies: container exits (with children), exec'd processes and their orphans, PID 1 orphans"
wait_row shell "1/1 Running" 10
expect_no_zombies "after crash's exits"
for i in 1 2 3; do
	podctl exec shell -- sh -c 'sleep 0.5 & sleep 0.3 & exit 0'
done
podctl exec shell -- sh -c 'exit 3' || true
sleep 1
expect_no_zombies "after exec'd shells left orphans in the container"
# An orphan of this script is reparented to PID 1, podd.
sh -c 'sleep 0.5 & echo $! > /tmp/orphan'
O=$(cat /tmp/orphan)
expect_eq "parent of orphan $O" "$(sed 's/.*) //' /proc/$O/stat 2>/dev/null | cut -d' ' -f2)" 1
sleep 1
[ ! -e /proc/$O ] || fail "orphan $O still in /proc (state $(proc_state $O)): PID 1 did not reap it"
ok "PID 1 reaped orphan $O"
expect_no_zombies "after the orphan of PID 1 exited"

say "grace periods: SIGTERM ignored -> killed at once; handled -> waited for; too slow -> killed at the deadline"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: $IMAGE
    command: [testapp, ignore-term]
---
apiVersion: v1
kind: Pod
metadata:
  name: polite
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: $IMAGE
    command: [testapp, catch-term, "1"]
---
apiVersion: v1
kind: Pod
metadata:
  name: slow
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: $IMAGE
    command: [testapp, catch-term, "60"]
EOF
for p in stubborn polite slow; do
	wait_row $p "1/1 Running" 10
	wait_until 5 "$p printed ready" sh -c "podctl logs $p | grep -q ready"
done
for p in stubborn polite slow; do
	(
		t0=$(now_ms)
		podctl delete pod $p >/tmp/del-$p.out 2>&1 || echo "FAILED" >>/tmp/del-$p.out
		echo $(($(now_ms) - t0)) >/tmp/del-$p.ms
	) &
done
wait
for p in stubborn polite slow; do
	expect_eq "podctl delete pod $p" "$(cat /tmp/del-$p.out)" "pod \"$p\" deleted"
done
in_range() { # WHAT MS MIN MAX
	if [ "$2" -lt "$3" ] || [ "$2" -ge "$4" ]; then fail "$1 took $2 ms, expected $3..$4 ms"; fi
	ok "$1 took $2 ms ($3..$4)"
}
in_range "delete stubborn (ignores SIGTERM, grace 30 s)" "$(cat /tmp/del-stubborn.ms)" 0 5000
in_range "delete polite (exits 1 s after SIGTERM, grace 30 s)" "$(cat /tmp/del-polite.ms)" 900 5000
in_range "delete slow (would exit 60 s after SIGTERM, grace 2 s)" "$(cat /tmp/del-slow.ms)" 1900 6000
expect_no_zombies "after the deletes"

say "pids.max (4096 per pod) stops a fork bomb"
apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: bomb
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [testapp, forkbomb, "10000"]
EOF
BU=$(pod_uid bomb)
expect_eq "bomb pids.max" "$(cat $PODS_CG/$BU/pids.max)" 4096
t0=$(now_ms)
forked() { podctl logs bomb | grep -q "^forked "; }
wait_until 120 "the fork bomb hit its limit" forked
echo "   ($(($(now_ms) - t0)) ms to fork)"
podctl logs bomb | tail -n 2 | sed 's/^/   log: /'
N=$(podctl logs bomb | sed -n 's/^forked \([0-9]*\) of 10000$/\1/p')
[ -n "$N" ] && [ "$N" -ge 3900 ] && [ "$N" -lt 4096 ] || fail "fork bomb forked '$N' of 10000, expected 3900..4095 (pids.max 4096 minus its threads)"
ok "fork bomb stopped at $N forks"
expect_contains "bomb log" "$(podctl logs bomb)" "resource temporarily unavailable"
expect_eq "bomb pids.current" "$(cat $PODS_CG/$BU/pids.current)" 4096
# The kernel counts a refused fork in the forking task's cgroup (the container's).
E=$(sed -n 's/^max //p' $PODS_CG/$BU/c/pids.events)
[ "$E" -ge 1 ] || fail "pids.events max of bomb/c is '$E', expected >= 1"
ok "pids.events max of bomb/c = $E"
expect_contains "dmesg" "$(dmesg)" "fork rejected by pids controller in /podd/pods/$BU/c"
expect_eq "another pod still execs" "$(podctl exec shell -- echo fine)" fine
expect_eq "bomb state" "$(pod_row bomb)" "1/1 Running 0"
t0=$(now_ms)
podctl delete pod bomb
in_range "delete bomb (4096 processes)" $(($(now_ms) - t0)) 0 30000
expect_pod_gone "$BU" bomb default

say "crash was restarted again once its 10 s back-off ran out"
restarted2() { [ "$(ctr_field crash c restartCount)" -ge 2 ]; }
wait_until 15 "crash restartCount >= 2" restarted2
# On a loaded machine the fork bomb above can outlast the next 20 s back-off too: any count >= 2
# will do, as long as get's row agrees with the status.
N=$(ctr_field crash c restartCount)
case $(pod_row crash) in
"0/1 CrashLoopBackOff $N"* | "0/1 Error $N"* | "1/1 Running $N"*) ok "podctl get pods crash: $(pod_row crash)" ;;
*) fail "podctl get pods crash: got '$(pod_row crash)', expected RESTARTS $N" ;;
esac

say "delete the rest"
podctl delete pod crash once shell
expect_no_zombies "at the end"
expect_clean
echo "ok: pid1"
