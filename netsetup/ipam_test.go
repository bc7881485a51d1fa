package netsetup

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testNetwork(t *testing.T, cidr string) *Network {
	t.Helper()
	return &Network{Bridge: "podd0", Subnet: mustCIDR(t, cidr), IPAMDir: filepath.Join(t.TempDir(), "ipam")}
}

func mustCIDR(t testing.TB, cidr string) *net.IPNet {
	t.Helper()
	_, subnet, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	return subnet
}

func TestAllocateUntilExhausted(t *testing.T) {
	n := testNetwork(t, "10.9.0.0/29")
	want := []string{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"}
	for i, w := range want {
		owner := strings.Repeat(string(rune('a'+i)), 8)
		ip, err := n.allocate(owner)
		if err != nil {
			t.Fatalf("allocate %d: %v", i, err)
		}
		if ip.String() != w {
			t.Fatalf("allocate %d = %s, want %s", i, ip, w)
		}
		holder, err := os.ReadFile(filepath.Join(n.IPAMDir, w))
		if err != nil || string(holder) != owner {
			t.Fatalf("ipam file %s = %q, %v; want %q", w, holder, err, owner)
		}
	}
	_, err := n.allocate("ffffffff")
	if !errors.Is(err, ErrSubnetExhausted) {
		t.Fatalf("allocate in full subnet: err = %v, want ErrSubnetExhausted", err)
	}
	for _, s := range []string{"ffffffff", "10.9.0.0/29", "no free address"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	t.Logf("full subnet: %v", err)

	// Freeing one address makes exactly that one available again.
	if err := n.releaseAddrs("cccccccc"); err != nil {
		t.Fatal(err)
	}
	if ip, ok := n.Lookup("cccccccc"); ok {
		t.Fatalf("Lookup after release = %s", ip)
	}
	ip, err := n.allocate("ffffffff")
	if err != nil || ip.String() != "10.9.0.4" {
		t.Fatalf("allocate after release = %s, %v; want 10.9.0.4", ip, err)
	}
}

func TestLookupSurvivesRestart(t *testing.T) {
	n := testNetwork(t, "10.9.0.0/24")
	for _, owner := range []string{"11111111-a", "22222222-b", "11111111-a"} {
		if _, err := n.allocate(owner); err != nil {
			t.Fatal(err)
		}
	}
	// A new Network value over the same directory, as after a podd restart.
	again := &Network{Subnet: n.Subnet, IPAMDir: n.IPAMDir}
	if ip, ok := again.Lookup("22222222-b"); !ok || ip.String() != "10.9.0.3" {
		t.Fatalf("Lookup = %s, %v; want 10.9.0.3", ip, ok)
	}
	if ip, ok := again.Lookup("11111111-a"); !ok || ip.String() != "10.9.0.2" {
		t.Fatalf("Lookup = %s, %v; want 10.9.0.2", ip, ok)
	}
	if ip, ok := again.Lookup("33333333"); ok {
		t.Fatalf("Lookup of unknown owner = %s", ip)
	}
	if err := again.releaseAddrs("11111111-a"); err != nil {
		t.Fatal(err)
	}
	names, _ := again.usedNames()
	if len(names) != 1 || !names["10.9.0.3"] {
		t.Fatalf("ipam files after release = %v, want only 10.9.0.3", names)
	}
}

func TestAllocateSkipsForeignFiles(t *testing.T) {
	n := testNetwork(t, "10.9.0.0/30")
	if err := os.MkdirAll(n.IPAMDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A file another allocator created between the listing and the create: O_EXCL decides.
	if err := n.reserve(net.ParseIP("10.9.0.2"), "someone"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.allocate("aaaaaaaa"); !errors.Is(err, ErrSubnetExhausted) {
		t.Fatalf("allocate in a /30 with its one address taken: %v", err)
	}
}

func TestBadSubnets(t *testing.T) {
	for _, cidr := range []string{"10.9.0.0/31", "10.9.0.1/32", "fd00::/64"} {
		n := testNetwork(t, cidr)
		if _, err := n.allocate("aaaaaaaa"); err == nil || !strings.Contains(err.Error(), "subnet") {
			t.Errorf("allocate in %s: err = %v, want a subnet error", cidr, err)
		}
	}
	if _, err := (&Network{IPAMDir: t.TempDir()}).allocate("aaaaaaaa"); err == nil {
		t.Error("allocate without a subnet succeeded")
	}
}

func TestGateway(t *testing.T) {
	_, subnet, _ := net.ParseCIDR("10.77.0.0/16")
	subnet.IP = net.ParseIP("10.77.3.4") // not normalised
	gw, err := (&Network{Subnet: subnet}).gateway()
	if err != nil || gw.String() != "10.77.0.1/16" {
		t.Fatalf("gateway = %v, %v; want 10.77.0.1/16", gw, err)
	}
}

func TestVethName(t *testing.T) {
	name, err := vethName("1A2B3C4D-0000-4000-8000-000000000000")
	if err != nil || name != "vp1a2b3c4d" {
		t.Fatalf("vethName = %q, %v", name, err)
	}
	for _, bad := range []string{"", "1a2b3c4", "pod-1234567"} {
		if _, err := vethName(bad); err == nil {
			t.Errorf("vethName(%q) succeeded", bad)
		}
	}
}

// TestReleaseAfterIndexLoaded: leases made after the index was loaded (from files) and by
// this Network are both found and released, and a file removed behind the index is dropped.
func TestReleaseAfterIndexLoaded(t *testing.T) {
	n := testNetwork(t, "10.9.0.0/24")
	if _, err := n.allocate("a"); err != nil {
		t.Fatal(err)
	}
	if ip, ok := n.Lookup("a"); !ok || ip.String() != "10.9.0.2" { // loads the index
		t.Fatalf("Lookup(a) = %s, %v", ip, ok)
	}
	for _, owner := range []string{"b", "c", "b"} {
		if _, err := n.allocate(owner); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.releaseAddrs("b"); err != nil {
		t.Fatal(err)
	}
	names, _ := n.usedNames()
	if len(names) != 2 || !names["10.9.0.2"] || !names["10.9.0.4"] {
		t.Fatalf("ipam files after releasing b = %v, want 10.9.0.2 (a) and 10.9.0.4 (c)", names)
	}
	if err := os.Remove(filepath.Join(n.IPAMDir, "10.9.0.4")); err != nil {
		t.Fatal(err)
	}
	if ip, ok := n.Lookup("c"); ok {
		t.Fatalf("Lookup(c) after its file went = %s", ip)
	}
	if ip, err := n.allocate("d"); err != nil || ip.String() != "10.9.0.3" {
		t.Fatalf("allocate(d) = %s, %v; want 10.9.0.3", ip, err)
	}
}

// BenchmarkReleaseAt1000 is one pod's address allocated and released while 1000 other pods
// hold theirs: before the lease index, each release read all 1000 address files.
func BenchmarkReleaseAt1000(b *testing.B) {
	n := &Network{Subnet: mustCIDR(b, "10.9.0.0/16"), IPAMDir: filepath.Join(benchRoot(b), "ipam")}
	for i := range 1000 {
		if _, err := n.allocate(fmt.Sprintf("pod-%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := n.allocate("churn"); err != nil {
			b.Fatal(err)
		}
		if err := n.releaseAddrs("churn"); err != nil {
			b.Fatal(err)
		}
	}
}

// usedNames lists the file names in IPAMDir.
func (n *Network) usedNames() (map[string]bool, error) {
	entries, err := os.ReadDir(n.IPAMDir)
	if err != nil {
		return nil, fmt.Errorf("read ipam dir: %w", err)
	}
	used := make(map[string]bool, len(entries))
	for _, e := range entries {
		used[e.Name()] = true
	}
	return used, nil
}
