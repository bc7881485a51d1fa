#!/bin/sh
#vm:append podd.manifests=/test/boot
# PID 1 duties: podd applies the manifests of the directory named on the kernel command line
# (podd.manifests=) at boot, before anything asks it to; then `podctl shutdown` stops every pod
# and powers the machine off (what the harness sees as PODD_RUN_EXIT after the script).
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
