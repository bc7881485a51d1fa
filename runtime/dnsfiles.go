package runtime

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The contents of a pod's /etc/hosts and /etc/resolv.conf, as the kubelet makes them
// (pkg/kubelet/kubelet_pods.go: managedHostsFileContent, nodeHostsFileContent;
// pkg/kubelet/network/dns/dns.go: GetPodDNS) and containerd writes the resolver part. podd has
// no cluster DNS: ClusterFirst falls back to Default (the node's resolv.conf), as the kubelet
// does when it has no clusterDNS.

// Kubelet's headers.
const (
	managedHostsHeader            = "# Kubernetes-managed hosts file.\n"
	managedHostsHeaderHostNetwork = "# Kubernetes-managed hosts file (host network).\n"
)

// clusterDomain is the domain of a pod's subdomain FQDN (<hostname>.<subdomain>.<ns>.svc.<it>),
// the kubelet's usual --cluster-domain.
const clusterDomain = "cluster.local"

// podDomain is the pod's domain name: <subdomain>.<namespace>.svc.cluster.local, or "".
func podDomain(obj *corev1.Pod) string {
	if obj.Spec.Subdomain == "" {
		return ""
	}
	return fmt.Sprintf("%s.%s.svc.%s", obj.Spec.Subdomain, obj.Namespace, clusterDomain)
}

// managedHosts is the hosts file of a pod with its own network namespace.
func managedHosts(ips []string, hostName, domain string, aliases []corev1.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString(managedHostsHeader)
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\n")
	b.WriteString("fe00::0\tip6-mcastprefix\n")
	b.WriteString("fe00::1\tip6-allnodes\n")
	b.WriteString("fe00::2\tip6-allrouters\n")
	for _, ip := range ips {
		if domain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s\t%s\n", ip, hostName, domain, hostName)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", ip, hostName)
		}
	}
	b.Write(aliasEntries(aliases))
	return b.Bytes()
}

// hostNetworkHosts is the hosts file of a hostNetwork pod: the node's, with the aliases.
func hostNetworkHosts(node []byte, aliases []corev1.HostAlias) []byte {
	var b bytes.Buffer
	b.WriteString(managedHostsHeaderHostNetwork)
	b.Write(node)
	b.Write(aliasEntries(aliases))
	return b.Bytes()
}

func aliasEntries(aliases []corev1.HostAlias) []byte {
	if len(aliases) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("\n# Entries added by HostAliases.\n")
	for _, a := range aliases {
		for _, h := range a.Hostnames {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, h)
		}
	}
	return b.Bytes()
}

// dnsConfig is what a resolv.conf holds.
type dnsConfig struct {
	servers, searches, options []string
}

// Kubelet's limits (ExpandedDNSConfig, GA): what is past them is dropped.
const (
	maxNameservers    = 3
	maxSearchPaths    = 32
	maxSearchChars    = 2048
	maxSearchPathLen  = 253
	maxResolvConfSize = 10 << 20
)

// podResolvConf is the pod's resolv.conf, from the node's (nodeResolv) and the pod's dnsPolicy
// and dnsConfig d (nil: none).
func podResolvConf(policy corev1.DNSPolicy, d *corev1.PodDNSConfig, nodeResolv []byte) []byte {
	var c dnsConfig
	if policy != corev1.DNSNone {
		c = parseResolvConf(nodeResolv) // ClusterFirst(WithHostNet) without cluster DNS, Default
	}
	if d != nil {
		c.servers = omitDuplicates(append(c.servers, d.Nameservers...))
		c.searches = omitDuplicates(append(c.searches, d.Searches...))
		c.options = mergeOptions(c.options, d.Options)
	}
	c.servers = c.servers[:min(len(c.servers), maxNameservers)]
	c.searches = searchFitsLimits(c.searches)
	return c.format()
}

// parseResolvConf reads nameserver lines (they add up), the last search line (without "." and
// trailing dots) and the last options line, as the kubelet's parseResolvConf.
func parseResolvConf(data []byte) dnsConfig {
	var c dnsConfig
	for _, line := range strings.Split(string(data[:min(len(data), maxResolvConfSize)]), "\n") {
		line = strings.TrimSpace(line)
		f := strings.Fields(line)
		if strings.HasPrefix(line, "#") || len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) >= 2 {
				c.servers = append(c.servers, f[1])
			}
		case "search":
			c.searches = nil
			for _, s := range f[1:] {
				if s != "." {
					c.searches = append(c.searches, strings.TrimSuffix(s, "."))
				}
			}
		case "options":
			c.options = f[1:]
		}
	}
	return c
}

func omitDuplicates(in []string) []string {
	var out []string
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// mergeOptions overrides the node's options by name with the pod's. The kubelet goes through a
// map (its order varies from one pod to the next); podd keeps the node's order, then the pod's.
func mergeOptions(node []string, pod []corev1.PodDNSConfigOption) []string {
	var names []string
	values := map[string]string{}
	set := func(name, value string) {
		if _, ok := values[name]; !ok {
			names = append(names, name)
		}
		values[name] = value
	}
	for _, o := range node {
		name, value, _ := strings.Cut(o, ":")
		set(name, value)
	}
	for _, o := range pod {
		set(o.Name, ptrValue(o.Value))
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if v := values[n]; v != "" {
			out = append(out, n+":"+v)
		} else {
			out = append(out, n)
		}
	}
	return out
}

func ptrValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// searchFitsLimits drops what the kubelet drops: paths past 32, paths longer than 253
// characters, and the last paths until the line fits in 2048 characters.
func searchFitsLimits(s []string) []string {
	s = s[:min(len(s), maxSearchPaths)]
	s = slices.DeleteFunc(s, func(p string) bool { return len(p) > maxSearchPathLen })
	for len(s) > 0 && len(strings.Join(s, " ")) > maxSearchChars {
		s = s[:len(s)-1]
	}
	return s
}

// format writes the file as containerd does: search, nameservers, options.
func (c dnsConfig) format() []byte {
	var b bytes.Buffer
	if len(c.searches) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(c.searches, " "))
	}
	if len(c.servers) > 0 {
		fmt.Fprintf(&b, "nameserver %s\n", strings.Join(c.servers, "\nnameserver "))
	}
	if len(c.options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(c.options, " "))
	}
	return b.Bytes()
}
