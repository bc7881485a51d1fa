package netsetup

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podd/podd/internal/testutil"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

const testOwner = "1a2b3c4d-5e6f-4a00-8b00-000000000001"

// Owners of the other tests, so a veth still being destroyed never clashes.
const (
	tcpOwner     = "2b3c4d5e-0000-4000-8000-000000000002"
	releaseOwner = "3c4d5e6f-0000-4000-8000-000000000003"
	removeOwner  = "4d5e6f70-0000-4000-8000-000000000004"
)

// newNetwork sets up bridge "podd0" with 10.77.0.0/16 in the test's private netns.
func newNetwork(t testing.TB) *Network {
	t.Helper()
	_, subnet, _ := net.ParseCIDR("10.77.0.0/16")
	n := &Network{Bridge: "podd0", Subnet: subnet, IPAMDir: filepath.Join(t.TempDir(), "ipam")}
	if err := n.Setup(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Settle first: a table lingering after the last release would be deleted by this
		// network's timer in the middle of the next test, which makes its own (the tests share
		// one network namespace).
		if err := errors.Join(n.Settle(), n.Teardown()); err != nil {
			t.Error(err)
		}
	})
	return n
}

func TestSetupIdempotent(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	if err := n.Setup(); err != nil {
		t.Fatalf("second Setup: %v", err)
	}
	br, err := netlink.LinkByName("podd0")
	if err != nil {
		t.Fatal(err)
	}
	if br.Type() != "bridge" || br.Attrs().RawFlags&unix.IFF_UP == 0 {
		t.Fatalf("podd0: type %s, flags %v", br.Type(), br.Attrs().Flags)
	}
	addrs, err := netlink.AddrList(br, netlink.FAMILY_V4)
	if err != nil || len(addrs) != 1 || addrs[0].IPNet.String() != "10.77.0.1/16" {
		t.Fatalf("bridge addresses %v, %v; want 10.77.0.1/16", addrs, err)
	}
	if err := n.Teardown(); err != nil {
		t.Fatal(err)
	}
	if _, err := netlink.LinkByName("podd0"); !isNotFound(err) {
		t.Fatalf("bridge after Teardown: %v", err)
	}
	if err := n.Teardown(); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
}

// podIfView is what the pod sees of eth0.
type podIfView struct {
	up      bool
	addrs   []string
	gateway net.IP
}

func lookAtEth0() (podIfView, error) {
	var v podIfView
	link, err := netlink.LinkByName("eth0")
	if err != nil {
		return v, err
	}
	v.up = link.Attrs().RawFlags&unix.IFF_UP != 0
	addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return v, err
	}
	for _, a := range addrs {
		v.addrs = append(v.addrs, a.IPNet.String())
	}
	routes, err := netlink.RouteList(link, netlink.FAMILY_V4)
	for _, r := range routes {
		if r.Dst == nil || r.Dst.String() == "0.0.0.0/0" {
			v.gateway = r.Gw
		}
	}
	return v, err
}

func TestAttach(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	pod := newPodNS(t, "web-0")
	ips, err := n.Attach(pod, testOwner)
	if err != nil {
		t.Fatal(err)
	}
	ip := ips[0]
	if ip.String() != "10.77.0.2" {
		t.Fatalf("Attach = %s, want 10.77.0.2", ip)
	}
	if got, ok := n.Lookup(testOwner); !ok || !got.Equal(ip) {
		t.Fatalf("Lookup = %s, %v", got, ok)
	}

	var v podIfView
	if err := pod.Do(func() (err error) { v, err = lookAtEth0(); return err }); err != nil {
		t.Fatal(err)
	}
	if !v.up || len(v.addrs) != 1 || v.addrs[0] != "10.77.0.2/16" || !v.gateway.Equal(net.ParseIP("10.77.0.1")) {
		t.Fatalf("eth0 in the pod: %+v", v)
	}
	host, err := netlink.LinkByName("vp1a2b3c4d")
	if err != nil {
		t.Fatal(err)
	}
	br, _ := netlink.LinkByName("podd0")
	if host.Attrs().MasterIndex != br.Attrs().Index || host.Attrs().RawFlags&unix.IFF_UP == 0 {
		t.Fatalf("host veth: master %d (bridge %d), flags %v", host.Attrs().MasterIndex, br.Attrs().Index, host.Attrs().Flags)
	}

	// A second pod with a clashing veth name: the error names the veth, nothing is leaked.
	other := newPodNS(t, "web-1")
	_, err = n.Attach(other, "1a2b3c4d-ffff")
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("Attach with a clashing veth name: %v", err)
	}
	t.Log(err)
	if _, ok := n.Lookup("1a2b3c4d-ffff"); ok {
		t.Fatal("failed Attach kept its address")
	}
	if _, err := netlink.LinkByName("vp1a2b3c4d"); err != nil {
		t.Fatalf("failed Attach removed the other pod's veth: %v", err)
	}
}

func TestTCPIntoPod(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	pod := newPodNS(t, "web-0")
	ips, err := n.Attach(pod, tcpOwner)
	if err != nil {
		t.Fatal(err)
	}
	ip := ips[0]
	// The listening socket belongs to the netns of the thread that made it: the pod's.
	var ln net.Listener
	err = pod.Do(func() (err error) {
		ln, err = net.Listen("tcp", net.JoinHostPort(ip.String(), "8080"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("hello from the pod\n"))
		c.Close()
	}()

	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s from the host netns: %v", ln.Addr(), err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello from the pod\n" {
		t.Fatalf("read %q, %v", line, err)
	}
}

func TestReleaseAndReattach(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	pod := newPodNS(t, "web-0")
	ips, err := n.Attach(pod, releaseOwner)
	if err != nil {
		t.Fatal(err)
	}
	ip := ips[0]
	if err := n.Release(releaseOwner); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(n.IPAMDir, ip.String())); !os.IsNotExist(err) {
		t.Fatalf("ipam file after Release: %v", err)
	}
	if _, err := netlink.LinkByName("vp3c4d5e6f"); !isNotFound(err) {
		t.Fatalf("host veth after Release: %v", err)
	}
	if err := n.Release(releaseOwner); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	again, err := n.Attach(pod, releaseOwner)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || !again[0].Equal(ip) {
		t.Fatalf("second Attach = %s, want the released %s", again, ip)
	}
}

// TestRemoveDestroysVeth: removing the pins drops the last reference to the netns; the kernel
// then destroys it, and the veth pair with it.
func TestRemoveDestroysVeth(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	pod := newPodNS(t, "web-0")
	if _, err := n.Attach(pod, removeOwner); err != nil {
		t.Fatal(err)
	}
	if err := pod.Remove(); err != nil {
		t.Fatal(err)
	}
	if m := mountsUnder(t, pod.Dir); len(m) != 0 {
		t.Fatalf("mounts left: %v", m)
	}
	if _, err := os.Stat(pod.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", pod.Dir, err)
	}
	t.Logf("host veth gone %v after Remove", waitGone(t, "vp4d5e6f70"))
	start := time.Now()
	if err := n.Release(removeOwner); err != nil {
		t.Fatal(err)
	}
	t.Logf("Release after the veth is gone: %v", time.Since(start))
}

// linkExists sees the bridge and lo, and not a name no link has; Release waits with it.
func TestLinkExists(t *testing.T) {
	requireNS(t)
	n := newNetwork(t)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for name, want := range map[string]bool{n.Bridge: true, "lo": true, "vp00000000": false} {
		got, err := linkExists(fd, name)
		if err != nil || got != want {
			t.Errorf("linkExists(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := linkExists(fd, "a-name-longer-than-ifnamsiz"); err == nil {
		t.Error("linkExists of a name longer than IFNAMSIZ: no error")
	}
}

// TestAttachWithoutIPv6: neither end of a pod's veth has an IPv6 address once up (its link-local
// address's DAD, router solicitations and MLD would be multicast the bridge floods to every port
// on each attach); the pod's lo keeps ::1.
func TestAttachWithoutIPv6(t *testing.T) {
	requireNS(t)
	if _, err := os.Stat("/proc/sys/net/ipv6"); err != nil {
		testutil.Unavailable(t, "IPv6 in the kernel")
	}
	n := newNetwork(t)
	pod := newPodNS(t, "web-0")
	if _, err := n.Attach(pod, testOwner); err != nil {
		t.Fatal(err)
	}
	defer n.Release(testOwner)
	v6 := func(ifname string) string {
		link, err := netlink.LinkByName(ifname)
		if err != nil {
			return err.Error()
		}
		addrs, err := netlink.AddrList(link, netlink.FAMILY_V6)
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, a := range addrs {
			out = append(out, a.IPNet.String())
		}
		return strings.Join(out, ",")
	}
	// The host end's link-local address would come once the carrier is seen (linkwatch runs
	// up to a second later): watch both ends for two seconds.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var eth0, lo string
		must(t, pod.Do(func() error { eth0, lo = v6(podIfName), v6("lo"); return nil }))
		if host := v6("vp1a2b3c4d"); host != "" || eth0 != "" || lo != "::1/128" {
			t.Fatalf("IPv6 addresses: host end %q, pod eth0 %q (want none); pod lo %q (want ::1/128)", host, eth0, lo)
		}
	}
}
