# tests/vm/lib.sh: helpers for the VM scripts, shipped as /test/lib.sh by tests/vm/run.
# Usage in a script:  . /test/lib.sh
# busybox sh only (no jq, no bash): JSON is read through jflat (awk), which relies on the
# indented output of `podctl get -o json`.

IMAGE=oci:/var/lib/podd/images/podd-test:latest
CGROOT=/sys/fs/cgroup/podd
PODS_CG=$CGROOT/pods
STATE=/var/lib/podd/pods
LOGS=/var/log/pods
NSDIR=/run/podd/ns

say() { echo "== $*"; }
ok() { echo "   ok: $*"; }

# fail MSG: print MSG, what podd shows, and exit 1.
fail() {
	echo "FAIL: $*" >&2
	echo "---- podctl get pods -A -o wide" >&2
	podctl get pods -A -o wide >&2 2>&1 || true
	exit 1
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', expected '$3'"
	fi
	ok "$1 = '$3'"
}

# expect_ne WHAT ACTUAL UNEXPECTED
expect_ne() {
	if [ "$2" = "$3" ]; then
		fail "$1: got '$2', expected anything else"
	fi
	ok "$1 = '$2' (!= '$3')"
}

# expect_contains WHAT TEXT SUBSTRING
expect_contains() {
	case $2 in
	*"$3"*) ok "$1 contains '$3'" ;;
	*) fail "$1: expected to contain '$3', got: $2" ;;
	esac
}

# expect_not_contains WHAT TEXT SUBSTRING
expect_not_contains() {
	case $2 in
	*"$3"*) fail "$1: expected not to contain '$3', got: $2" ;;
	*) ok "$1 does not contain '$3'" ;;
	esac
}

# now_ms: milliseconds since boot (busybox date has no %N everywhere; /proc/uptime has 10 ms).
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s until it succeeds.
wait_until() {
	_t=$1 _d=$2
	shift 2
	_end=$(($(now_ms) + _t * 1000))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(now_ms)" -ge "$_end" ]; then
			fail "timed out after ${_t}s waiting for: $_d"
		fi
		sleep 0.2
	done
	ok "$_d"
}

# jflat: indented JSON on stdin -> one "a.b.0.c=value" line per scalar (strings unquoted).
jflat() {
	awk '
	function path(k,   i, s) {
		s = ""
		for (i = 1; i <= depth; i++) s = s stack[i] "."
		return s k
	}
	function key_of(line) { sub(/^"/, "", line); sub(/".*$/, "", line); return line }
	function val_of(v) { sub(/,$/, "", v); if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2); return v }
	function elem(   k) { idx[depth]++; return idx[depth] }
	{
		line = $0
		sub(/^[ \t]+/, "", line)
		if (line == "") next
		if (line == "}" || line == "}," || line == "]" || line == "],") { depth--; next }
		if (line ~ /^"[^"]*": /) {
			k = key_of(line); v = line; sub(/^"[^"]*": /, "", v)
		} else if (depth > 0 && isarr[depth]) {
			k = elem(); v = line
		} else {
			next
		}
		if (v == "{" || v == "[") {
			depth++; stack[depth] = k; isarr[depth] = (v == "["); idx[depth] = -1
			next
		}
		print path(k) "=" val_of(v)
	}'
}

# pod_json NAME [-n NS]: the pod flattened (see jflat).
pod_flat() { podctl get pod "$@" -o json | jflat; }

# pod_field NAME PATH: one value of the pod ("" when absent).
pod_field() { pod_flat "$1" | sed -n "s|^$2=||p" | head -n1; }

pod_uid() { pod_field "$1" metadata.uid; }
pod_ip() { pod_field "$1" status.podIP; }

# ctr_field POD CTR FIELD: FIELD (e.g. state.terminated.reason) of container CTR's status.
ctr_field() {
	pod_flat "$1" | awk -v c="$2" -v f="$3" '
		{ eq = index($0, "="); k = substr($0, 1, eq - 1); v = substr($0, eq + 1) }
		k ~ /^status\.containerStatuses\.[0-9]+\.name$/ && v == c { split(k, a, "."); n = a[3] }
		{ vals[k] = v }
		END { if (n != "") print vals["status.containerStatuses." n "." f] }'
}

# ctr_pid POD CTR: host pid of the running container's init, from containerID podd://uid/ctr/pid.
ctr_pid() {
	_id=$(ctr_field "$1" "$2" containerID)
	case $_id in
	podd://*/"$2"/*) echo "${_id##*/}" ;;
	*) fail "container $1/$2: unexpected containerID '$_id'" ;;
	esac
}

# pod_row NAME: "READY STATUS RESTARTS" from `podctl get pods`.
pod_row() { podctl get pods | awk -v n="$1" '$1 == n { print $2, $3, $4 }'; }

# wait_row NAME "READY STATUS" SECONDS
_row_is() { [ "$(pod_row "$1" | cut -d' ' -f1,2)" = "$2" ]; }
wait_row() {
	_end=$(($(now_ms) + $3 * 1000))
	while ! _row_is "$1" "$2"; do
		if [ "$(now_ms)" -ge "$_end" ]; then
			fail "pod $1: READY STATUS is '$(pod_row "$1")' after $3 s, expected '$2'"
		fi
		sleep 0.2
	done
	ok "pod $1 is $2"
}

# apply: podctl apply -f - with the manifest on stdin; fails the test if it is refused.
apply() {
	_out=$(podctl apply -f - 2>&1) || fail "podctl apply failed: $_out"
	echo "   $_out"
}

alive() { [ -d "/proc/$1" ] && [ "$(proc_state "$1")" != Z ]; }

# proc_state PID: the state letter from /proc/PID/stat (R S D Z T ...).
proc_state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# zombies: "pid:comm" of every zombie on the VM.
zombies() {
	for _s in /proc/[0-9]*/stat; do
		_l=$(cat "$_s" 2>/dev/null) || continue
		case ${_l##*) } in
		Z*) _p=${_s#/proc/}; echo "${_p%/stat}:$(echo "$_l" | sed 's/^[0-9]* (\(.*\)) .*/\1/')" ;;
		esac
	done
}

# expect_no_zombies: no zombie may stay a zombie for 2 s (one just exiting may be seen once).
expect_no_zombies() {
	_z=$(zombies)
	if [ -n "$_z" ]; then
		sleep 2
		_z2=$(zombies)
		for _e in $_z; do
			case " $(echo $_z2) " in
			*" $_e "*) fail "zombie process $_e not reaped after 2 s ($1); all: $(echo $_z2)" ;;
			esac
		done
	fi
	ok "no zombie processes ($1)"
}

# pins_mountinfo: the mountinfo of podd's pins namespace (pinned at $NSDIR/.mnt), where the
# pods' namespaces are pinned.
pins_mountinfo() { nsenter --mount="$NSDIR/.mnt" cat /proc/self/mountinfo; }

# expect_pod_gone UID NAME [NS] [PIDS...]: nothing of the pod is left on the VM.
expect_pod_gone() {
	_uid=$1 _name=$2 _ns=${3:-default}
	shift 3 || shift $#
	[ -n "$_uid" ] || fail "expect_pod_gone: empty uid"
	[ ! -e "$PODS_CG/$_uid" ] || fail "cgroup $PODS_CG/$_uid still exists"
	ok "no cgroup $PODS_CG/$_uid"
	if grep -F "$_uid" /proc/self/mountinfo; then
		fail "mounts mentioning pod uid $_uid remain (above)"
	fi
	if pins_mountinfo | grep -F "$_uid"; then
		fail "pins of pod uid $_uid remain in the pins namespace (above)"
	fi
	ok "no mount mentions $_uid"
	[ ! -e "$STATE/$_uid" ] || fail "state dir $STATE/$_uid still exists: $(ls -R "$STATE/$_uid" | head -20)"
	ok "no state dir $STATE/$_uid"
	[ ! -e "$LOGS/${_ns}_${_name}_$_uid" ] || fail "log dir $LOGS/${_ns}_${_name}_$_uid still exists"
	ok "no log dir $LOGS/${_ns}_${_name}_$_uid"
	[ ! -e "$NSDIR/$_uid" ] || fail "namespace dir $NSDIR/$_uid still exists"
	ok "no pinned namespaces $NSDIR/$_uid"
	if grep -rlF "$_uid" /var/lib/podd/ipam 2>/dev/null; then
		fail "IP address still allocated to $_uid (above)"
	fi
	ok "no IP allocated to $_uid"
	for _p in "$@"; do
		! alive "$_p" || fail "process $_p ($(cat /proc/$_p/comm 2>/dev/null)) still alive"
	done
	[ $# -eq 0 ] || ok "processes $* are gone"
	if podctl get pods -A 2>/dev/null | grep -w -- "$_name"; then
		fail "podctl get pods still lists $_name"
	fi
	ok "podctl get pods does not list $_name"
}

# expect_clean: no pod at all (cgroups, state, mounts, podctl).
expect_clean() {
	_l=$(ls "$PODS_CG" | grep -v '^cgroup\.\|^cpu\|^memory\|^pids\|^io\|^hugetlb\|^rdma\|^misc\|^cpuset' || true)
	expect_eq "pod cgroups under $PODS_CG" "$_l" ""
	expect_eq "pod state dirs under $STATE" "$(ls -A "$STATE" 2>/dev/null)" ""
	expect_eq "log dirs under $LOGS" "$(ls -A "$LOGS" 2>/dev/null)" ""
	expect_eq "pinned namespaces under $NSDIR" "$(ls -A "$NSDIR" 2>/dev/null | grep -vx '\.mnt' || true)" ""
	expect_eq "podd mounts in mountinfo" "$(grep -E '/var/lib/podd/pods/|/run/podd/ns/' /proc/self/mountinfo | grep -v ' /run/podd/ns/\.mnt ' || true)" ""
	expect_eq "pins in the pins namespace" "$(pins_mountinfo | grep -E '/run/podd/ns/' || true)" ""
	expect_eq "podctl get pods -A" "$(podctl get pods -A 2>&1)" "No resources found"
}

# OOM kills (VM 94, 95): hog_pod NAME COMMAND-JSON applies a pod whose container "hog" has a
# 32Mi limit; expect_oom_victims checks the OOMKilling events of a PID-1 victim (hog1) and of
# a child of PID 1 (hog2: memory.oom.group then ends the container, each process its event).
hog_pod() { # NAME COMMAND-JSON
	apply <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: $IMAGE
    command: $2
    resources:
      limits: {memory: 32Mi}
EOF
}
oomkilled() { [ "$(ctr_field "$1" hog state.terminated.reason)" = OOMKilled ]; }
has_event() { podctl describe pod "$1" | grep -q "$2"; }

expect_oom_victims() {
	say "OOM: the container's PID 1 is the victim"
	hog_pod hog1 '[testapp, memhog, "100"]'
	wait_until 20 "hog1 OOMKilled" oomkilled hog1
	P1=$(ctr_pid hog1 hog)
	wait_until 5 "hog1 OOMKilling event" has_event hog1 "Killed process $P1 (testapp)"
	D=$(podctl describe pod hog1)
	echo "$D" | grep OOMKilling
	expect_contains "describe hog1" "$D" "Warning  OOMKilling"
	expect_contains "describe hog1" "$D" "Memory cgroup out of memory: Killed process $P1 (testapp)"

	say "OOM: a child of PID 1 is the victim"
	hog_pod hog2 '[sh, -c, "testapp memhog 100; echo survived"]'
	wait_until 20 "hog2 OOMKilled" oomkilled hog2
	SH=$(ctr_pid hog2 hog)
	wait_until 5 "hog2 OOMKilling event of testapp" has_event hog2 "Killed process [0-9]* (testapp)"
	D=$(podctl describe pod hog2)
	echo "$D" | grep OOMKilling
	CHILD=$(echo "$D" | sed -n 's/.*Killed process \([0-9]*\) (testapp).*/\1/p' | head -n1)
	expect_ne "the killed testapp's pid (PID 1 is sh)" "$CHILD" "$SH"
	expect_contains "describe hog2: the group kill of PID 1" "$D" "Killed process $SH (sh)"
	expect_not_contains "hog2's log" "$(podctl logs hog2)" "survived"
}
