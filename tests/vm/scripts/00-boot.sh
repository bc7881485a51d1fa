#!/bin/sh
# The VM boots with podd as PID 1: cgroup v2 with the memory controller is mounted and the API
# answers.
set -eu
ctrls=$(cat /sys/fs/cgroup/cgroup.controllers)
echo "cgroup.controllers: $ctrls"
case " $ctrls " in
*" memory "*) ;;
*) echo "FAIL: no memory controller"; exit 1 ;;
esac
podctl get pods
echo "ok: boot"
