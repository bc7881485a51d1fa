package host

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podd/podd/internal/fdkeep"
)

// stdinPod reads one line from its stdin (a pty with tty), answers it and exits 1: restartPolicy
// Always restarts it with a fresh stdin, so attaches meet runs that start and end.
func stdinPod(name, tty, once string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: ` + testImage + `, stdin: true, stdinOnce: ` + once + `, tty: ` + tty + `,
     command: [/bin/sh, -c, 'read l; echo "got $l"; exit 1']}
`
}

// hookedPod: a's postStart hook holds b's start back (ordered start); the churn deletes the pod
// during the hook. Its downwardAPI volume shows the labels the label worker changes.
func hookedPod(name string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `, labels: {n: "0"}}
spec:
  terminationGracePeriodSeconds: 0
  volumes: [{name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}]
  containers:
  - name: a
    image: ` + testImage + `
    command: [/bin/sh, -c, 'cat /info/labels; sleep 0.5; exit 1']
    volumeMounts: [{name: info, mountPath: /info}]
    lifecycle: {postStart: {exec: {command: [/bin/sh, -c, 'sleep 0.4']}}}
  - name: b
    image: ` + testImage + `
    command: [/bin/sh, -c, 'exec testapp serve 8080']
    volumeMounts: [{name: info, mountPath: /info}]
`
}

// chattyPod writes numbered lines past --container-log-max-size and exits, again and again.
const chattyPod = `apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sh, -c, 'i=0; while [ $i -lt 3000 ]; do echo "line $i of the run"; i=$((i+1)); done; exit 1']
`

// TestStressFeatures drives, at the same time, what TestStress does not: attach -i (pipe and
// tty, stdinOnce or not; through the fd keeper) to containers that restart after each line and
// to pods being deleted, postStart hooks whose pod is deleted during the hook, label/annotate
// rewriting the downwardAPI volume of those pods meanwhile and patch changing an image (a
// restart) during the hook or the delete, port-forward connections while the
// pod (one container restarted by its liveness probe) goes, and logs -f and --previous across
// rotations (16 KiB files). Every operation succeeds or fails naming the pod or container; podd
// exits 0 (66 on a data race under -race), and nothing is left: processes, cgroups, mounts,
// veths, pod and log directories, and what the fd keeper holds.
func TestStressFeatures(t *testing.T) {
	s := &stressRun{}
	t.Cleanup(func() {
		for _, e := range s.errors() {
			t.Log("stress failure: " + e)
		}
	})
	d := StartPodd(t, "--container-log-max-size", "16Ki", "--container-log-max-files", "2")
	s.d = d
	duration := 12 * time.Second
	if testing.Short() {
		duration = 5 * time.Second
	}
	d.Apply(stdinPod("pipe", "false", "false"))
	d.Apply(stdinPod("tty", "true", "false"))
	d.Apply(chattyPod)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, pod := range []string{"pipe", "pipe", "tty"} {
		wg.Go(func() { s.loop(ctx, func() { s.attach(pod) }) })
	}
	for w := range 2 {
		n, m := 0, 0
		wg.Go(func() { s.loop(ctx, func() { s.attachOnceChurn(w, n); n++ }) })
		wg.Go(func() { s.loop(ctx, func() { s.hookChurn(w, m); m++ }) })
	}
	f := 0
	wg.Go(func() { s.loop(ctx, func() { s.forwardChurn(ctx, f); f++ }) })
	wg.Go(func() { s.loop(ctx, func() { s.followLogs2(ctx, "chatty") }) })
	wg.Go(func() { s.loop(ctx, s.previousLogs) })
	wg.Wait()
	t.Logf("%d operations in %v; outcomes %v", s.count(), duration, s.outcomes())
	for _, pod := range []string{"pipe", "tty", "chatty"} {
		if r := d.Ctl("delete", "pod", pod); r.Code != 0 {
			s.fail("final delete pod %s: %s", pod, r)
		}
	}
	if !d.Running() {
		t.Fatalf("podd died during the stress run:\n%s", d.poddLog())
	}
	d.AssertNoPods()
	if err := d.Stop(40 * time.Second); err != nil {
		s.fail("podd did not exit 0 after the stress run (66 is the race detector): %v", err)
	}
	s.checkKeeperEmpty()
	for _, e := range s.errors() {
		t.Error(e)
	}
}

// namesPod: a failed operation's message names the pod, says it is not found, or (kubectl's
// words) that its container c is not running.
func namesPod(r Result, pod string) bool {
	return r.Code != 0 && (strings.Contains(r.Stderr, pod) || strings.Contains(r.Stderr, "NotFound") ||
		strings.Contains(r.Stderr, "container c is not running"))
}

// checkKeeperEmpty: with every pod gone, the fd keeper holds nothing (it has exited); what it
// still holds is dropped, so that it exits.
func (s *stressRun) checkKeeperEmpty() {
	k := &fdkeep.Client{Path: filepath.Join(s.d.RunDir, "fdkeep.sock")}
	defer k.Close()
	keys, err := k.Keys()
	if err != nil || len(keys) > 0 {
		s.fail("fd keeper after every pod was deleted: holds %q (%v), want nothing", keys, err)
	}
	for _, key := range keys {
		_ = k.Drop(key)
	}
}

// saw counts an outcome (when ok) for the run's summary: what the stress did reach.
func (s *stressRun) saw(what string, ok bool) {
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seenOK == nil {
		s.seenOK = map[string]int{}
	}
	s.seenOK[what]++
}

func (s *stressRun) outcomes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.seenOK)
}
