#!/bin/sh
# tests/vm/smoke.sh: kernel smoke test of the VM tier, with the stand-in init (tests/vm/stubinit)
# instead of podd, so it needs neither podd nor podctl.
#
# On the host:   tests/vm/smoke.sh   builds stubinit and runs itself through tests/vm/run.
# In the guest:  (as /test/script)   checks cgroup v2 controllers, the modules, and that
#                                    overlayfs, bridges and veth pairs really work.
set -eu

if [ "$0" != /test/script ]; then
	here=$(cd "$(dirname "$0")" && pwd)
	cache=${PODD_VM_CACHE:-/var/cache/podd-vm}
	mkdir -p "$cache/stub/images"
	(cd "$here/../.." && CGO_ENABLED=0 go build -o "$cache/stub/init" ./tests/vm/stubinit)
	PODD_BIN=$cache/stub/init PODCTL_BIN= PODD_IMAGES=${PODD_IMAGES:-$cache/stub/images} \
		exec "$here/run" "$here/smoke.sh"
fi

echo "smoke: uptime at script start: $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
fail=0
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok   $d"
	else
		echo "FAIL $d"
		sed 's/^/     /' /tmp/check.out
		fail=1
	fi
}

ctrls=$(cat /sys/fs/cgroup/cgroup.controllers)
echo "cgroup.controllers: $ctrls"
for c in cpu memory pids; do
	check "cgroup v2 controller $c" sh -c "echo ' $ctrls ' | grep -q ' $c '"
done
check "cgroup2 mounted on /sys/fs/cgroup" sh -c 'grep -q "^cgroup2 /sys/fs/cgroup cgroup2" /proc/mounts'
check "subtree_control takes +cpu +memory +pids" sh -c \
	'mkdir /sys/fs/cgroup/smoke && echo "+cpu +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control &&
	 test -f /sys/fs/cgroup/smoke/memory.max && rmdir /sys/fs/cgroup/smoke'

for m in llc stp bridge veth overlay; do
	check "module $m loaded" test -d /sys/module/$m
done

check "overlayfs mount" sh -c '
	mkdir -p /tmp/ov/l /tmp/ov/u /tmp/ov/w /tmp/ov/m && echo lower >/tmp/ov/l/f &&
	mount -t overlay overlay -o lowerdir=/tmp/ov/l,upperdir=/tmp/ov/u,workdir=/tmp/ov/w /tmp/ov/m &&
	echo upper >/tmp/ov/m/f && test "$(cat /tmp/ov/l/f)" = lower && test "$(cat /tmp/ov/u/f)" = upper &&
	umount /tmp/ov/m'
check "bridge + veth" sh -c '
	ip link add smokebr0 type bridge && ip link add smokev0 type veth peer name smokev1 &&
	ip link set smokev0 master smokebr0 && ip link set smokebr0 up && ip link set smokev0 up &&
	test -e /sys/class/net/smokebr0/brif/smokev0 &&
	ip link del smokev0 && ip link del smokebr0'
check "pivot_root in a new mount namespace" unshare -m sh -c '
	mount --make-rprivate / && mkdir -p /tmp/pr && mount -t tmpfs pr /tmp/pr &&
	mkdir -p /tmp/pr/old /tmp/pr/bin && cp /bin/busybox /tmp/pr/bin/ && cd /tmp/pr &&
	pivot_root . old && /bin/busybox umount -l /old && /bin/busybox true'
check "/dev/console and /dev/null" sh -c 'test -c /dev/console && test -c /dev/null'
check "/init is PID 1" sh -c 'test "$(readlink /proc/1/exe)" = /init'

echo "smoke: done at uptime $(cut -d' ' -f1 /proc/uptime) s"
exit $fail
