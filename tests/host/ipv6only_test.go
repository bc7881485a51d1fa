package host

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestIPv6Only: with --pod-cidr given one IPv6 range alone, a pod gets that family's address
// only (podIP and podIPs), leaves the node over IPv6 masqueraded to the node's address (NAT66),
// answers its hostPort on the node's IPv6 address from the node and from outside, and leaves no
// lease and no nftables table once deleted.
func TestIPv6Only(t *testing.T) {
	d := StartPodd(t, "--uplink=up0", "--pod-cidr="+dualPodCIDR6)
	out := outsideNS(t, d)
	outsideNS6(t, d, out)
	serveRemoteAddr(t, out, "["+outside6+"]:80")
	d.Apply(dualPod(t, "web", "[{containerPort: 8080, hostPort: 18080}]"))
	_, sub6, _ := net.ParseCIDR(dualPodCIDR6)
	p := d.WaitPod("web", 20*time.Second, "running with one IPv6 address", func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		if ips := p.Status.PodIPs; len(ips) != 1 || ips[0].IP != p.Status.PodIP || !sub6.Contains(net.ParseIP(p.Status.PodIP)) {
			return fmt.Errorf("podIP %s, podIPs %v: want one address of %s", p.Status.PodIP, ips, dualPodCIDR6)
		}
		return nil
	})
	var got string
	err := poll(10*time.Second, func() error {
		r := d.Ctl("exec", "web", "--", "/dualbin/testapp", "get", "http://["+outside6+"]:80/")
		got = strings.TrimSpace(r.Stdout)
		if r.Code != 0 {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	if err != nil || !strings.HasPrefix(got, "["+node6+"]:") {
		t.Errorf("the outside server saw the pod's connection come from %q (%v), want the node's %s", got, err, node6)
	}
	for _, c := range []struct {
		pid  int
		from string
	}{{d.HolderPID(), "the node"}, {out, "outside"}} {
		var body string
		err := poll(10*time.Second, func() (err error) { body, err = httpGet(c.pid, "http://["+node6+"]:18080/"); return err })
		if err != nil || strings.TrimSpace(body) != "ok" {
			t.Errorf("GET [%s]:18080 from %s: %q, %v", node6, c.from, body, err)
		}
	}
	if hosts := d.MustCtl("exec", "web", "--", "cat", "/etc/hosts"); !strings.Contains(hosts, p.Status.PodIP+"\tweb\n") {
		t.Errorf("/etc/hosts does not name %s:\n%s", p.Status.PodIP, hosts)
	}
	d.MustCtl("delete", "pod", "web")
	d.assertNoNATTable()
	if left := dirEntries(filepath.Join(d.Root, "ipam")); len(left) > 0 {
		t.Errorf("leases left after the delete: %v", left)
	}
}
