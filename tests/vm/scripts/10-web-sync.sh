#!/bin/sh
# The canonical 2-container pod (examples/web-sync.yaml): both containers run and share the
# pod's network, IPC and UTS namespaces (one IP, one hostname, localhost between them) but not
# mnt/pid; the pod is reachable from the VM's root netns at its IP; delete leaves nothing.
set -eu
. /test/lib.sh

say "apply web-sync (copy of examples/web-sync.yaml)"
apply <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: web-sync
spec:
  volumes:
  - name: html
    emptyDir: {}
  containers:
  - name: web
    image: oci:/var/lib/podd/images/podd-test:latest
    command: ["httpd", "-f", "-p", "8080", "-h", "/html"]
    ports:
    - containerPort: 8080
    volumeMounts:
    - name: html
      mountPath: /html
      readOnly: true
  - name: sync
    image: oci:/var/lib/podd/images/podd-test:latest
    command: ["/bin/sh", "-c"]
    args:
    - while true; do date >> /html/index.html; sleep 1; done
    volumeMounts:
    - name: html
      mountPath: /html
EOF

say "both containers running"
wait_row web-sync "2/2 Running" 20
expect_eq "podctl get pods: READY STATUS RESTARTS" "$(pod_row web-sync)" "2/2 Running 0"
expect_eq "phase" "$(pod_field web-sync status.phase)" Running
UID_=$(pod_uid web-sync)
IP=$(pod_ip web-sync)
[ -n "$UID_" ] || fail "no metadata.uid"
case $IP in 10.77.*) ok "podIP $IP in 10.77.0.0/16" ;; *) fail "podIP '$IP' not in the default pod CIDR 10.77.0.0/16" ;; esac
WEB=$(ctr_pid web-sync web)
SYNC=$(ctr_pid web-sync sync)
echo "   uid=$UID_ ip=$IP web pid=$WEB sync pid=$SYNC"
alive "$WEB" || fail "web pid $WEB not alive"
alive "$SYNC" || fail "sync pid $SYNC not alive"
expect_eq "web pid in its cgroup.procs" "$(grep -x "$WEB" "$PODS_CG/$UID_/web/cgroup.procs")" "$WEB"
expect_eq "sync pid in its cgroup.procs" "$(grep -x "$SYNC" "$PODS_CG/$UID_/sync/cgroup.procs")" "$SYNC"
expect_eq "/proc/$WEB/cgroup" "$(cat /proc/$WEB/cgroup)" "0::/podd/pods/$UID_/web"
# No cpu requests anywhere (BestEffort): kubelet's minimum, 2 shares = weight 1, at both levels.
expect_eq "pod cpu.weight" "$(cat "$PODS_CG/$UID_/cpu.weight")" "1"
expect_eq "web cpu.weight" "$(cat "$PODS_CG/$UID_/web/cpu.weight")" "1"

say "one hostname and one IP for both containers"
expect_eq "hostname in web" "$(podctl exec web-sync -c web -- hostname)" web-sync
expect_eq "hostname in sync" "$(podctl exec web-sync -c sync -- hostname)" web-sync
IPS_WEB=$(podctl exec web-sync -c web -- testapp ip | sort)
IPS_SYNC=$(podctl exec web-sync -c sync -- testapp ip | sort)
expect_contains "testapp ip in web" "$IPS_WEB" "eth0 $IP/"
expect_contains "testapp ip in web" "$IPS_WEB" "lo 127.0.0.1/8"
expect_eq "testapp ip in sync (same as web)" "$IPS_SYNC" "$IPS_WEB"
expect_contains "ip addr in sync" "$(podctl exec web-sync -c sync -- ip addr)" "inet $IP/"
expect_contains "/etc/hosts in web" "$(podctl exec web-sync -c web -- cat /etc/hosts)" "$IP	web-sync"

say "namespaces: net, ipc, uts shared; mnt, pid private"
for ns in net ipc uts; do
	expect_eq "$ns ns of sync (pid $SYNC) = web's (pid $WEB)" "$(readlink /proc/$SYNC/ns/$ns)" "$(readlink /proc/$WEB/ns/$ns)"
	expect_ne "$ns ns of web vs the VM's" "$(readlink /proc/$WEB/ns/$ns)" "$(readlink /proc/self/ns/$ns)"
	expect_eq "pinned $NSDIR/$UID_/$ns is mounted" "$(pins_mountinfo | grep -c " $NSDIR/$UID_/$ns ")" 1
done
for ns in mnt pid cgroup; do
	expect_ne "$ns ns of sync vs web" "$(readlink /proc/$SYNC/ns/$ns)" "$(readlink /proc/$WEB/ns/$ns)"
	expect_ne "$ns ns of web vs the VM's" "$(readlink /proc/$WEB/ns/$ns)" "$(readlink /proc/self/ns/$ns)"
done
# testapp ns from an exec sees the container's own view; it must agree with the host's view.
NS_EXEC=$(podctl exec web-sync -c sync -- testapp ns)
expect_contains "exec'd testapp ns (sync)" "$NS_EXEC" "$(readlink /proc/$SYNC/ns/net)"
expect_contains "exec'd testapp ns (sync)" "$NS_EXEC" "$(readlink /proc/$SYNC/ns/mnt)"
expect_contains "exec'd testapp ns (sync)" "$NS_EXEC" "$(readlink /proc/$SYNC/ns/pid)"
expect_eq "sync sees itself as pid 1" "$(podctl exec web-sync -c sync -- sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "/bin/sh -c while true; do date >> /html/index.html; sleep 1; done "

say "the volume: written by sync, read-only in web"
wait_until 10 "index.html has 2 dates" sh -c "[ \$(podctl exec web-sync -c web -- cat /html/index.html | wc -l) -ge 2 ]"
if podctl exec web-sync -c web -- sh -c 'echo x >> /html/index.html' 2>/dev/null; then
	fail "web could write its readOnly volume mount /html"
fi
ok "web cannot write /html (readOnly)"

say "localhost between containers, pod IP from the VM"
PAGE=$(podctl exec web-sync -c sync -- wget -qO- http://localhost:8080/index.html)
YEAR=$(date +%Y)
expect_contains "sync: wget http://localhost:8080/index.html" "$PAGE" "$YEAR"
N1=$(wget -qO- "http://$IP:8080/index.html" | wc -l) || fail "wget http://$IP:8080/index.html from the VM failed"
[ "$N1" -ge 2 ] || fail "page served at $IP has $N1 lines, expected >= 2 dates"
ok "VM root netns: http://$IP:8080/index.html has $N1 dates"
wait_until 10 "the page grows (the writer keeps writing)" sh -c "[ \$(wget -qO- http://$IP:8080/index.html | wc -l) -gt $N1 ]"
expect_contains "page from the VM" "$(wget -qO- "http://$IP:8080/index.html" | tail -n1)" "$YEAR"

say "logs and exec exit codes"
set +e
podctl exec web-sync -c sync -- sh -c 'exit 7' 2>/dev/null
rc=$?
set -e
expect_eq "exit code of exec 'exit 7'" "$rc" 7
[ -d "$LOGS/default_web-sync_$UID_/web" ] || fail "no log dir $LOGS/default_web-sync_$UID_/web"
ok "log dir $LOGS/default_web-sync_$UID_ exists"

say "delete"
podctl delete pod web-sync
expect_pod_gone "$UID_" web-sync default "$WEB" "$SYNC"
if wget -qO- -T 2 "http://$IP:8080/index.html" >/dev/null 2>&1; then
	fail "http://$IP:8080 still answers after delete"
fi
ok "http://$IP:8080 no longer answers"
expect_no_zombies "after delete"
expect_clean
echo "ok: web-sync"
