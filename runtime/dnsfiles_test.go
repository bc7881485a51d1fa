package runtime

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The expected texts are what the kubelet writes for the same pods (kubelet_pods.go's tests:
// TestManagedHostsFileContent, TestNodeHostsFileContent).
func TestManagedHosts(t *testing.T) {
	aliases := []corev1.HostAlias{{IP: "123.45.67.89", Hostnames: []string{"foo", "bar", "baz"}},
		{IP: "456.78.90.123", Hostnames: []string{"park", "doo", "boo"}}}
	for _, tc := range []struct {
		name, hostName, domain string
		aliases                []corev1.HostAlias
		want                   string
	}{
		{"plain", "podFoo", "", nil, `# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
123.45.67.89	podFoo
`},
		{"subdomain", "podFoo", "domainFoo", nil, `# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
123.45.67.89	podFoo.domainFoo	podFoo
`},
		{"aliases", "podFoo", "domainFoo", aliases, `# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
123.45.67.89	podFoo.domainFoo	podFoo

# Entries added by HostAliases.
123.45.67.89	foo
123.45.67.89	bar
123.45.67.89	baz
456.78.90.123	park
456.78.90.123	doo
456.78.90.123	boo
`},
	} {
		if got := string(managedHosts([]string{"123.45.67.89"}, tc.hostName, tc.domain, tc.aliases)); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestHostNetworkHosts(t *testing.T) {
	node := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n123.45.67.89\tsome.domain\n"
	aliases := []corev1.HostAlias{{IP: "123.45.67.89", Hostnames: []string{"foo", "bar"}}}
	want := "# Kubernetes-managed hosts file (host network).\n" + node +
		"\n# Entries added by HostAliases.\n123.45.67.89\tfoo\n123.45.67.89\tbar\n"
	if got := string(hostNetworkHosts([]byte(node), aliases)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := string(hostNetworkHosts([]byte(node), nil)); got != "# Kubernetes-managed hosts file (host network).\n"+node {
		t.Errorf("no aliases: got\n%s", got)
	}
}

func TestPodDomain(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: corev1.PodSpec{Subdomain: "api"}}
	if got := podDomain(pod); got != "api.shop.svc.cluster.local" {
		t.Errorf("podDomain: %q", got)
	}
	pod.Spec.Subdomain = ""
	if got := podDomain(pod); got != "" {
		t.Errorf("no subdomain: %q", got)
	}
}

func TestPodResolvConf(t *testing.T) {
	node := "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch old.example\nsearch corp.example. . lab.example\noptions ndots:1 timeout:2\n"
	two := "2"
	cfg := &corev1.PodDNSConfig{Nameservers: []string{"10.0.0.3", "192.0.2.53"}, Searches: []string{"my.example", "corp.example"},
		Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &two}, {Name: "edns0"}}}
	for _, tc := range []struct {
		name   string
		policy corev1.DNSPolicy
		cfg    *corev1.PodDNSConfig
		node   string
		want   string
	}{
		{"ClusterFirst without cluster DNS is Default", corev1.DNSClusterFirst, nil, node,
			"search corp.example lab.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions ndots:1 timeout:2\n"},
		{"Default with dnsConfig", corev1.DNSDefault, cfg, node,
			"search corp.example lab.example my.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 192.0.2.53\noptions ndots:2 timeout:2 edns0\n"},
		{"None", corev1.DNSNone, cfg, node,
			"search my.example corp.example\nnameserver 10.0.0.3\nnameserver 192.0.2.53\noptions ndots:2 edns0\n"},
		{"no node resolv.conf", corev1.DNSDefault, nil, "", ""},
		{"nameservers past 3 dropped", corev1.DNSDefault, &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1", "2.2.2.2"}}, node,
			"search corp.example lab.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 1.1.1.1\noptions ndots:1 timeout:2\n"},
	} {
		if got := string(podResolvConf(tc.policy, tc.cfg, []byte(tc.node))); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestSearchFitsLimits(t *testing.T) {
	var many []string
	for i := range 40 {
		many = append(many, string(rune('a'+i%26))+".example")
	}
	if got := searchFitsLimits(many); len(got) != 32 {
		t.Errorf("40 paths: kept %d, want 32", len(got))
	}
	long := make([]byte, 254)
	for i := range long {
		long[i] = 'a'
	}
	if got := searchFitsLimits([]string{"a.example", string(long), "b.example"}); len(got) != 2 || got[1] != "b.example" {
		t.Errorf("a path past 253 characters: %v", got)
	}
	var wide []string
	for range 20 {
		wide = append(wide, string(long[:200]))
	}
	if got := searchFitsLimits(wide); len(got) != 10 { // 10*200+9 <= 2048 < 11*200+10
		t.Errorf("a line past 2048 characters: kept %d paths, want 10", len(got))
	}
}
