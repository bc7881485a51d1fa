package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// The dual-stack network of these tests: pods in 10.77.0.0/16 and fd77::/64, podd's side of the
// outside link fd00:192::1/64, the outside fd00:192::2/64.
const (
	dualPodCIDR6 = "fd77::/64"
	node6        = "fd00:192::1"
	outside6     = "fd00:192::2"
)

var (
	dualAppOnce sync.Once
	dualApp     string // testapp built from this tree (its server listens on both families)
	dualAppErr  error
)

// dualTestapp builds testapp from this tree into a directory pods mount by hostPath, so the
// test does not depend on the installed image having an IPv6-listening testapp.
func dualTestapp(t *testing.T) string {
	t.Helper()
	dualAppOnce.Do(func() {
		var dir string
		if dir, dualAppErr = os.MkdirTemp("", "podd-dualstack-"); dualAppErr == nil {
			dualApp, dualAppErr = binary("", "./tests/testapp", filepath.Join(dir, "testapp"))
		}
	})
	if dualAppErr != nil {
		t.Fatal(dualAppErr)
	}
	return filepath.Dir(dualApp)
}

// dualPod serves HTTP on 8080 (both families), with ports (a YAML list) when given.
func dualPod(t *testing.T, name, ports string) string {
	if ports != "" {
		ports = "\n    ports: " + ports
	}
	return `apiVersion: v1
kind: Pod
metadata: {name: ` + name + `}
spec:
  volumes: [{name: bin, hostPath: {path: ` + dualTestapp(t) + `}}]
  containers:
  - name: web
    image: ` + testImage + `
    command: [/dualbin/testapp, serve, "8080"]
    volumeMounts: [{name: bin, mountPath: /dualbin, readOnly: true}]` + ports + "\n"
}

// outsideNS6 gives the outside link of outsideNS IPv6 addresses, without duplicate address
// detection (the test owns both ends).
func outsideNS6(t *testing.T, d *Podd, out int) {
	t.Helper()
	add := func(pid int, ifname, addr string) {
		err := inNetNS(pid, func() error {
			l, err := netlink.LinkByName(ifname)
			if err != nil {
				return err
			}
			a, _ := netlink.ParseAddr(addr + "/64")
			a.Flags = unix.IFA_F_NODAD
			return netlink.AddrAdd(l, a)
		})
		if err != nil {
			t.Fatalf("add %s to %s: %v", addr, ifname, err)
		}
	}
	add(d.HolderPID(), "up0", node6)
	add(out, "eth0", outside6)
}

// dualIPs checks a running pod's status: podIP its IPv4 address, podIPs that and an IPv6 one of
// the pod subnet; it returns the IPv6 one.
func dualIPs(p *corev1.Pod) (string, error) {
	if p.Status.Phase != corev1.PodRunning {
		return "", fmt.Errorf("phase %s", p.Status.Phase)
	}
	_, sub6, _ := net.ParseCIDR(dualPodCIDR6)
	ips := p.Status.PodIPs
	if len(ips) != 2 || ips[0].IP != p.Status.PodIP || net.ParseIP(ips[0].IP).To4() == nil ||
		!sub6.Contains(net.ParseIP(ips[1].IP)) {
		return "", fmt.Errorf("podIP %s, podIPs %v: want the IPv4 address, then one of %s", p.Status.PodIP, ips, dualPodCIDR6)
	}
	return ips[1].IP, nil
}

// TestDualStack: with --pod-cidr given for both families, pods get an address of each (podIPs,
// IPv4 first as given), reach each other over IPv6, leave the node over IPv6 masqueraded to its
// address (NAT66), answer their hostPort on the node's IPv6 addresses (from the node, from
// outside, from the pod itself), keep both addresses across a podd restart, and leave no lease
// and no nftables table once deleted.
func TestDualStack(t *testing.T) {
	d := StartPodd(t, "--uplink=up0", "--pod-cidr=10.77.0.0/16", "--pod-cidr="+dualPodCIDR6)
	out := outsideNS(t, d)
	outsideNS6(t, d, out)
	serveRemoteAddr(t, out, "["+outside6+"]:80")
	d.Apply(dualPod(t, "web", "[{containerPort: 8080, hostPort: 18080}]"))
	d.Apply(dualPod(t, "peer", "[{containerPort: 8080, hostPort: 18081, hostIP: '"+node6+"'}]"))
	var web6 string
	d.WaitPod("web", 20*time.Second, "running with two addresses", func(p *corev1.Pod) (err error) {
		web6, err = dualIPs(p)
		return err
	})
	d.WaitPod("peer", 20*time.Second, "running with two addresses", func(p *corev1.Pod) error { _, err := dualIPs(p); return err })

	get := func(from, url string) string {
		t.Helper()
		var out string
		err := poll(10*time.Second, func() error {
			r := d.Ctl("exec", from, "--", "/dualbin/testapp", "get", url)
			if r.Code != 0 {
				return fmt.Errorf("%s", r)
			}
			out = strings.TrimSpace(r.Stdout)
			return nil
		})
		if err != nil {
			t.Errorf("GET %s from pod %s: %v", url, from, err)
		}
		return out
	}
	if got := get("peer", "http://["+web6+"]:8080/"); got != "ok" {
		t.Errorf("pod to pod over IPv6: %q", got)
	}
	if got := get("web", "http://["+outside6+"]:80/"); !strings.HasPrefix(got, "["+node6+"]:") {
		t.Errorf("the outside server saw the pod's IPv6 connection come from %q, want the node's %s", got, node6)
	}
	checkHostPort6(t, d, out)
	// peer's hostPort is on the node's IPv6 address only.
	if body, err := httpGet(out, "http://["+node6+"]:18081/"); err != nil || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET [%s]:18081 (hostIP %s) from outside: %q, %v", node6, node6, body, err)
	}
	if body, err := httpGet(out, "http://192.0.2.1:18081/"); err == nil {
		t.Errorf("hostPort 18081 on hostIP %s answers on 192.0.2.1 too: %q", node6, body)
	}
	if got := get("web", "http://["+node6+"]:18080/"); got != "ok" {
		t.Errorf("the pod's own hostPort through the node's IPv6 address (hairpin): %q", got)
	}
	if els, err := d.natMap("hostports6-any"); err != nil || len(els) != 1 || !net.IP(els[0].Val[:16]).Equal(net.ParseIP(web6)) {
		t.Errorf("the IPv6 hostPort map: %v, %v; want one element to %s", els, err, web6)
	}
	checkListings(t, d, "web")
	web := d.MustGetPod("web")
	if hosts := d.MustCtl("exec", "web", "--", "cat", "/etc/hosts"); !strings.Contains(hosts, web.Status.PodIP+"\tweb\n") ||
		!strings.Contains(hosts, web6+"\tweb\n") {
		t.Errorf("/etc/hosts does not name both addresses:\n%s", hosts)
	}

	// A pod whose start fails after its addresses were leased gives both back.
	r := d.CtlStdin(`apiVersion: v1
kind: Pod
metadata: {name: fails}
spec:
  volumes: [{name: m, emptyDir: {}}]
  containers:
  - name: app
    image: `+testImage+`
    command: [testapp, sleep, "60"]
    volumeMounts: [{name: m, mountPath: /etc/passwd/x}]
`, "apply", "-f", "-")
	if r.Code == 0 {
		t.Errorf("a pod mounting below a file started: %s", r)
	}
	if leases := dirEntries(filepath.Join(d.Root, "ipam")); len(leases) != 4 {
		t.Errorf("leases after a failed start: %v, want web's and peer's two each", leases)
	}

	// podd restarts: the pods keep their addresses; an IPv6 lease of a pod podd does not know
	// (a crash between lease and record) is freed.
	before := d.MustGetPod("web").Status.PodIPs
	d.Kill()
	orphan := filepath.Join(d.Root, "ipam", "fd77::99")
	if err := os.WriteFile(orphan, []byte("0badc0de-1111-4000-8000-000000000000"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Start()
	after := d.WaitPod("web", 20*time.Second, "recovered", func(p *corev1.Pod) error { _, err := dualIPs(p); return err })
	if fmt.Sprint(after.Status.PodIPs) != fmt.Sprint(before) {
		t.Errorf("podIPs after a restart %v, before %v", after.Status.PodIPs, before)
	}
	checkHostPort6(t, d, out)
	if _, err := os.Stat(orphan); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan IPv6 lease still held after the restart (%v)", err)
	}

	d.MustCtl("delete", "pod", "web", "peer")
	d.assertNoNATTable()
	if left := dirEntries(filepath.Join(d.Root, "ipam")); len(left) > 0 {
		t.Errorf("leases left after the delete: %v", left)
	}
	if err := inNetNS(d.HolderPID(), func() error { return netlink.LinkDel(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "up0"}}) }); err != nil {
		t.Fatal(err)
	}
	d.AssertNoPods()
}

// checkHostPort6 gets the hostPort through the node's IPv6 addresses, from the node and from
// outside; [::1]:HOSTPORT is refused at once (IPv6 has no route_localnet: podd leaves ::1 alone
// rather than DNAT connections whose replies the kernel would drop).
func checkHostPort6(t *testing.T, d *Podd, out int) {
	t.Helper()
	for _, c := range []struct {
		pid       int
		from, url string
	}{
		{d.HolderPID(), "the node", "http://[" + node6 + "]:18080/"},
		{d.HolderPID(), "the node", "http://127.0.0.1:18080/"},
		{out, "outside", "http://192.0.2.1:18080/"},
		{out, "outside", "http://[" + node6 + "]:18080/"},
	} {
		var body string
		err := poll(10*time.Second, func() (err error) { body, err = httpGet(c.pid, c.url); return err })
		if err != nil || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET %s from %s: %q, %v", c.url, c.from, body, err)
		}
	}
	err := inNetNS(d.HolderPID(), func() error {
		c, err := net.DialTimeout("tcp", "[::1]:18080", 10*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("connect to [::1]:18080 on the node: %v, want connection refused", err)
	}
}

// natMap lists the elements of a map of podd's nftables table.
func (d *Podd) natMap(name string) ([]nftables.SetElement, error) {
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", d.HolderPID()))
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		return nil, err
	}
	set, err := c.GetSetByName(&nftables.Table{Name: "podd", Family: nftables.TableFamilyINet}, name)
	if err != nil {
		return nil, err
	}
	return c.GetSetElements(set)
}

// checkListings: podctl get -o json shows both addresses, -o wide the podIP (kubectl's column is
// podIPs[0]), describe both.
func checkListings(t *testing.T, d *Podd, name string) {
	t.Helper()
	p := d.MustGetPod(name)
	var raw struct {
		Status struct {
			PodIPs []map[string]string `json:"podIPs"`
		} `json:"status"`
	}
	if err := json.Unmarshal([]byte(d.MustCtl("get", "pod", name, "-o", "json")), &raw); err != nil || len(raw.Status.PodIPs) != 2 {
		t.Errorf("get -o json: podIPs %v, %v", raw.Status.PodIPs, err)
	}
	if wide := d.MustCtl("get", "pod", name, "-o", "wide"); !strings.Contains(wide, " "+p.Status.PodIP+" ") {
		t.Errorf("get -o wide does not show %s:\n%s", p.Status.PodIP, wide)
	}
	desc := d.MustCtl("describe", "pod", name)
	for _, ip := range p.Status.PodIPs {
		if !strings.Contains(desc, ip.IP) {
			t.Errorf("describe does not show %s:\n%s", ip.IP, desc)
		}
	}
}
