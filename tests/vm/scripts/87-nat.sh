#!/bin/sh
# Egress NAT and hostPort (issue 8) on the VM's own kernel with its nf_tables modules loaded by
# podd as PID 1: the loopback is up, a pod reaches an "outside" namespace made here and the
# server there sees the node's address; a hostPort answers on 127.0.0.1, on the node's address
# and from outside; a second pod asking for it is refused naming it and its holder and leaves
# nothing; the delete leaves no nftables table (podd --cleanup, on another --root, finds none).
#vm:append podd.uplink=up0
set -eu
. /test/lib.sh

say "PID 1 brought the loopback up"
expect_contains "ip link show lo" "$(ip link show lo)" "UP"

say "an outside namespace: up0 192.0.2.1/24 on the node, 192.0.2.2/24 beyond it"
unshare -n sleep 1000 &
OUT=$!
wait_until 5 "outside namespace made" sh -c "[ \"\$(readlink /proc/$OUT/ns/net)\" != \"\$(readlink /proc/1/ns/net)\" ]"
ip link add up0 type veth # busybox names the peer veth0
ip link set veth0 netns "$OUT"
ip addr add 192.0.2.1/24 dev up0
ip link set up0 up
nsenter -t "$OUT" -n sh -c 'ip link set lo up && ip addr add 192.0.2.2/24 dev veth0 && ip link set veth0 up'
mkdir -p /tmp/www/cgi-bin
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >/tmp/www/cgi-bin/ip
chmod +x /tmp/www/cgi-bin/ip
nsenter -t "$OUT" -n httpd -p 192.0.2.2:80 -h /tmp/www

say "a pod with hostPort 18080 (UDP hostPorts: netsetup's TestEgressAndHostPorts; busybox nc has no UDP)"
apply <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: oci:/var/lib/podd/images/podd-test:latest
    command: [testapp, serve, "8080"]
    ports: [{containerPort: 8080, hostPort: 18080}]
EOF
wait_row web "1/1 Running" 20
UID_=$(pod_uid web)

say "egress: the outside server sees the node's address"
expect_eq "REMOTE_ADDR seen outside" "$(podctl exec web -c web -- wget -q -O- http://192.0.2.2/cgi-bin/ip)" "192.0.2.1"

say "hostPort from the node (127.0.0.1, node addresses), from outside and from the pod itself"
# (busybox's static wget crashes on -T with an error: no -T; wait_until bounds the time, and
# lets the server in the pod start listening first.)
diag() {
	echo "---- diagnostics"
	grep -H . /proc/sys/net/ipv4/conf/*/route_localnet /proc/sys/net/ipv4/conf/*/forwarding
	ip route get 10.77.0.2 from 127.0.0.1 || true
	podctl exec web -c web -- wget -q -O- http://127.0.0.1:8080/ || true
	wget -q -O- http://127.0.0.1:18080/ || true
}
# answers URL: within 20 s, the page at URL is "ok".
answers() {
	_end=$(($(now_ms) + 20000))
	while ! wget -q -O- "$1" 2>/dev/null | grep -qx ok; do
		[ "$(now_ms)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}
for url in http://127.0.0.1:18080/ http://192.0.2.1:18080/ http://10.77.0.1:18080/; do
	answers "$url" || { diag; fail "wget $url on the node: no 'ok' within 20 s"; }
	ok "wget $url on the node says ok"
done
wait_until 10 "wget from outside says ok" sh -c "nsenter -t $OUT -n wget -q -O- http://192.0.2.1:18080/ | grep -qx ok"
expect_eq "the pod through the node's address (hairpin)" "$(podctl exec web -c web -- wget -q -O- http://192.0.2.1:18080/)" "ok"

say "a second pod asking for hostPort 18080 is refused and leaves nothing"
OUT2=$(podctl apply -f - 2>&1 <<'EOF' || true
apiVersion: v1
kind: Pod
metadata: {name: web2}
spec:
  containers:
  - name: web
    image: oci:/var/lib/podd/images/podd-test:latest
    command: [testapp, serve, "8080"]
    ports: [{containerPort: 8080, hostPort: 18080, hostIP: 192.0.2.1}]
EOF
)
expect_contains "refusal" "$OUT2" "18080/TCP on 192.0.2.1 is taken by pod default/web"
expect_contains "refusal is a conflict" "$OUT2" "Conflict"
expect_eq "podctl get pod web2" "$(podctl get pod web2 2>&1 | grep -c NotFound || true)" "1"

say "delete: nothing left, no nftables table"
podctl delete pod web >/dev/null
expect_pod_gone "$UID_" web
expect_clean
sleep 3 # the table lingers 1 s after the last pod, for the next one
expect_eq "podd --cleanup (another --root) finds" "$(/init --cleanup --root /tmp/other-root)" "podd: no nftables table inet podd"
kill "$OUT"
ok "egress and hostPort"
