#!/bin/sh
#vm:append podd.metrics-address=:9100
# Probes at load, through the metrics endpoint: the probe latency histogram counts every probe
# run (an exec probe that counts its own runs in a hostPath file; TCP probes that each connect);
# 100 TCP and HTTP probes a second are kept up with, and what they cost podd (PID 1) is printed
# (probe-load:) and bounded per probe (see below for why not "well under a core" under TCG).
set -eu
. /test/lib.sh

metrics() { wget -q -O - http://127.0.0.1:9100/metrics; }
cpu_ticks() { awk '{ print $14 + $15 }' /proc/1/stat; }

say "the histogram's count is the number of probes run"
mkdir -p /tmp/probecount
apply <<EOF
apiVersion: v1
kind: Pod
metadata: {name: counted}
spec:
  volumes: [{name: count, hostPath: {path: /tmp/probecount}}]
  containers:
  - name: app
    image: $IMAGE
    command: [testapp, serve, "8080"]
    volumeMounts: [{name: count, mountPath: /count}]
    livenessProbe: # an exec can take over a second under TCG: no timeout, no restart
      exec: {command: [sh, -c, "echo run >> /count/liveness"]}
      periodSeconds: 1
      timeoutSeconds: 30
      failureThreshold: 1000
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
EOF
wait_row counted "1/1 Running" 60
expect_eq "counted's restarts" "$(pod_row counted | cut -d' ' -f3)" "0"
wait_until 120 "ten liveness runs" sh -c '[ "$(wc -l < /tmp/probecount/liveness)" -ge 10 ]'
podctl delete pod counted >/dev/null
RUNS=$(wc -l </tmp/probecount/liveness)
M=$(metrics)
echo "$M" | grep -E '^podd_probe_(total|duration_seconds_count)'
# val KEY: the value of the metric line KEY; sum PREFIX: the sum of the lines starting so.
val() { echo "$M" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
sum() { echo "$M" | awk -v p="$1" 'index($1, p) == 1 { n += $2 } END { print n + 0 }'; }
LIVE=$(val 'podd_probe_duration_seconds_count{probe_type="liveness",stage="total"}')
expect_eq "liveness histogram count vs liveness probes run" "$LIVE" "$(sum 'podd_probe_total{probe_type="liveness",')"
# Every success ran the command; a run cut by the delete may have (an unknown result) or not.
LIVE_OK=$(val 'podd_probe_total{probe_type="liveness",result="success"}')
[ "$LIVE_OK" -le "$RUNS" ] && [ "$RUNS" -le "$LIVE" ] ||
	fail "the exec probe ran $RUNS times, podd counted $LIVE_OK successes of $LIVE runs"
ok "the exec probe ran $RUNS times: $LIVE_OK successes of $LIVE runs in the histogram"
READY=$(val 'podd_probe_duration_seconds_count{probe_type="readiness",stage="total"}')
[ "$READY" -ge 5 ] || fail "readiness histogram count '$READY', want >= 5"
expect_eq "readiness histogram count vs readiness probes run" "$READY" "$(sum 'podd_probe_total{probe_type="readiness",')"
expect_eq "readiness connect-stage count vs TCP probes that connected" "$(val 'podd_probe_duration_seconds_count{probe_type="readiness",stage="connect"}')" "$(val 'podd_probe_total{probe_type="readiness",result="success"}')"

say "100 probes a second: 5 pods of 10 containers, each with a TCP liveness and an HTTP readiness probe"
i=0
while [ $i -lt 5 ]; do
	{
		printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: load%s}\nspec:\n  containers:\n' $i
		c=0
		while [ $c -lt 10 ]; do
			if [ $c -eq 0 ]; then cmd='[testapp, serve, "8080"]'; else cmd='[sleep, "600"]'; fi
			printf '  - name: c%s\n    image: %s\n    command: %s\n' $c "$IMAGE" "$cmd"
			printf '    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 30}\n'
			printf '    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1, timeoutSeconds: 5}\n'
			c=$((c + 1))
		done
	} | apply
	i=$((i + 1))
done
for i in 0 1 2 3 4; do wait_row load$i "10/10 Running" 180; done
sleep 10 # the starts' status writes are over
runs() { metrics | awk '$1 ~ /^podd_probe_total\{/ { n += $2 } END { print n + 0 }'; }
ok_runs() { metrics | awk '$1 ~ /^podd_probe_total\{.*result="success"/ { n += $2 } END { print n + 0 }'; }
N0=$(runs)
K0=$(ok_runs)
T0=$(cpu_ticks)
S0=$(now_ms)
sleep 20
T1=$(cpu_ticks)
S1=$(now_ms)
N1=$(runs)
K1=$(ok_runs)
RATE=$(((N1 - N0) * 1000 / (S1 - S0)))
OKRATE=$(((K1 - K0) * 1000 / (S1 - S0)))
HZ=100
SHARE=$(((T1 - T0) * 100000 / HZ / (S1 - S0)))
echo "probe-load: $RATE probes/s ($OKRATE/s succeeded), podd $SHARE% of a core (utime+stime of PID 1 over $(((S1 - S0) / 1000)) s, TCG)"
# Under TCG (and a loaded host, whose preemptions the guest counts as its own CPU time) a probe
# costs podd ~10 ms of emulated CPU, 100x the native figure (BenchmarkTCPProbes1000PerSecond:
# 1000/s at 6-11% of a core), so 100/s cannot be checked to be well under a core here: the
# bound is on the cost per probe, an order of magnitude above what TCG shows, and the rate.
[ "$RATE" -ge 50 ] || fail "$RATE probes/s of the 100/s scheduled: podd does not keep up"
[ "$SHARE" -lt $((RATE * 5)) ] || fail "podd used $SHARE% of a core at $RATE probes/s: over 50 ms of CPU a probe"
ok "$RATE probes/s at $SHARE% of a core"
for i in 0 1 2 3 4; do
	expect_eq "load$i's restarts" "$(pod_row load$i | cut -d' ' -f3)" "0"
done

say "delete"
podctl delete pod load0 load1 load2 load3 load4 >/dev/null
expect_clean
echo "ok: probe-load"
