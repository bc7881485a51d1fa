#!/bin/sh
# IPv6-only pods (issue 8) on the VM's kernel, podd as PID 1 with --pod-cidr given one IPv6
# range alone: a pod has an IPv6 address and no IPv4 one (status and `ip addr` inside), reaches
# a web server in another pod over IPv6, leaves the node over IPv6 masqueraded to the node's
# address (NAT66), its hostPort answers on the node's IPv6 address from the node and from
# outside, and the delete leaves no lease and no nftables table.
#vm:append podd.uplink=up0 podd.pod-cidr=fd77::/64
set -eu
. /test/lib.sh

say "an outside namespace: up0 fd00:192::1/64 on the node, fd00:192::2 beyond it"
unshare -n sleep 1000 &
OUT=$!
wait_until 5 "outside namespace made" sh -c "[ \"\$(readlink /proc/$OUT/ns/net)\" != \"\$(readlink /proc/1/ns/net)\" ]"
ip link add up0 type veth # busybox names the peer veth0
ip link set veth0 netns "$OUT"
echo 0 >/proc/sys/net/ipv6/conf/up0/accept_dad # busybox ip has no nodad
ip -6 addr add fd00:192::1/64 dev up0
ip link set up0 up
nsenter -t "$OUT" -n sh -c 'ip link set lo up &&
	echo 0 >/proc/sys/net/ipv6/conf/veth0/accept_dad && ip -6 addr add fd00:192::2/64 dev veth0 &&
	ip link set veth0 up'
mkdir -p /tmp/www/cgi-bin
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >/tmp/www/cgi-bin/ip
chmod +x /tmp/www/cgi-bin/ip
nsenter -t "$OUT" -n httpd -p '[fd00:192::2]:80' -h /tmp/www

say "two pods serving HTTP (busybox httpd), web with hostPort 18080"
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
WEB6=$(pod_ip web)
expect_contains "web's podIP is in fd77::/64" "$WEB6" "fd77::"
expect_eq "web's podIPs: that one address" "$(pod_flat web | grep '^status.podIPs\.' | cut -d= -f2-)" "$WEB6"
expect_contains "eth0 inside has the IPv6 address" "$(podctl exec web -c web -- ip -6 addr show dev eth0)" "inet6 $WEB6/64"
expect_eq "eth0 inside has no IPv4 address" "$(podctl exec web -c web -- ip -4 addr show dev eth0)" ""
expect_eq "no IPv4 route inside" "$(podctl exec web -c web -- ip -4 route)" ""
expect_contains "the pod's default IPv6 route" "$(podctl exec web -c web -- ip -6 route)" "default via fd77::1"
expect_contains "the bridge's IPv6 gateway" "$(ip -6 addr show dev podd0)" "fd77::1/64"
expect_eq "the bridge has no IPv4 address" "$(ip -4 addr show dev podd0)" ""

say "pod to pod over IPv6"
wait_until 20 "peer gets web over IPv6" sh -c "podctl exec peer -c web -- wget -q -O- 'http://[$WEB6]:8080/' | grep -qx ok"

say "egress over IPv6: the outside server sees the node's address (NAT66)"
if [ ! -e /proc/sys/net/ipv6/conf/podd0/force_forwarding ]; then
	# Before Linux 6.17 IPv6 forwards only with the global switch, which podd leaves alone.
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
	ok "no per-interface IPv6 forwarding on this kernel: net.ipv6.conf.all.forwarding=1 by hand"
fi
expect_eq "REMOTE_ADDR seen outside" "$(podctl exec web -c web -- wget -q -O- 'http://[fd00:192::2]/cgi-bin/ip')" "[fd00:192::1]"

say "hostPort on the node's IPv6 address, from the node and from outside"
wait_until 20 "the node gets [fd00:192::1]:18080" sh -c "wget -q -O- 'http://[fd00:192::1]:18080/' | grep -qx ok"
wait_until 20 "outside gets [fd00:192::1]:18080" sh -c "nsenter -t $OUT -n wget -q -O- 'http://[fd00:192::1]:18080/' | grep -qx ok"

say "delete: nothing left, no lease, no nftables table"
podctl delete pod web peer >/dev/null
expect_pod_gone "$UID_WEB" web
expect_pod_gone "$UID_PEER" peer
expect_clean
expect_eq "leases left" "$(ls /var/lib/podd/ipam | wc -l)" "0"
sleep 3 # the table lingers 1 s after the last pod, for the next one (as in 87-nat)
expect_eq "podd --cleanup (another --root) finds" "$(/init --cleanup --root /tmp/other-root)" "podd: no nftables table inet podd"
kill "$OUT"
ok "IPv6-only"
