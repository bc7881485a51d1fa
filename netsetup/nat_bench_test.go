package netsetup

import (
	"fmt"
	"net"
	"testing"
)

// BenchmarkHostPortChurn publishes and releases one pod's hostPort (TCP and UDP) while other
// pods hold theirs: each op is one Reserve, one Publish (one netlink transaction adding two map
// elements) and one Release (one deleting them). With maps keyed by protocol and port, the cost
// does not grow with the pods present (compare pods=10 and pods=1000).
func BenchmarkHostPortChurn(b *testing.B) {
	requireNS(b)
	for _, pods := range []int{10, 1000} {
		b.Run(fmt.Sprintf("pods=%d", pods), func(b *testing.B) {
			_, subnet, _ := net.ParseCIDR("10.77.0.0/16")
			n := &NAT{Subnet: subnet}
			for i := range pods {
				owner := fmt.Sprintf("present-%d", i)
				ip := net.IPv4(10, 77, byte(i>>8), byte(i)).To4()
				if err := n.Reserve(owner, owner, []HostPort{{Protocol: "TCP", HostPort: uint16(20000 + i), PodPort: 80}}); err != nil {
					b.Fatal(err)
				}
				if err := n.Publish(owner, []net.IP{ip}); err != nil {
					b.Fatal(err)
				}
			}
			b.Cleanup(func() { n.Settle() })
			ports := []HostPort{{Protocol: "TCP", HostPort: 8080, PodPort: 80}, {Protocol: "UDP", HostPort: 8080, PodPort: 53}}
			ip := net.IPv4(10, 77, 255, 1).To4()
			b.ResetTimer()
			for range b.N {
				if err := n.Reserve("churn", "default/churn", ports); err != nil {
					b.Fatal(err)
				}
				if err := n.Publish("churn", []net.IP{ip}); err != nil {
					b.Fatal(err)
				}
				if err := n.Release("churn"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOnlyPodChurn is what NAT costs an apply and delete of a pod without hostPorts when
// no other pod runs (make bench's web-sync applies): one Reserve, Publish and Release. The
// table lingers after the release, so only the first op makes it (its NAT hooks' registration
// patches the kernel's text on every CPU when nothing else on the host uses those hooks).
func BenchmarkOnlyPodChurn(b *testing.B) {
	requireNS(b)
	_, subnet, _ := net.ParseCIDR("10.77.0.0/16")
	n := &NAT{Subnet: subnet}
	b.Cleanup(func() { n.Settle() })
	ip := net.IPv4(10, 77, 0, 2).To4()
	for b.Loop() {
		if err := n.Reserve("only", "default/only", nil); err != nil {
			b.Fatal(err)
		}
		if err := n.Publish("only", []net.IP{ip}); err != nil {
			b.Fatal(err)
		}
		if err := n.Release("only"); err != nil {
			b.Fatal(err)
		}
	}
}
