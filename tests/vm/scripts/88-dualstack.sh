#!/bin/sh
# Dual-stack pods (issue 8) on the VM's kernel, podd as PID 1 with --pod-cidr given for both
# families: a pod gets an address of each (status.podIPs, IPv4 first as given), pods reach each
# other over IPv6, the bridge has the IPv6 gateway, egress over IPv6 to an "outside" namespace
# is masqueraded to the node's address (NAT66), a hostPort answers on the node's IPv6 address
# from the node and from outside, and the delete leaves no lease and no nftables table.
#vm:append podd.uplink=up0 podd.pod-cidr=10.77.0.0/16,fd77::/64
set -eu
. /test/lib.sh

say "an outside namespace: up0 192.0.2.1/24, fd00:192::1/64 on the node; .2 and ::2 beyond it"
unshare -n sleep 1000 &
OUT=$!
wait_until 5 "outside namespace made" sh -c "[ \"\$(readlink /proc/$OUT/ns/net)\" != \"\$(readlink /proc/1/ns/net)\" ]"
ip link add up0 type veth # busybox names the peer veth0
ip link set veth0 netns "$OUT"
ip addr add 192.0.2.1/24 dev up0
echo 0 >/proc/sys/net/ipv6/conf/up0/accept_dad # busybox ip has no nodad
ip -6 addr add fd00:192::1/64 dev up0
ip link set up0 up
nsenter -t "$OUT" -n sh -c 'ip link set lo up && ip addr add 192.0.2.2/24 dev veth0 &&
	echo 0 >/proc/sys/net/ipv6/conf/veth0/accept_dad && ip -6 addr add fd00:192::2/64 dev veth0 &&
	ip link set veth0 up'
mkdir -p /tmp/www/cgi-bin
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >/tmp/www/cgi-bin/ip
chmod +x /tmp/www/cgi-bin/ip
nsenter -t "$OUT" -n httpd -p '[fd00:192::2]:80' -h /tmp/www

say "two pods serving HTTP on both families (busybox httpd), web with hostPort 18080"
for name in web peer; do
	ports=""
	[ "$name" = web ] && ports="    ports: [{containerPort: 8080, hostPort: 18080}]"
	apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  containers:
  - name: web
    image: oci:/var/lib/podd/images/podd-test:latest
    command: [sh, -c, "mkdir -p /tmp/w && echo ok >/tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]
$ports
EOF
done
wait_row web "1/1 Running" 20
wait_row peer "1/1 Running" 20
UID_WEB=$(pod_uid web)
UID_PEER=$(pod_uid peer)
WEB4=$(pod_field web status.podIPs.0.ip)
WEB6=$(pod_field web status.podIPs.1.ip)
expect_eq "web's podIP is its IPv4 address" "$(pod_ip web)" "$WEB4"
expect_contains "web's second podIP is in fd77::/64" "$WEB6" "fd77::"
expect_contains "the bridge's IPv6 gateway" "$(ip -6 addr show dev podd0)" "fd77::1/64"
expect_contains "the pod's default IPv6 route" "$(podctl exec web -c web -- ip -6 route)" "default via fd77::1"
expect_eq "net.ipv6.conf.podd0.forwarding" "$(cat /proc/sys/net/ipv6/conf/podd0/forwarding)" "1"
expect_eq "net.ipv6.conf.all.forwarding left alone" "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" "0"

say "pod to pod over IPv6"
wait_until 20 "peer gets web over IPv6" sh -c "podctl exec peer -c web -- wget -q -O- 'http://[$WEB6]:8080/' | grep -qx ok"

say "hostPort on the node's IPv6 address, from the node and from outside"
wait_until 20 "the node gets [fd00:192::1]:18080" sh -c "wget -q -O- 'http://[fd00:192::1]:18080/' | grep -qx ok"
if [ -e /proc/sys/net/ipv6/conf/podd0/force_forwarding ]; then
	ok "this kernel forwards IPv6 per interface (force_forwarding)"
else
	# Before Linux 6.17 IPv6 forwards only with the global switch, which podd leaves alone (it
	# says so); the admin turns it on.
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
	ok "no per-interface IPv6 forwarding on this kernel: net.ipv6.conf.all.forwarding=1 by hand"
fi
wait_until 20 "outside gets [fd00:192::1]:18080" sh -c "nsenter -t $OUT -n wget -q -O- 'http://[fd00:192::1]:18080/' | grep -qx ok"

say "egress over IPv6: the outside server sees the node's address (NAT66)"
expect_eq "REMOTE_ADDR seen outside" "$(podctl exec web -c web -- wget -q -O- 'http://[fd00:192::2]/cgi-bin/ip')" "[fd00:192::1]"

say "delete: nothing left, no lease of either family, no nftables table"
podctl delete pod web peer >/dev/null
expect_pod_gone "$UID_WEB" web
expect_pod_gone "$UID_PEER" peer
expect_clean
expect_eq "leases left" "$(ls /var/lib/podd/ipam | wc -l)" "0"
sleep 3 # the table lingers 1 s after the last pod, for the next one (as in 87-nat)
expect_eq "podd --cleanup (another --root) finds" "$(/init --cleanup --root /tmp/other-root)" "podd: no nftables table inet podd"
kill "$OUT"
ok "dual-stack"
