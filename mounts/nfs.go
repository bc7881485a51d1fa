package mounts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// NFS is an nfs volume (server, export path, readOnly), mounted by the kernel NFS client with
// mount(2) and text options, as mount.nfs would pass them: podd resolves the server itself
// (addr=), so no mount.nfs, rpcbind or rpc.statd is needed on the node.
type NFS struct {
	Server   string // an IP address or a host name, as the manifest gives it
	Path     string // the export
	ReadOnly bool
}

// Mount-time bounds: each RPC is retransmitted after timeo deciseconds, growing by as much,
// retrans times, so a server that does not answer fails a mount attempt in about 30 s (the
// kernel's TCP default, timeo=600, takes minutes) instead of holding it. The mount stays hard,
// as the kubelet's: once mounted, I/O to a server that went away waits for it and fails no write.
const (
	nfsTimeo   = 100
	nfsRetrans = 2
	// NFSResolveTimeout bounds the look-up of a server given by name.
	NFSResolveTimeout = 10 * time.Second
)

// nfsVersions is mount.nfs's order: NFSv4.2, 4.1, 4.0, then v3.
var nfsVersions = []struct{ fstype, vers string }{
	{"nfs4", "4.2"}, {"nfs4", "4.1"}, {"nfs4", "4.0"}, {"nfs", "3"},
}

// MountFunc is mount(2) (unix.Mount); tests pass a fake.
type MountFunc func(source, target, fstype string, flags uintptr, data string) error

// MountNFS mounts n on target (nosuid, nodev, read-only if asked), negotiating the version as
// mount.nfs does, and returns the version mounted. The error names the server, its address and
// each version's errno.
func MountNFS(ctx context.Context, n NFS, target string, mount MountFunc) (string, error) {
	addr, err := resolveNFSServer(ctx, n.Server)
	if err != nil {
		return "", err
	}
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	if n.ReadOnly {
		flags |= unix.MS_RDONLY
	}
	var tried []string
	for i := 0; i >= 0 && i < len(nfsVersions); {
		v := nfsVersions[i]
		err := mount(n.source(), target, v.fstype, flags, nfsOptions(v.vers, addr))
		if err == nil {
			return v.vers, nil
		}
		var errno unix.Errno
		if !errors.As(err, &errno) {
			return "", fmt.Errorf("mount nfs %s (%s): vers=%s: %w", n.source(), addr, v.vers, err)
		}
		tried = append(tried, fmt.Sprintf("vers=%s: %s (%v)", v.vers, unix.ErrnoName(errno), errno))
		i = nextNFSVersion(i, errno)
	}
	return "", fmt.Errorf("mount nfs %s (%s): %s", n.source(), addr, strings.Join(tried, "; "))
}

// nextNFSVersion is the attempt after a failed one, -1 for none, as nfs-utils'
// nfs_autonegotiate (utils/mount/stropts.c) decides: EPROTONOSUPPORT or EINVAL try the next
// minor version, then v3; ENOENT (no v4 pseudo-root), EPERM (old Linux servers) and
// ECONNREFUSED (nothing on 2049: a v3 server registered elsewhere with rpcbind) go to v3; any
// other error, or a failed v3, ends it.
func nextNFSVersion(i int, errno unix.Errno) int {
	if nfsVersions[i].fstype != "nfs4" {
		return -1
	}
	switch errno {
	case unix.EPROTONOSUPPORT, unix.EINVAL:
		return i + 1
	case unix.ENOENT, unix.EPERM, unix.ECONNREFUSED:
		return len(nfsVersions) - 1
	}
	return -1
}

// nfsOptions is mount(2)'s data for a version. TCP is the kernel's default transport, for
// MOUNT too; clientaddr (v4 callbacks) the kernel finds itself. v3 takes nolock: with no
// rpc.statd on the node, NLM locks cannot be recovered, so locks stay local to this node (v4
// locks are part of the protocol). v3 finds the MOUNT and NFS ports through the server's
// rpcbind (port 111), as against a real server.
func nfsOptions(vers string, addr netip.Addr) string {
	o := fmt.Sprintf("vers=%s,addr=%s,timeo=%d,retrans=%d", vers, addr, nfsTimeo, nfsRetrans)
	if vers == "3" {
		o += ",nolock"
	}
	return o
}

// source is the device mount(2) and mountinfo show: server:path, an IPv6 address in brackets.
func (n NFS) source() string {
	host := unbracket(n.Server)
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !a.Is4In6() {
		host = "[" + host + "]"
	}
	return host + ":" + n.Path
}

func unbracket(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]") }

// resolveNFSServer is the server's address: itself when it is one, else the first address
// the resolver gives in podd's network namespace.
func resolveNFSServer(ctx context.Context, server string) (netip.Addr, error) {
	host := unbracket(server)
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, NFSResolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	if err != nil {
		return netip.Addr{}, fmt.Errorf("nfs server %s: %w", server, err)
	}
	return addrs[0].Unmap(), nil
}

// IsNFS reports whether an NFS filesystem (v3 or v4) is mounted at dir, read from mountinfo:
// a statfs would ask a server that may not answer, and wait for it.
func IsNFS(dir string) (bool, error) {
	ms, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return m.Mountpoint != dir || (m.FSType != "nfs" && m.FSType != "nfs4"), false
	})
	return len(ms) > 0, err
}
