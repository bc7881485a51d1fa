package netsetup

import (
	"fmt"
	"net"
	"strings"
)

// PodCIDRs are the pod network's ranges as --pod-cidr gives them: one IPv4 range, one IPv6
// range (an IPv6-only network: V4 is nil), or one of each (dual-stack). IPv6First: the IPv6
// one was given first (or alone), so pods' status lists their IPv6 address first.
type PodCIDRs struct {
	V4, V6    *net.IPNet
	IPv6First bool
}

// ParsePodCIDRs checks the --pod-cidr values (each may be a comma-separated list, as
// Kubernetes' dual-stack flags are): at most one range per family.
func ParsePodCIDRs(values []string) (PodCIDRs, error) {
	var out PodCIDRs
	var all []string
	for _, v := range values {
		all = append(all, strings.Split(v, ",")...)
	}
	for _, v := range all {
		ip, subnet, err := net.ParseCIDR(strings.TrimSpace(v))
		if err != nil {
			return out, fmt.Errorf("--pod-cidr %q: %w", v, err)
		}
		if ip.To4() != nil {
			if out.V4 != nil {
				return out, fmt.Errorf("--pod-cidr %s and %s: both IPv4; give at most one IPv4 and one IPv6 range", out.V4, subnet)
			}
			out.V4 = subnet
			continue
		}
		if out.V6 != nil {
			return out, fmt.Errorf("--pod-cidr %s and %s: both IPv6; give at most one IPv4 and one IPv6 range", out.V6, subnet)
		}
		out.V6, out.IPv6First = subnet, out.V4 == nil
	}
	return out, nil
}
