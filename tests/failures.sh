#!/bin/sh
# failures.sh LOG: the output of each failed test and subtest of a `go test -v` log (its last
# 80 lines), printed last so that a CI excerpt showing the end of the output shows why it failed.
awk '
/^=== (RUN|CONT) / { cur = $3 }
{ k = n[cur]++; buf[cur, k % 80] = $0 }
/^ *--- FAIL: / {
	name = $3
	if (!(name in n)) next
	print "==== why " name " failed (" n[name] " lines, the last 80):"
	for (i = (n[name] > 80 ? n[name] - 80 : 0); i < n[name]; i++) print buf[name, i % 80]
}
' "$1"
