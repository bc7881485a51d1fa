#!/bin/sh
# Probes on the full kernel, dialled and run by podd itself (the image needs no curl): an HTTP
# liveness probe that turns failing restarts its container with kubelet's Unhealthy and Killing
# events; readiness toggles READY both ways with no restart; a startup probe holds liveness back
# for a slow starter; a grpc.health.v1 probe; a hanging exec probe is timed out and leaves
# nothing running; an image holding only a web server binary (no shell, no tools) is probed
# over HTTP and TCP. (grpc-go's client may take over a second a call under TCG: the grpc probes
# get timeoutSeconds 5.)
set -eu
. /test/lib.sh

has_event() { podctl describe pod "$1" | tr -s ' \t' ' ' | grep -qF -- "$2"; }
restarts() { pod_row "$1" | cut -d' ' -f3; }
restarted() { [ "$(restarts "$1")" -ge 1 ]; }

say "an HTTP liveness probe that turns failing restarts its container"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: sick}
spec:
  containers:
  - name: web
    image: $IMAGE
    command: [sh, -c, "echo fine > /tmp/healthz; exec testapp serve 8080 /tmp"]
    startupProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: 60
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 2
EOF
wait_row sick "1/1 Running" 60
started() { [ "$(ctr_field "$1" "$2" started)" = true ]; }
wait_until 60 "sick started (its startup probe got the page)" started sick web
sleep 3
expect_eq "sick's restarts while its page is there" "$(restarts sick)" "0"
podctl exec sick -- rm /tmp/healthz
wait_until 60 "sick restarted by its liveness probe" restarted sick
D=$(podctl describe pod sick | tr -s ' \t' ' ')
expect_contains "describe sick" "$D" "Liveness: http-get http://:8080/healthz delay=0s timeout=1s period=1s #success=1 #failure=2"
expect_contains "describe sick" "$D" "Unhealthy"
expect_contains "describe sick" "$D" "Liveness probe failed: HTTP probe failed with statuscode: 404"
expect_contains "describe sick" "$D" "Killing"
expect_contains "describe sick" "$D" "Container web failed liveness probe, will be restarted"

say "readiness toggles READY both ways, never a restart"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: toggle}
spec:
  containers:
  - name: app
    image: $IMAGE
    command: [testapp, sleep, "600"]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      periodSeconds: 1
      failureThreshold: 1
EOF
wait_row toggle "0/1 Running" 60
podctl exec toggle -- touch /tmp/ready
wait_row toggle "1/1 Running" 30
expect_eq "toggle's Ready condition" "$(podctl get pod toggle -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" "True"
podctl exec toggle -- rm /tmp/ready
wait_row toggle "0/1 Running" 30
expect_eq "toggle's restarts" "$(restarts toggle)" "0"

say "a startup probe holds liveness back for a slow starter"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  containers:
  - name: app
    image: $IMAGE
    command: [sh, -c, "sleep 20; exec testapp serve 8080"]
    startupProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 60
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 1
EOF
wait_until 30 "slow is running" sh -c '[ "$(podctl get pods | awk "\$1 == \"slow\" { print \$3 }")" = Running ]'
expect_eq "slow's started before its server listens" "$(ctr_field slow app started)" "false"
wait_until 90 "slow started" started slow app
wait_row slow "1/1 Running" 30
expect_eq "slow's restarts" "$(restarts slow)" "0"
expect_not_contains "describe slow" "$(podctl describe pod slow)" "Liveness probe failed"

say "a grpc probe against a grpc.health.v1 server"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: grpc}
spec:
  containers:
  - name: app
    image: $IMAGE
    command: [testapp, grpc-health, "9000", /tmp/sick]
    startupProbe:
      grpc: {port: 9000}
      periodSeconds: 1
      timeoutSeconds: 5
      failureThreshold: 60
    readinessProbe:
      grpc: {port: 9000}
      periodSeconds: 1
      timeoutSeconds: 5
    livenessProbe:
      grpc: {port: 9000, service: app}
      periodSeconds: 1
      timeoutSeconds: 5
      failureThreshold: 2
      terminationGracePeriodSeconds: 2
EOF
wait_row grpc "1/1 Running" 60
podctl exec grpc -- touch /tmp/sick
wait_until 60 "grpc restarted by its grpc liveness probe" restarted grpc
D=$(podctl describe pod grpc | tr -s ' \t' ' ')
expect_contains "describe grpc" "$D" "Liveness: grpc <pod>:9000 app delay=0s timeout=5s period=1s #success=1 #failure=2"
expect_contains "describe grpc" "$D" 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")'
expect_contains "describe grpc" "$D" "Container app failed liveness probe, will be restarted"

say "an exec probe that hangs is timed out and leaves nothing running"
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hang}
spec:
  containers:
  - name: app
    image: $IMAGE
    command: [sh, -c, 'trap "" CHLD; while :; do wait; sleep 1; done']
    livenessProbe:
      exec: {command: [sh, -c, "sleep 300 & sleep 301"]}
      periodSeconds: 3
      failureThreshold: 100
EOF
wait_row hang "1/1 Running" 60
wait_until 60 "an exec probe timed out" has_event hang 'Liveness probe failed: command "sh -c sleep 300 & sleep 301" timed out'
podctl describe pod hang | grep 'timed out'
# Between runs (the next starts 3 s after the last began, each is killed at 1 s): no sleep 300
# or 301 of a probe may be alive; the container's init (sh) reaps what was orphaned to it.
no_probe_left() {
	for p in $(cat "$PODS_CG/$(pod_uid hang)/app/cgroup.procs"); do
		case $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) in
		"sleep 30"[01]" "*) [ "$(proc_state "$p")" = Z ] || return 1 ;;
		esac
	done
}
wait_until 30 "no probe process left in hang's container" no_probe_left
expect_eq "hang's restarts" "$(restarts hang)" "0"

say "an image with only a web server binary, probed over HTTP and TCP"
W=/tmp/webonly
mkdir -p $W/bin $W/www
cp /var/lib/podd/images/podd-test.rootfs/bin/testapp $W/bin/
echo fine >$W/www/healthz
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: webonly}
spec:
  containers:
  - name: web
    image: $W
    command: [/bin/testapp, serve, "8080", /www]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 60
EOF
wait_row webonly "1/1 Running" 60
sleep 3
expect_eq "webonly's restarts" "$(restarts webonly)" "0"
D=$(podctl describe pod webonly | tr -s ' \t' ' ')
echo "$D" | grep -A1 -E 'Liveness:|Readiness:'
expect_contains "describe webonly" "$D" "Readiness: http-get http://:http/healthz"
expect_contains "describe webonly" "$D" "Liveness: tcp-socket :8080 delay=0s timeout=1s period=1s #success=1 #failure=60"
expect_eq "webonly's probes that last succeeded" "$(echo "$D" | grep -c 'Last: success')" "2"
R=$(podctl exec webonly -- sh -c true 2>&1) && fail "webonly has a shell: $R"
ok "webonly has no shell: $R"

say "delete"
podctl delete pod sick toggle slow grpc hang webonly >/dev/null
expect_no_zombies "after delete"
expect_clean
echo "ok: probes"
