package host

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

const hostNetPod = `apiVersion: v1
kind: Pod
metadata: {name: hn}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 0
  hostAliases:
  - ip: 10.9.8.7
    hostnames: [db.local]
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
`

// TestHostNetworkPod: a hostNetwork pod is in podd's network namespace (the node's), sees its
// interfaces, has no veth and no address of the pod network, the node's address as podIP, the
// node's hostname, and the node's /etc/hosts with kubelet's header and the aliases.
func TestHostNetworkPod(t *testing.T) {
	d := StartPodd(t)
	d.Apply(steadyPod) // a pod-network pod first: podd0 and a veth exist in podd's namespace
	d.Apply(hostNetPod)
	pod := d.WaitPod("hn", 30*time.Second, "running", func(p *corev1.Pod) error { return podRunning(p) })
	for name, pid := range containerPIDs(t, pod) {
		if got, want := nsLink(pid, "net"), nsLink(d.PID(), "net"); got != want {
			t.Errorf("container %s is in network namespace %s, podd in %s", name, got, want)
		}
	}
	var want []string
	var addrs []string
	if err := inNetNS(d.PID(), func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			want = append(want, i.Name)
			as, _ := i.Addrs()
			for _, a := range as {
				addrs = append(addrs, strings.Split(a.String(), "/")[0])
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(d.MustCtl("exec", "hn", "--", "ls", "/sys/class/net"))
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || !slices.Contains(got, "podd0") {
		t.Errorf("interfaces seen by the pod: %v; podd's namespace has %v", got, want)
	}
	if pod.Status.PodIP == "" || !slices.Contains(addrs, pod.Status.PodIP) {
		t.Errorf("podIP %q is not an address of the node (%v)", pod.Status.PodIP, addrs)
	}
	leases, _ := os.ReadDir(filepath.Join(d.Root, "ipam"))
	for _, l := range leases {
		owner, _ := os.ReadFile(filepath.Join(d.Root, "ipam", l.Name()))
		if strings.TrimSpace(string(owner)) == string(pod.UID) {
			t.Errorf("the hostNetwork pod holds an address lease: %s", l.Name())
		}
	}
	host, _ := os.Hostname()
	if got := strings.TrimSpace(d.MustCtl("exec", "hn", "--", "hostname")); got != host {
		t.Errorf("hostname %q, want the node's %q", got, host)
	}
	node, err := os.ReadFile("/etc/hosts") // podd's mount namespace is a copy of the test's
	if err != nil {
		t.Fatal(err)
	}
	wantHosts := "# Kubernetes-managed hosts file (host network).\n" + string(node) + "\n# Entries added by HostAliases.\n10.9.8.7\tdb.local\n"
	if got := d.MustCtl("exec", "hn", "--", "cat", "/etc/hosts"); got != wantHosts {
		t.Errorf("/etc/hosts:\n%s\nwant\n%s", got, wantHosts)
	}
	d.MustCtl("delete", "pod", "hn")
	if err := inNetNS(d.PID(), func() error {
		_, err := net.InterfaceByName("podd0")
		return err
	}); err != nil {
		t.Errorf("after deleting the hostNetwork pod, podd's namespace lost podd0: %v", err)
	}
}

const dnsPod = `apiVersion: v1
kind: Pod
metadata: {name: dns}
spec:
  hostname: web-0
  subdomain: nginx
  terminationGracePeriodSeconds: 0
  hostAliases:
  - ip: 127.0.0.1
    hostnames: [foo.local, bar.local]
  - ip: 10.1.2.3
    hostnames: [foo.remote]
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.1]
    searches: [ns1.svc.cluster-domain.example, my.dns.search.suffix]
    options:
    - {name: ndots, value: "2"}
    - {name: edns0}
  containers:
  - name: app
    image: ` + testImage + `
    command: [/bin/sleep, "3600"]
`

// TestDNSConfigAndHostAliases reads the pod's /etc/resolv.conf, /etc/hosts and /etc/hostname
// with podctl exec (the pods of the Kubernetes docs' dnsConfig and hostAliases pages).
func TestDNSConfigAndHostAliases(t *testing.T) {
	d := StartPodd(t)
	d.Apply(dnsPod)
	pod := d.WaitPod("dns", 30*time.Second, "running", func(p *corev1.Pod) error { return podRunning(p) })
	wantResolv := "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 192.0.2.1\noptions ndots:2 edns0\n"
	if got := d.MustCtl("exec", "dns", "--", "cat", "/etc/resolv.conf"); got != wantResolv {
		t.Errorf("/etc/resolv.conf:\n%s\nwant\n%s", got, wantResolv)
	}
	wantHosts := fmt.Sprintf(`# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
%s	web-0.nginx.default.svc.cluster.local	web-0

# Entries added by HostAliases.
127.0.0.1	foo.local
127.0.0.1	bar.local
10.1.2.3	foo.remote
`, pod.Status.PodIP)
	if got := d.MustCtl("exec", "dns", "--", "cat", "/etc/hosts"); got != wantHosts {
		t.Errorf("/etc/hosts:\n%s\nwant\n%s", got, wantHosts)
	}
	if got := d.MustCtl("exec", "dns", "--", "hostname"); got != "web-0\n" {
		t.Errorf("hostname %q", got)
	}
}
