#!/bin/sh
#vm:append podd.manifests=/test/boot
#vm:append podd.bogus=1 podd.pids-limit=abc
# PID 1 duties: podd applies the manifests of the directory named on the kernel command line
# (podd.manifests=) at boot, before anything asks it to; then `podctl shutdown` stops every pod
# and powers the machine off (what the harness sees as PODD_RUN_EXIT after the script).
# Hostile input must not stop the boot: an unknown (podd.bogus=1) and a malformed
# (podd.pids-limit=abc) kernel parameter are reported and ignored; in /test/boot a deeply nested
# JSON file, garbage and a pod with a bad value are reported and skipped, and files that are not
# *.yaml/*.yml/*.json (ignored.js, ignored.ym) are not applied at all.
set -eu
. /test/lib.sh

say "manifests from the kernel command line are running at boot"
expect_contains "kernel command line" "$(cat /proc/cmdline)" "podd.manifests=/test/boot"
wait_row static-web "1/1 Running" 30
expect_eq "static-sleeper in kube-system" "$(podctl -n kube-system get pods | awk '$1=="static-sleeper"{print $2, $3}')" "1/1 Running"
ip=$(pod_ip static-web)
expect_contains "static-web answers on its pod IP" "$(wget -qO- "http://$ip:8080/")" "ok"
pid=$(ctr_pid static-web web)
alive "$pid" || fail "static-web pid $pid not alive"
ok "static-web pid $pid serving on $ip"

say "podctl get pods -A lists both namespaces"
all=$(podctl get pods -A)
expect_contains "get pods -A" "$all" "kube-system"
expect_contains "get pods -A" "$all" "static-web"

say "hostile boot input was skipped, the rest applied"
expect_contains "kernel command line" "$(cat /proc/cmdline)" "podd.bogus=1"
ls /test/boot/hostile-deep.json /test/boot/garbage.yaml /test/boot/bad-value.yaml /test/boot/ignored.js /test/boot/ignored.ym >/dev/null ||
	fail "the hostile files are not in /test/boot"
for p in ignored-js ignored-ym bad-value; do
	expect_not_contains "get pods -A" "$all" "$p"
done
uid=$(pod_uid static-web)
expect_eq "pids.max of static-web (the default, podd.pids-limit=abc ignored)" \
	"$(cat "/sys/fs/cgroup/podd/pods/$uid/pids.max")" "4096"
