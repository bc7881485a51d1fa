#!/bin/sh
#vm:append podd.oom-program=fentry
# The other eBPF OOM program: fentry on mark_oom_victim, which podd loads on kernels whose
# oom/mark_victim tracepoint passes only the victim's pid (before 6.8, unless backported as in
# Debian's 6.1, which this VM runs: so --oom-program=fentry asks for it here). Same events as
# with the tracepoint (VM 95): the victim's pid and comm, for PID 1 and for a child of it.
set -eu
. /test/lib.sh

say "podctl info: the fentry program"
INFO=$(podctl info)
echo "$INFO"
expect_contains "podctl info" "$INFO" "oom-watch: ebpf (fentry/mark_oom_victim)"
expect_not_contains "podctl info" "$INFO" "fallback"

expect_oom_victims

podctl delete pod --all >/dev/null
expect_clean
