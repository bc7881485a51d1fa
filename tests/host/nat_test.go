package host

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
)

// hostPortPod serves HTTP on 8080 with hostPort 18080 (on every node address).
func hostPortPod(name string) string {
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  containers:
  - name: web
    image: ` + testImage + `
    command: [testapp, serve, "8080"]
    ports: [{containerPort: 8080, hostPort: 18080}]
`
}

// outsideNS makes the world beyond the node for podd's network namespace: a namespace of its
// own (a sleeping process holds it) joined by a veth, "up0" 192.0.2.1/24 on podd's side and
// 192.0.2.2/24 on the outside; it returns the holder's pid. Nothing leaves the test's namespaces.
func outsideNS(t *testing.T, d *Podd) int {
	t.Helper()
	cmd := exec.Command("unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep infinity")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	self, _ := os.Readlink("/proc/self/ns/net")
	eventually(t, 5*time.Second, "outside namespace ready", func() error {
		if ns := nsLink(pid, "net"); ns == self || ns == "" {
			return fmt.Errorf("still in %q", ns)
		}
		return nil
	})
	err := inNetNS(d.HolderPID(), func() error {
		veth := &netlink.Veth{LinkAttrs: netlink.NewLinkAttrs(), PeerName: "eth0", PeerNamespace: netlink.NsPid(pid)}
		veth.Name = "up0"
		if err := netlink.LinkAdd(veth); err != nil {
			return err
		}
		return addrUp(veth, "192.0.2.1/24")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = inNetNS(pid, func() error {
		l, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		return addrUp(l, "192.0.2.2/24")
	})
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func addrUp(l netlink.Link, cidr string) error {
	a, err := netlink.ParseAddr(cidr)
	if err != nil {
		return err
	}
	if err := netlink.AddrAdd(l, a); err != nil {
		return err
	}
	return netlink.LinkSetUp(l)
}

// serveRemoteAddr serves HTTP on addr in the network namespace of pid, answering each request
// with the address it came from.
func serveRemoteAddr(t *testing.T, pid int, addr string) {
	t.Helper()
	var ln net.Listener
	if err := inNetNS(pid, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.RemoteAddr)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// natTable lists podd's nftables table in its network namespace (through netlink), "" when
// there is none.
func (d *Podd) natTable() (string, error) {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", d.HolderPID()))
	if err != nil {
		return "", err
	}
	defer ns.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		return "", err
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return "", err
	}
	for _, tb := range tables {
		if tb.Name == "podd" {
			out, _ := exec.Command("nsenter", "-t", strconv.Itoa(d.HolderPID()), "-n", "nft", "list", "table", "inet", "podd").CombinedOutput()
			return "table inet podd:\n" + string(out), nil
		}
	}
	return "", nil
}

// assertNoNATTable checks that podd's nftables table is gone (no pod left): it lingers a
// second after the last pod, for the next one.
func (d *Podd) assertNoNATTable() {
	d.t.Helper()
	var table string
	err := poll(10*time.Second, func() (err error) {
		if table, err = d.natTable(); err == nil && table != "" {
			err = errors.New("table still there")
		}
		return err
	})
	if err != nil {
		d.t.Errorf("nftables: %v %s", err, table)
	}
}

// TestEgressAndHostPort: a pod reaches an address beyond the node and the server there sees the
// node's address; its hostPort answers on 127.0.0.1 and the node's address, from the node and
// from outside; a second pod asking for the same hostPort is refused naming it and the pod
// holding it, and leaves nothing; the delete leaves no nftables table.
func TestEgressAndHostPort(t *testing.T) {
	d := StartPodd(t, "--uplink=up0")
	out := outsideNS(t, d)
	serveRemoteAddr(t, out, "192.0.2.2:80")
	d.Apply(hostPortPod("web"))
	d.WaitPod("web", 10*time.Second, "running", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})

	got := d.MustCtl("exec", "web", "--", "testapp", "get", "http://192.0.2.2:80/")
	if !strings.HasPrefix(strings.TrimSpace(got), "192.0.2.1:") {
		t.Errorf("the outside server saw the pod's connection come from %q, want the node's 192.0.2.1", got)
	}
	for _, c := range []struct {
		pid  int
		from string
		url  string
	}{
		{d.HolderPID(), "the node", "http://127.0.0.1:18080/"},
		{d.HolderPID(), "the node", "http://192.0.2.1:18080/"},
		{out, "outside", "http://192.0.2.1:18080/"},
	} {
		var body string
		err := poll(5*time.Second, func() (err error) { body, err = httpGet(c.pid, c.url); return err })
		if err != nil || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET %s from %s: %q, %v", c.url, c.from, body, err)
		}
	}
	if got := d.MustCtl("exec", "web", "--", "testapp", "get", "http://192.0.2.1:18080/"); strings.TrimSpace(got) != "ok" {
		t.Errorf("the pod's own hostPort through the node's address (hairpin): %q", got)
	}

	r := d.CtlStdin(hostPortPod("web2"), "apply", "-f", "-")
	if r.Code == 0 || !strings.Contains(r.Stderr, "18080/TCP") || !strings.Contains(r.Stderr, "default/web") {
		t.Errorf("a second pod with the same hostPort: want a refusal naming 18080/TCP and default/web, got %s", r)
	}
	t.Logf("refusal: %s", strings.TrimSpace(r.Stderr))
	if r := d.Ctl("get", "pod", "web2"); r.Code == 0 {
		t.Errorf("the refused pod exists: %s", r)
	}

	d.MustCtl("delete", "pod", "web")
	d.assertNoNATTable()
	if err := inNetNS(d.HolderPID(), func() error { return netlink.LinkDel(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "up0"}}) }); err != nil {
		t.Fatal(err)
	}
	d.AssertNoPods()
}

// TestHostPortAfterCrash: podd killed while a pod holds a hostPort: the next podd restores the
// port from its records (it answers, it is still refused to another pod), and the delete leaves
// no nftables table.
func TestHostPortAfterCrash(t *testing.T) {
	d := StartPodd(t)
	d.Apply(hostPortPod("web"))
	check := func(when string) {
		var body string
		err := poll(5*time.Second, func() (err error) { body, err = httpGet(d.HolderPID(), "http://127.0.0.1:18080/"); return err })
		if err != nil || strings.TrimSpace(body) != "ok" {
			t.Errorf("%s: GET 127.0.0.1:18080: %q, %v", when, body, err)
		}
	}
	check("before the crash")
	d.Kill()
	d.Start()
	check("after the crash")
	if r := d.CtlStdin(hostPortPod("web2"), "apply", "-f", "-"); r.Code == 0 || !strings.Contains(r.Stderr, "default/web") {
		t.Errorf("after the restart, a second pod with the same hostPort: %s", r)
	}
	d.MustCtl("delete", "pod", "web")
	d.AssertNoPods()
	d.assertNoNATTable()
}

// cleanupCmd runs `podd --cleanup --root root` in podd's namespaces.
func (d *Podd) cleanupCmd(root string) (string, error) {
	out, err := exec.Command("nsenter", "-t", strconv.Itoa(d.HolderPID()), "-n", "-m", "--",
		d.Bin, "--cleanup", "--root", root).CombinedOutput()
	return string(out), err
}

// TestCleanupFlag: `podd --cleanup` is refused while a podd runs on its --root; otherwise it
// deletes the table, and the next podd makes it again from its records.
func TestCleanupFlag(t *testing.T) {
	d := StartPodd(t)
	d.Apply(hostPortPod("web"))
	if out, err := d.cleanupCmd(d.Root); err == nil || !strings.Contains(out, "a podd is running") {
		t.Errorf("--cleanup while podd runs: %v %q", err, out)
	}
	if out, err := d.cleanupCmd(t.TempDir()); err != nil || !strings.Contains(out, "removed nftables table inet podd") {
		t.Errorf("--cleanup: %v %q", err, out)
	}
	if table, _ := d.natTable(); table != "" {
		t.Errorf("table left after --cleanup: %s", table)
	}
	d.Kill()
	d.Start()
	var body string
	err := poll(5*time.Second, func() (err error) { body, err = httpGet(d.HolderPID(), "http://127.0.0.1:18080/"); return err })
	if err != nil || strings.TrimSpace(body) != "ok" {
		t.Errorf("hostPort after the restart: %q, %v", body, err)
	}
	d.MustCtl("delete", "pod", "web")
	d.AssertNoPods()
	d.assertNoNATTable()
	if out, err := d.cleanupCmd(t.TempDir()); err != nil || !strings.Contains(out, "no nftables table inet podd") {
		t.Errorf("--cleanup with nothing to remove: %v %q", err, out)
	}
}

// TestHostPortBadInput: a hostPort podd cannot publish is a 422 naming the field, and leaves
// nothing.
func TestHostPortBadInput(t *testing.T) {
	d := StartPodd(t)
	for field, port := range map[string]string{
		"spec.containers[0].ports[0].hostIP":   "{containerPort: 8080, hostPort: 18080, hostIP: fd00::1}",
		"spec.containers[0].ports[0].protocol": "{containerPort: 8080, hostPort: 18080, protocol: SCTP}",
	} {
		r := d.CtlStdin(strings.Replace(hostPortPod("bad"), "{containerPort: 8080, hostPort: 18080}", port, 1), "apply", "-f", "-")
		if r.Code == 0 || !strings.Contains(r.Stderr, "Invalid") || !strings.Contains(r.Stderr, field) {
			t.Errorf("%s: want a 422 naming %s, got %s", port, field, r)
		}
	}
	d.AssertNoPods()
}
