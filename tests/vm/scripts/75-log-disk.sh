#!/bin/sh
# Disk bounded by what is asked for, with podd as PID 1 on the initramfs (tmpfs): a container
# writing without end has its CRI log rotated at --container-log-max-size (10Mi) and at most
# --container-log-max-files (5) files kept, as the kubelet does; and a 20 MB write into a 1Mi
# emptyDir gets the pod evicted.
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
	[ "$kb" -le $((5 * 10240 + 2048)) ] || fail "log directory holds ${kb} KiB; want < 5 x 10 MiB + 2 MiB"
	n=$(ls "$LOGS/default_spew_$UID_/app" | wc -l)
	[ "$n" -le 5 ] || fail "$n log files: $(ls "$LOGS/default_spew_$UID_/app"); want at most 5"
	[ "$kb" -gt "$peak" ] && peak=$kb
	sleep 0.3
	i=$((i + 1))
done
rotated=$(ls "$LOGS/default_spew_$UID_/app" | grep -c '^0\.log\.' || true)
ok "log directory peak ${peak} KiB, ${rotated} rotated files of run 0 now"
[ "$rotated" -ge 1 ] || fail "no rotated file: the rotation was not exercised"
# The log is read with the writer frozen (cgroup.freeze) and its pipe drained: otherwise a
# rotation between the checks can leave 0.log just made and empty (seen once in CI).
echo 1 >"$PODS_CG/$UID_/app/cgroup.freeze"
sleep 1
line=$(head -1 "$LOG")
echo "$line" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{18}Z stdout F y$' ||
	fail "0.log's first line is not a CRI record: $line"
ok "0.log holds CRI records: $line"
expect_eq "podctl logs spew --tail 2" "$(podctl logs spew --tail 2)" "$(printf 'y\ny')"
echo 0 >"$PODS_CG/$UID_/app/cgroup.freeze"
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
