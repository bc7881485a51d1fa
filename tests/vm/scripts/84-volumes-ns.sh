#!/bin/sh
# Issue 7's volume and namespace items on the VM's kernel, podd as PID 1: a pod waiting for
# its ConfigMap (FailedMount) then running and seeing it re-applied; shareProcessNamespace
# (/pause as PID 1); mountPropagation HostToContainer and recursiveReadOnly on a hostPath with
# a submount; the default /dev/termination-log in state.terminated.message.
set -eu
. /test/lib.sh

say "a pod whose ConfigMap does not exist yet waits, then starts"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: $IMAGE
    command: [sleep, "3600"]
    volumeMounts: [{name: c, mountPath: /c}]
  volumes:
  - {name: c, configMap: {name: later}}
EOF2
wait_row waiter "0/1 ContainerCreating" 30
wait_until 30 "FailedMount event" sh -c 'podctl get events | grep -q "MountVolume.SetUp failed for volume \"c\" : configmap \"later\" not found"'
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {color: blue}\n' | apply
wait_row waiter "1/1 Running" 60
expect_eq "configMap file" "$(podctl exec waiter -- cat /c/color)" "blue"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {color: green}\n' | apply
expect_eq "configMap file after the update" "$(podctl exec waiter -- cat /c/color)" "green"

say "shareProcessNamespace: one PID namespace, /pause as PID 1"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 0
  containers:
  - {name: a, image: $IMAGE, command: [sleep, "3601"]}
  - {name: b, image: $IMAGE, command: [sleep, "3602"]}
EOF2
ps_a=$(podctl exec shared -c a -- ps -o pid,args)
expect_contains "ps in a shows b" "$ps_a" "sleep 3602"
expect_eq "PID 1" "$(echo "$ps_a" | awk '$1 == 1 { print $2 }')" "/pause"
expect_eq "one PID namespace" "$(readlink /proc/$(ctr_pid shared a)/ns/pid)" "$(readlink /proc/$(ctr_pid shared b)/ns/pid)"

say "mountPropagation HostToContainer and recursiveReadOnly"
mkdir -p /tmp/h
mount --bind /tmp/h /tmp/h
mount --make-shared /tmp/h
mkdir -p /tmp/h/sub /tmp/h/late
mount -t tmpfs sub /tmp/h/sub
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: mounts}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: $IMAGE
    command: [sleep, "3600"]
    volumeMounts:
    - {name: h, mountPath: /ro, readOnly: true}
    - {name: h, mountPath: /rro, readOnly: true, recursiveReadOnly: Enabled}
    - {name: h, mountPath: /h2c, mountPropagation: HostToContainer}
  volumes:
  - {name: h, hostPath: {path: /tmp/h}}
EOF2
podctl exec mounts -- touch /ro/sub/x || fail "readOnly alone made the submount read-only"
if podctl exec mounts -- touch /rro/sub/x 2>/dev/null; then fail "wrote into a recursiveReadOnly submount"; fi
ok "recursiveReadOnly reaches the submount"
mount -t tmpfs late /tmp/h/late
wait_until 10 "a host mount made later shows under HostToContainer" sh -c 'podctl exec mounts -- grep -q " /h2c/late " /proc/self/mountinfo'
expect_not_contains "nor under a None volume" "$(podctl exec mounts -- cat /proc/self/mountinfo)" " /ro/late "

say "the default terminationMessagePath"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: term}
spec:
  restartPolicy: Never
  containers:
  - {name: a, image: $IMAGE, command: [sh, -c, 'echo goodbye > /dev/termination-log; exit 1']}
EOF2
term_ended() { [ -n "$(ctr_field term a state.terminated.reason)" ]; }
wait_until 30 "the container ended" term_ended
expect_contains "terminated.message" "$(ctr_field term a state.terminated.message)" "goodbye"

say "delete everything"
for p in waiter shared mounts term; do
	uid=$(pod_uid $p)
	podctl delete pod $p >/dev/null
	expect_pod_gone "$uid" $p
done
podctl delete configmap later >/dev/null
umount /tmp/h/late /tmp/h/sub /tmp/h
expect_clean
