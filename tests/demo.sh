#!/usr/bin/env bash
# make demo: start podd, run the web + sync pod (examples/web-sync.yaml), show it working, clean up.
# podd runs in a throwaway network and mount namespace so the demo leaves nothing on this host
# (no bridge, no mounts); the pod IP is reached from inside that namespace.
set -euo pipefail
podd=$(realpath "${1:-build/podd}")
podctl=$(realpath "${2:-build/podctl}")
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "demo: run as root (podd creates namespaces and cgroups)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/podd-demo.XXXXXX)
cg=$(awk '$9=="cgroup2"{print $5; exit}' /proc/self/mountinfo)/podd-demo-$$
export PODD_SOCKET=$tmp/run/podd.sock
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

cleanup() {
	[[ -n ${pf:-} ]] && kill "$pf" 2>/dev/null || true
	"$podctl" shutdown >/dev/null 2>&1 || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
	rm -rf "$tmp"
}

unshare -n -m --propagation private sh -c "ip link set lo up; exec $podd --root $tmp/root --run-dir $tmp/run --log-dir $tmp/log --cgroup-root $cg" >"$tmp/podd.log" 2>&1 &
pid=$!
trap cleanup EXIT
for _ in $(seq 100); do "$podctl" get pods >/dev/null 2>&1 && break; sleep 0.05; done

step podctl apply -f examples/web-sync.yaml
time "$podctl" apply -f examples/web-sync.yaml
step podctl get pods -o wide
"$podctl" get pods -o wide
sleep 2.5
step podctl logs web-sync -c sync
"$podctl" logs web-sync -c sync
step podctl exec web-sync -c web -- cat /html/index.html
"$podctl" exec web-sync -c web -- cat /html/index.html
ip=$("$podctl" get pod web-sync -o json | sed -n 's/.*"podIP": *"\([^"]*\)".*/\1/p')
step "wget -qO- http://$ip:8080/index.html   (from podd's network namespace)"
nsenter -t "$pid" -n busybox wget -qO- "http://$ip:8080/index.html" | tail -3
step podctl exec web-sync -c sync -- wget -qO- http://localhost:8080/index.html
"$podctl" exec web-sync -c sync -- wget -qO- http://localhost:8080/index.html | tail -1
step "podctl port-forward web-sync :8080 &   (then wget from this host's 127.0.0.1)"
"$podctl" port-forward web-sync :8080 >"$tmp/port-forward.log" 2>&1 &
pf=$!
for _ in $(seq 100); do grep -q '^Forwarding from 127.0.0.1:' "$tmp/port-forward.log" && break; sleep 0.05; done
lport=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/port-forward.log")
busybox wget -qO- "http://127.0.0.1:$lport/index.html" | tail -1
kill "$pf"; wait "$pf" 2>/dev/null || true
cat "$tmp/port-forward.log"
step "podctl apply -f examples/hostport.yaml   (containerPort 8080 published as hostPort 18080)"
"$podctl" apply -f examples/hostport.yaml
for _ in $(seq 100); do "$podctl" get pod hello | grep -q Running && break; sleep 0.05; done
step "wget -qO- http://127.0.0.1:18080/hostname   (the node's loopback: podd's network namespace here)"
for _ in $(seq 50); do nsenter -t "$pid" -n busybox wget -qO- "http://127.0.0.1:18080/hostname" 2>/dev/null && break; sleep 0.1; done
nsenter -t "$pid" -n busybox wget -qO- "http://127.0.0.1:18080/hostname" >/dev/null
"$podctl" delete pod hello >/dev/null
step podctl describe pod web-sync
"$podctl" describe pod web-sync | sed -n 1,12p
step podctl delete pod web-sync
time "$podctl" delete pod web-sync
step podctl get pods
"$podctl" get pods
echo
echo "demo: OK"
