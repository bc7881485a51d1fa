#!/bin/sh
# Disk bounded by what is asked for, with podd as PID 1 on the initramfs (tmpfs): a container
# writing without end keeps its log near --log-max-size (holes punched in the live file, not a
# truncation), and a 20 MB write into a 1Mi emptyDir gets the pod evicted.
set -eu
. /test/lib.sh

say "the log directory's filesystem: $(stat -f -c %T "$LOGS")"

say "apply spew: yes, forever"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: spew}
spec:
  containers:
  - name: app
    image: $IMAGE
    command: ["yes"]
EOF
UID_=$(pod_uid spew)
LOG=$LOGS/default_spew_$UID_/app/0.log
peak=0
i=0
while [ $i -lt 30 ]; do
	kb=$(du -sk "$LOGS/default_spew_$UID_" | cut -f1)
	[ "$kb" -le $((10240 + 32768)) ] || fail "log directory holds ${kb} KiB; want < 10 MiB + 32 MiB"
	[ "$kb" -gt "$peak" ] && peak=$kb
	sleep 0.3
	i=$((i + 1))
done
SIZE=$(stat -c %s "$LOG")
KB=$(du -k "$LOG" | cut -f1)
ok "yes wrote $((SIZE / 1048576)) MiB; the log holds ${KB} KiB (peak of the directory ${peak} KiB)"
[ "$SIZE" -gt $((20 * 1048576)) ] || fail "yes wrote only $SIZE bytes: the cap was not exercised"
[ $((KB * 1024 * 2)) -lt "$SIZE" ] || fail "log of $SIZE bytes holds $KB KiB: no hole punched"
ok "the live log is sparse: holes punched, the writer's offset kept"
expect_eq "podctl logs spew --tail 2" "$(podctl logs spew --tail 2)" "$(printf 'y\ny')"
podctl delete pod spew >/dev/null
expect_pod_gone "$UID_" spew

say "apply filler: 20 MB into a 1Mi emptyDir"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: filler}
spec:
  volumes: [{name: data, emptyDir: {sizeLimit: 1Mi}}]
  containers:
  - name: fill
    image: $IMAGE
    volumeMounts: [{name: data, mountPath: /data}]
    command: [/bin/sh, -c, "dd if=/dev/zero of=/data/big bs=1M count=20 && exec sleep 100000"]
EOF
UID_=$(pod_uid filler)
PID=$(ctr_pid filler fill)
evicted() { [ "$(pod_field filler status.reason)" = Evicted ] && [ "$(pod_field filler status.phase)" = Failed ]; }
wait_until 10 "filler is Failed/Evicted" evicted
expect_contains "podctl describe pod filler" "$(podctl describe pod filler)" 'Usage of EmptyDir volume "data" exceeds the limit "1Mi".'
! alive "$PID" || fail "container process $PID still alive"
ok "container process $PID is gone"
expect_eq "fill state.terminated.exitCode" "$(ctr_field filler fill state.terminated.exitCode)" 137
podctl delete pod filler >/dev/null
expect_pod_gone "$UID_" filler
expect_clean
