package host

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// dateLine is one line of busybox `date`: "Sat Nov 21 07:03:28 UTC 2026".
var dateLine = regexp.MustCompile(`^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \S+ \d{4}$`)

// dateLines returns the lines of s, failing if one is not a date.
func dateLines(s string) ([]string, error) {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for _, l := range lines {
		if !dateLine.MatchString(l) {
			return nil, fmt.Errorf("not a date line: %q in %q", l, s)
		}
	}
	return lines, nil
}

// applyWebSync applies examples/web-sync.yaml and returns the pod once both containers run.
func applyWebSync(t *testing.T, d *Podd) *corev1.Pod {
	t.Helper()
	d.MustCtl("apply", "-f", filepath.Join(repoDir, "examples", "web-sync.yaml"))
	return d.WaitPod("web-sync", 5*time.Second, "Running with 2 ready containers", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		for _, cs := range p.Status.ContainerStatuses {
			if !cs.Ready || cs.State.Running == nil {
				return fmt.Errorf("container %s: ready=%v state=%+v", cs.Name, cs.Ready, cs.State)
			}
		}
		return nil
	})
}

// TestWebSync runs the canonical pod and checks it the way a user would.
func TestWebSync(t *testing.T) {
	d := StartPodd(t)
	pod := applyWebSync(t, d)
	uid := string(pod.UID)

	t.Run("get pods", func(t *testing.T) {
		out := d.MustCtl("get", "pods")
		if !regexp.MustCompile(`(?m)^web-sync\s+2/2\s+Running\s+0\s+\S+\s*$`).MatchString(out) {
			t.Errorf("podctl get pods: want `web-sync   2/2   Running   0   AGE`, got:\n%s", out)
		}
		if !strings.HasPrefix(out, "NAME ") {
			t.Errorf("podctl get pods: no header:\n%s", out)
		}
	})

	pids := containerPIDs(t, pod)
	t.Run("processes and cgroups", func(t *testing.T) {
		for ctr, pid := range pids {
			procs, err := os.ReadFile(filepath.Join(d.Cgroup, "pods", uid, ctr, "cgroup.procs"))
			if err != nil {
				t.Fatalf("container %s: %v", ctr, err)
			}
			if !containsField(string(procs), fmt.Sprint(pid)) {
				t.Errorf("container %s: pid %d not in its cgroup (cgroup.procs: %q)", ctr, pid, procs)
			}
		}
	})

	t.Run("namespaces", func(t *testing.T) {
		web, sync := pids["web"], pids["sync"]
		for _, ns := range []string{"net", "ipc", "uts"} {
			a, b := nsLink(web, ns), nsLink(sync, ns)
			if a == "" || a != b {
				t.Errorf("%s namespace: web %q, sync %q: want the same (the pod's)", ns, a, b)
			}
			if host := nsLink(d.PID(), ns); a == host {
				t.Errorf("%s namespace: the pod shares podd's %q", ns, host)
			}
			// The pinned namespace is the one the containers are in.
			st, pinned := nsInode(a), pinInode(d, uid, ns)
			if st == "" || st != pinned {
				t.Errorf("%s namespace: containers in %q, pin under %s/ns/%s is %q", ns, a, d.RunDir, uid, pinned)
			}
		}
		for _, ns := range []string{"mnt", "pid"} {
			a, b := nsLink(web, ns), nsLink(sync, ns)
			if a == "" || a == b {
				t.Errorf("%s namespace: web %q, sync %q: want each its own", ns, a, b)
			}
		}
	})

	t.Run("hostname", func(t *testing.T) {
		for _, ctr := range []string{"web", "sync"} {
			if got := strings.TrimSpace(d.MustCtl("exec", "web-sync", "-c", ctr, "--", "hostname")); got != "web-sync" {
				t.Errorf("hostname in %s: %q, want web-sync", ctr, got)
			}
		}
	})

	t.Run("served over the pod IP", func(t *testing.T) {
		if pod.Status.PodIP == "" {
			t.Fatal("status.podIP is empty")
		}
		url := "http://" + pod.Status.PodIP + ":8080/"
		var lines []string
		eventually(t, 5*time.Second, "GET "+url+" from podd's network namespace shows two dates", func() error {
			body, err := httpGet(d.HolderPID(), url)
			if err != nil {
				return err
			}
			if lines, err = dateLines(body); err != nil {
				return err
			}
			if len(lines) < 2 {
				return fmt.Errorf("%d date lines: %q", len(lines), body)
			}
			return nil
		})
		file := d.MustCtl("exec", "web-sync", "-c", "web", "--", "cat", "/html/index.html")
		if !strings.HasPrefix(file, strings.Join(lines, "\n")+"\n") {
			t.Errorf("served %q, but /html/index.html in web is %q", lines, file)
		}
	})

	t.Run("served over localhost in the pod", func(t *testing.T) {
		out := d.MustCtl("exec", "web-sync", "-c", "sync", "--", "wget", "-qO-", "http://localhost:8080/index.html")
		if lines, err := dateLines(out); err != nil || len(lines) == 0 {
			t.Errorf("wget from sync: %q (%v)", out, err)
		}
	})

	t.Run("volume is read-only in web", func(t *testing.T) {
		r := d.Ctl("exec", "web-sync", "-c", "web", "--", "sh", "-c", "echo intruder >> /html/index.html")
		if r.Code == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
			t.Errorf("writing /html in web: want a read-only error, got %s", r)
		}
		if out := d.MustCtl("exec", "web-sync", "-c", "web", "--", "cat", "/html/index.html"); strings.Contains(out, "intruder") {
			t.Errorf("web wrote to its read-only volume: %q", out)
		}
	})

	t.Run("exec exit code", func(t *testing.T) {
		r := d.Ctl("exec", "web-sync", "-c", "sync", "--", "sh", "-c", "exit 3")
		if r.Code != 3 {
			t.Errorf("exec sh -c 'exit 3': %s", r)
		}
		if !strings.Contains(r.Stderr, "command terminated with exit code 3") {
			t.Errorf("exec sh -c 'exit 3': stderr %q", r.Stderr)
		}
	})
}

func containsField(s, f string) bool {
	for _, x := range strings.Fields(s) {
		if x == f {
			return true
		}
	}
	return false
}

// nsInode is the inode of a "net:[4026532...]" link.
func nsInode(link string) string {
	if i := strings.IndexByte(link, '['); i >= 0 {
		return strings.TrimSuffix(link[i+1:], "]")
	}
	return ""
}

// pinInode is the inode of the namespace pinned at RUN/ns/UID/NS (a mount in podd's pins
// namespace).
func pinInode(d *Podd, uid, ns string) string {
	var fi os.FileInfo
	err := d.inPinsNS(func() error {
		var err error
		fi, err = os.Stat(filepath.Join(d.RunDir, "ns", uid, ns))
		return err
	})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(statIno(fi))
}

// TestDeleteLeavesNothing deletes the canonical pod and looks for any trace of it.
func TestDeleteLeavesNothing(t *testing.T) {
	d := StartPodd(t)
	pod := applyWebSync(t, d)
	// What must go: check it is there first, so the checks below can fail.
	uid := string(pod.UID)
	for _, path := range []string{
		filepath.Join(d.Cgroup, "pods", uid), filepath.Join(d.Root, "pods", uid),
		filepath.Join(d.Root, "ipam", pod.Status.PodIP), d.inPoddMountNS(filepath.Join(d.RunDir, "ns", uid, "net")),
		filepath.Join(d.LogDir, "default_web-sync_"+uid),
	} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("running pod: %v", err)
		}
	}
	if m := d.pinMountsMatching(uid); len(m) == 0 {
		t.Errorf("running pod: no mount of it in podd's pins namespace (pins expected)")
	}
	if ls, err := links(d.HolderPID()); err != nil || ls["vp"+uid[:8]] != "veth" {
		t.Errorf("running pod: no veth vp%s in podd's network namespace: %v %v", uid[:8], ls, err)
	}

	start := time.Now()
	out := d.MustCtl("delete", "pod", "web-sync")
	took := time.Since(start)
	if strings.TrimSpace(out) != `pod "web-sync" deleted` {
		t.Errorf("podctl delete: %q", out)
	}
	if took > 5*time.Second {
		t.Errorf("delete took %v: httpd and sh do not handle SIGTERM, they should be killed at once", took)
	}
	d.AssertPodGone(pod)
	d.AssertNoPods()
}

// TestStateOnDisk checks the pod record: ROOT/pods/UID/pod.json is the v1.Pod with its status.
func TestStateOnDisk(t *testing.T) {
	d := StartPodd(t)
	d.Apply(`apiVersion: v1
kind: Pod
metadata:
  name: recorded
  labels: {app: recorded}
spec:
  containers:
  - name: app
    image: ` + testImage + `
    command: [testapp, sleep, "3600"]
`)
	pod := d.MustGetPod("recorded")
	file := filepath.Join(d.Root, "pods", string(pod.UID), "pod.json")
	var onDisk corev1.Pod
	eventually(t, 5*time.Second, file+" records the running pod", func() error {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		onDisk = corev1.Pod{}
		if err := json.Unmarshal(b, &onDisk); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if onDisk.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %q", onDisk.Status.Phase)
		}
		return nil
	})
	if onDisk.Name != "recorded" || onDisk.Namespace != "default" || onDisk.UID != pod.UID {
		t.Errorf("pod.json: name %q namespace %q uid %q, want recorded, default, %s", onDisk.Name, onDisk.Namespace, onDisk.UID, pod.UID)
	}
	if onDisk.Labels["app"] != "recorded" || len(onDisk.Spec.Containers) != 1 || onDisk.Spec.Containers[0].Name != "app" {
		t.Errorf("pod.json: labels %v containers %v", onDisk.Labels, onDisk.Spec.Containers)
	}
	if onDisk.Status.PodIP != pod.Status.PodIP || onDisk.Status.PodIP == "" {
		t.Errorf("pod.json: podIP %q, API says %q", onDisk.Status.PodIP, pod.Status.PodIP)
	}
	for _, name := range dirEntries(filepath.Dir(file)) {
		if strings.HasPrefix(name, ".pod-") {
			t.Errorf("temporary record %s left next to pod.json", name)
		}
	}
	d.MustCtl("delete", "pod", "recorded")
	d.AssertPodGone(pod)
}
