#!/bin/sh
# Device isolation on a full cgroup-v2 kernel (cgroupfs/devices: the BPF_CGROUP_DEVICE filter
# attached to every container cgroup): a default container can neither make nor use the
# host's /dev/kmsg, from its command or from podctl exec; dmesg never gets the marker; the
# default devices still work; / and volumes are nodev, /dev is not.
set -eu
. /test/lib.sh

MARK=podd-vm-devices-$$-$(now_ms)
ATTACK="mknod /dev/k c 1 11 && echo $MARK > /dev/k || echo DENIED-kmsg; mknod /null c 1 3 2>/dev/null; echo x > /null || echo DENIED-nodev-root"

say "apply a default container that attacks at start"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: devices}
spec:
  volumes: [{name: data, emptyDir: {}}]
  containers:
  - name: c
    image: $IMAGE
    command: [sh, -c, '$ATTACK; echo ATTACK-DONE; exec sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
EOF2
wait_row devices "1/1 Running" 30
wait_until 20 "the container's attack finished" sh -c 'podctl logs devices | grep -q ATTACK-DONE'
out=$(podctl logs devices)
expect_contains "container log" "$out" DENIED-kmsg
expect_contains "container log" "$out" DENIED-nodev-root
expect_contains "container log" "$out" "Operation not permitted"

say "the same from podctl exec"
out=$(podctl exec devices -- sh -c "$ATTACK" 2>&1 || true)
expect_contains "exec output" "$out" DENIED-kmsg
expect_not_contains "dmesg" "$(dmesg)" "$MARK"

say "default devices still work"
out=$(podctl exec devices -- sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && ! echo x > /dev/full 2>/dev/null && echo OK')
expect_eq "null zero urandom full" "$(echo $out)" "4 4 OK"

say "mount options"
pid=$(ctr_pid devices c)
opt() { awk -v m="$1" '$5 == m { print $6 }' /proc/$pid/mountinfo; }
expect_contains "/ options" ",$(opt /)," ",nodev,"
expect_contains "/data options" ",$(opt /data)," ",nodev,"
expect_not_contains "/dev options" ",$(opt /dev)," ",nodev,"

podctl delete pod devices >/dev/null
expect_not_contains "dmesg" "$(dmesg)" "$MARK"
