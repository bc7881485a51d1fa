package runtime

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/podd/podd/mounts"
)

// Like kubelet, podd writes each pod's /etc/hosts, /etc/hostname and /etc/resolv.conf once and
// binds them into every container, so images need not carry them and localhost always resolves.
var etcFiles = []string{"hosts", "hostname", "resolv.conf"}

func (s *sandbox) etcDir() string { return filepath.Join(s.dir(), "etc") }

func (s *sandbox) writeEtcFiles() error {
	if err := os.MkdirAll(s.etcDir(), 0o755); err != nil {
		return fmt.Errorf("pod /etc files: %w", err)
	}
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		resolv = nil // no resolver on the host: no nameserver, as a container without DNS
	}
	content := map[string][]byte{
		"hosts":       s.hostsFile(),
		"hostname":    []byte(s.hostName + "\n"),
		"resolv.conf": podResolvConf(s.netSpec.dnsPolicy, s.netSpec.dnsConfig, resolv),
	}
	for _, name := range etcFiles {
		if err := os.WriteFile(filepath.Join(s.etcDir(), name), content[name], 0o644); err != nil {
			return fmt.Errorf("pod /etc files: %w", err)
		}
	}
	return nil
}

// hostsFile is kubelet's /etc/hosts for the pod (dnsfiles.go): the node's for a hostNetwork
// pod, else the managed one naming the pod's address (127.0.1.1 without a pod network).
func (s *sandbox) hostsFile() []byte {
	if s.netSpec.hostNetwork {
		node, _ := os.ReadFile("/etc/hosts") // none: the header and aliases alone
		return hostNetworkHosts(node, s.netSpec.aliases)
	}
	ips := s.podIPs()
	if len(ips) == 0 {
		ips = []string{"127.0.1.1"}
	}
	return managedHosts(ips, s.hostName, s.netSpec.domain, s.netSpec.aliases)
}

// etcBinds are the managed files a container gets, except where it mounts a volume itself.
func (c *container) etcBinds() []mounts.Bind {
	var out []mounts.Bind
	for _, name := range etcFiles {
		dest := "/etc/" + name
		if c.mountsAt(dest) {
			continue
		}
		out = append(out, mounts.Bind{Source: filepath.Join(c.p.etcDir(), name), Dest: dest})
	}
	return out
}

func (c *container) mountsAt(dest string) bool {
	for _, vm := range c.spec.VolumeMounts {
		if filepath.Clean(vm.MountPath) == dest {
			return true
		}
	}
	return false
}
