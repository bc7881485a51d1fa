#!/bin/sh
#vm:helper nfsd
# nfs volumes against a real NFS server in the VM (tests/vm/helpers/nfsd: go-nfs, NFSv3 with a
# portmapper on 111 as rpcbind, PROG_MISMATCH for NFSv4 on 2049 as a Linux server with v4 off):
# mounted by the kernel NFS client once per pod (podd's NFSv4 attempts fail with
# EPROTONOSUPPORT, it falls back to v3 as mount.nfs does), bound into each container, read-only
# per volume and per volumeMount, subPath, gone after delete; a server with nothing listening
# (v4 refused, then v3's rpcbind) leaves the pod waiting with a FailedMount event, and deletable;
# a server that takes the connection and never answers does not hold the pod's delete.
set -eu
. /test/lib.sh

nfs_mounts() { grep -E ' - nfs4? ' /proc/self/mountinfo || true; }

# nfs_pod NAME SOURCE: a pod of one sleeping container with volume share (nfs: SOURCE) at /data.
nfs_pod() {
	apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "3600"]
    volumeMounts: [{name: share, mountPath: /data}]
  volumes:
  - name: share
    nfs: $2
EOF2
}

say "the kernel NFS client is loaded"
for m in sunrpc nfs nfsv3 nfsv4; do
	[ -d "/sys/module/$m" ] || fail "module $m is not loaded"
done
grep -qw nfs /proc/filesystems || fail "no nfs in /proc/filesystems"
grep -qw nfs4 /proc/filesystems || fail "no nfs4 in /proc/filesystems"
ok "sunrpc nfs nfsv3 nfsv4, filesystems nfs and nfs4"

say "start the NFS server on 127.0.0.1 exporting /srv/export"
mkdir -p /srv/export
/test/bin/nfsd -addr 127.0.0.1 -port 20048 -v4 mismatch /srv/export >/tmp/nfsd.log 2>&1 &
NFSD=$!
wait_until 30 "nfsd is ready" grep -q 'nfsd: ready' /tmp/nfsd.log

say "a pod writes through an nfs volume; its other container reads, read-only and by subPath"
apply <<EOF2
apiVersion: v1
kind: Pod
metadata: {name: nfs}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: writer
    image: $IMAGE
    command: [sh, -c, 'mkdir -p /data/sub && echo deep > /data/sub/f && echo hello from the pod > /data/hello && sleep 3600']
    volumeMounts: [{name: share, mountPath: /data}]
  - name: reader
    image: $IMAGE
    command: [sleep, "3600"]
    volumeMounts:
    - {name: share, mountPath: /data, readOnly: true}
    - {name: share, mountPath: /sub, subPath: sub}
  volumes:
  - name: share
    nfs: {server: 127.0.0.1, path: /}
EOF2
wait_row nfs "2/2 Running" 120
uid=$(pod_uid nfs)
wait_until 30 "the server's directory has the pod's file" grep -qx "hello from the pod" /srv/export/hello
wait_until 30 "the other container reads it" sh -c '[ "$(podctl exec nfs -c reader -- cat /data/hello)" = "hello from the pod" ]'
expect_eq "subPath of the nfs volume" "$(podctl exec nfs -c reader -- cat /sub/f)" "deep"
echo from the server >/srv/export/theirs
expect_eq "the pod reads what the server wrote" "$(podctl exec nfs -c writer -- cat /data/theirs)" "from the server"
expect_contains "a readOnly volumeMount refuses writes" \
	"$(podctl exec nfs -c reader -- sh -c 'echo x > /data/x' 2>&1 || true)" "Read-only file system"
[ ! -e /srv/export/x ] || fail "/srv/export/x written through a readOnly volumeMount"
mi=$(grep " $STATE/$uid/volumes/share " /proc/self/mountinfo || true)
expect_contains "the pod's volume directory: a kernel NFS mount" "$mi" " - nfs 127.0.0.1:/ "
expect_contains "NFSv3 after the v4 attempts" "$mi" ",vers=3,"
expect_contains "without NLM (no rpc.statd)" "$mi" "nolock"
expect_contains "the address podd resolved" "$mi" ",addr=127.0.0.1"
expect_eq "nfs mounts on the node (one per pod)" "$(nfs_mounts | wc -l)" "1"
expect_contains "bound into the container" "$(podctl exec nfs -c writer -- grep ' /data ' /proc/self/mountinfo)" " - nfs 127.0.0.1:/ "

say "a readOnly nfs volume"
nfs_pod nfs-ro "{server: 127.0.0.1, path: /, readOnly: true}"
wait_row nfs-ro "1/1 Running" 120
uid_ro=$(pod_uid nfs-ro)
expect_eq "it reads" "$(podctl exec nfs-ro -- cat /data/hello)" "hello from the pod"
expect_contains "it refuses writes (EROFS)" "$(podctl exec nfs-ro -- sh -c 'echo x > /data/y' 2>&1 || true)" "Read-only file system"
[ ! -e /srv/export/y ] || fail "/srv/export/y written through a readOnly nfs volume"
expect_contains "mounted read-only" "$(grep " $STATE/$uid_ro/volumes/share " /proc/self/mountinfo)" " ro,"

say "delete both pods: no nfs mount is left"
podctl delete pod nfs >/dev/null
podctl delete pod nfs-ro >/dev/null
expect_pod_gone "$uid" nfs
expect_pod_gone "$uid_ro" nfs-ro
expect_eq "nfs mounts in mountinfo" "$(nfs_mounts)" ""
expect_eq "the files stay on the server" "$(cat /srv/export/hello /srv/export/sub/f)" "hello from the pod
deep"

say "a server with nothing listening: the pod waits with FailedMount and deletes cleanly"
nfs_pod nfs-down "{server: 127.0.0.2, path: /exports}"
uid_down=$(pod_uid nfs-down)
wait_until 150 "a FailedMount event naming the server and the errno" sh -c \
	'podctl get events | grep FailedMount | grep -q "volume \"share\" : mount nfs 127.0.0.2:/exports (127.0.0.2): vers=4.2: ECONNREFUSED (connection refused); vers=3: E"'
podctl get events | grep FailedMount | tail -n1
expect_eq "the pod waits" "$(pod_row nfs-down | cut -d' ' -f1,2)" "0/1 ContainerCreating"
expect_eq "podctl get pods still answers meanwhile" "$(podctl get pods --no-headers | wc -l)" "1"
podctl delete pod nfs-down >/dev/null
expect_pod_gone "$uid_down" nfs-down
expect_eq "nfs mounts in mountinfo" "$(nfs_mounts)" ""

say "a server that takes connections and never answers: the delete does not wait for it"
/test/bin/nfsd -silent -addr 127.0.0.4 >/tmp/nfsd-silent.log 2>&1 &
SILENT=$!
wait_until 30 "the silent server is ready" grep -q 'nfsd: ready' /tmp/nfsd-silent.log
nfs_pod nfs-silent "{server: 127.0.0.4, path: /exports}"
uid_silent=$(pod_uid nfs-silent)
wait_until 30 "the mount attempt is in flight (connected to 2049)" sh -c \
	'awk '"'"'$2 == "0400007F:0801" && $4 == "01"'"'"' /proc/net/tcp | grep -q .'
expect_eq "the pod waits" "$(pod_row nfs-silent | cut -d' ' -f1,2)" "0/1 ContainerCreating"
start=$(date +%s)
podctl delete pod nfs-silent >/dev/null
took=$(( $(date +%s) - start ))
echo "   delete took ${took} s with the mount attempt in flight (an attempt lasts ~30 s)"
[ "$took" -lt 15 ] || fail "the delete waited ${took} s for the silent server"
expect_pod_gone "$uid_silent" nfs-silent
expect_eq "nfs mounts in mountinfo" "$(nfs_mounts)" ""
kill "$SILENT"

kill "$NFSD"
expect_clean
