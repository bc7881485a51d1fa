#!/bin/sh
# ConfigMaps and Secrets as podd as PID 1 runs them, with real memory cgroups: a Secret's files
# on podd's memory tmpfs (never the disk), resourceFieldRef of a real limit in env and in a
# downwardAPI file, one /dev/shm per pod, and a delete that leaves nothing.
set -eu
. /test/lib.sh

say "apply a ConfigMap, a Secret and a pod using them"
apply <<EOF2
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: cv}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: a
    image: $IMAGE
    command: [sleep, "3600"]
    resources: {limits: {memory: 64Mi}}
    env:
    - name: MEM
      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
    - name: PW
      valueFrom: {secretKeyRef: {name: sec, key: password}}
    volumeMounts:
    - {name: s, mountPath: /s}
    - {name: c, mountPath: /c}
    - {name: info, mountPath: /info}
  - name: b
    image: $IMAGE
    command: [sleep, "3600"]
  volumes:
  - {name: s, secret: {secretName: sec, defaultMode: 0400}}
  - {name: c, configMap: {name: cfg}}
  - name: info
    downwardAPI:
      items: [{path: mem, resourceFieldRef: {containerName: a, resource: limits.memory, divisor: 1Mi}}]
EOF2
uid=$(pod_uid cv)
expect_eq "env MEM and PW" "$(podctl exec cv -c a -- sh -c 'echo $MEM/$PW')" "64/s3cret"
expect_eq "downwardAPI limits.memory" "$(podctl exec cv -c a -- cat /info/mem)" "64"
expect_eq "secret file" "$(podctl exec cv -c a -- cat /s/password)" "s3cret"
expect_eq "secret mode" "$(podctl exec cv -c a -- stat -L -c %a /s/password)" "400"
expect_eq "configMap file" "$(podctl exec cv -c a -- cat /c/greeting)" "hello"
expect_contains "secret volume on a tmpfs" "$(podctl exec cv -c a -- grep ' /s ' /proc/self/mountinfo)" " - tmpfs "
podctl exec cv -c a -- sh -c 'echo shared > /dev/shm/x'
expect_eq "one /dev/shm per pod" "$(podctl exec cv -c b -- cat /dev/shm/x)" "shared"
ok "config objects, their volumes and env work under PID 1"

say "delete the pod and the objects"
podctl delete pod cv >/dev/null
expect_pod_gone "$uid" cv
[ ! -e "/run/podd/mem/$uid" ] || fail "/run/podd/mem/$uid still exists"
podctl delete configmap cfg >/dev/null
podctl delete secret sec >/dev/null
expect_eq "configmaps left" "$(podctl get configmaps 2>&1)" "No resources found in default namespace."
expect_clean
