#!/bin/sh
# The pod lifecycle on a full cgroup-v2 kernel with limits: init containers (one with its own
# memory limit) run in order through an emptyDir before a sidecar and the app; READY counts
# the sidecar; a deletion shows Terminating while the app's preStop sleep runs, the app stops
# before the sidecar, and nothing of the pod is left.
set -eu
. /test/lib.sh

say "apply a pod with two init containers, a sidecar and an app"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: life}
spec:
  terminationGracePeriodSeconds: 20
  volumes: [{name: data, emptyDir: {}}]
  initContainers:
  - name: first
    image: $IMAGE
    resources: {limits: {memory: 64Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
    command: [sh, -c, 'sleep 0.5; echo first >> /data/order']
  - name: second
    image: $IMAGE
    volumeMounts: [{name: data, mountPath: /data}]
    command: [sh, -c, 'echo second >> /data/order']
  - name: side
    image: $IMAGE
    restartPolicy: Always
    volumeMounts: [{name: data, mountPath: /data}]
    command: [sh, -c, 'echo side >> /data/order; trap "echo side-stop >> /data/order; exit 0" TERM; while :; do sleep 0.1; done']
  containers:
  - name: app
    image: $IMAGE
    resources: {limits: {memory: 32Mi}}
    volumeMounts: [{name: data, mountPath: /data}]
    command: [sh, -c, 'echo app >> /data/order; trap "echo app-stop >> /data/order; exit 0" TERM; while :; do sleep 0.1; done']
    lifecycle:
      preStop: {sleep: {seconds: 10}}
EOF2
wait_row life "2/2 Running" 60
expect_eq "order" "$(podctl exec life -c app -- cat /data/order | tr '\n' ' ')" "first second side app "
uid=$(pod_uid life)
expect_eq "first's memory.max" "$(cat "$PODS_CG/$uid/first/memory.max")" "67108864"

say "delete --wait=false: Terminating during the preStop sleep"
podctl delete pod life --wait=false >/dev/null
expect_eq "status during the grace" "$(pod_row life | cut -d' ' -f2)" "Terminating"
wait_until 30 "the pod is gone" sh -c '! podctl get pod life >/dev/null 2>&1'
expect_pod_gone "$uid" life
