package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/podd/podd/nsinit"
	"github.com/podd/podd/nsinit/seccomp"
	"github.com/podd/podd/podstatus"
	"github.com/podd/podd/rootfs"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// reasonCreateContainerConfigError is kubelet's Waiting reason for a container whose settings
// cannot be applied (runAsNonRoot with a root user, a missing seccomp profile).
const reasonCreateContainerConfigError = "CreateContainerConfigError"

// configError is such a container: the pod is accepted, the container waits with the reason.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

// RLIMIT_NOFILE of containers: containerd's 1024 soft, 1048576 hard, both at most what podd's
// own hard limit allows (raising it needs CAP_SYS_RESOURCE).
const (
	nofileSoft = 1024
	nofileHard = 1048576
)

// security derives the container's identity and confinement from the pod's and the container's
// securityContext (the container's fields win), kubelet + containerd + runc semantics.
func (c *container) security() (nsinit.Security, error) {
	var s nsinit.Security
	psc, sc := c.p.obj.Spec.SecurityContext, c.spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	if err := c.setUser(&s, psc, sc); err != nil {
		return s, err
	}
	s.Privileged = sc.Privileged != nil && *sc.Privileged
	caps, err := capSet(s.Privileged, sc.Capabilities)
	if err != nil {
		return s, fmt.Errorf("%s.securityContext.capabilities: %w", c.fieldPath(), err)
	}
	s.Caps = caps
	s.NoNewPrivs = noNewPrivs(s.Privileged, sc.AllowPrivilegeEscalation, caps)
	s.ReadOnlyRoot = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
	if s.Seccomp, err = c.seccompProgram(s.Privileged, firstSet(sc.SeccompProfile, psc.SeccompProfile), caps); err != nil {
		return s, err
	}
	s.NofileSoft, s.NofileHard = nofileLimits()
	s.OOMScoreAdj = oomScoreAdj(c.p.obj, c.spec, memoryCapacity())
	s.Sysctls = sysctlPaths(psc.Sysctls)
	return s, nil
}

func firstSet[T any](vals ...*T) *T {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

// setUser sets the user and groups: runAsUser, else the image's user (a name or a number,
// resolved in the image's /etc/passwd and /etc/group as containerd does); runAsGroup, else the
// image user's group, else 0; that group, the image user's groups from /etc/group,
// supplementalGroups and fsGroup as supplementary groups (as `id` shows them under containerd:
// groups=2000,3000,4000). A runAsNonRoot container that would run as root, or as a user name
// (which kubelet cannot check before the start), is a configError with kubelet's message.
func (c *container) setUser(s *nsinit.Security, psc *corev1.PodSecurityContext, sc *corev1.SecurityContext) error {
	imgUID, _, username := parseImageUser(c.img.Config.User)
	uid := firstSet(sc.RunAsUser, psc.RunAsUser)
	if nonRoot := firstSet(sc.RunAsNonRoot, psc.RunAsNonRoot); nonRoot != nil && *nonRoot {
		if err := c.verifyNonRoot(uid, imgUID, username); err != nil {
			return err
		}
	}
	var img rootfs.User
	if uid == nil && c.img.Config.User != "" {
		u, err := c.img.LookupUser(c.img.Config.User)
		if err != nil {
			return fmt.Errorf("%s: image user: %w", c.fieldPath(), err)
		}
		img = u
	}
	s.UID = img.UID
	if uid != nil {
		s.UID = uint32(*uid)
	}
	s.GID = img.GID
	if gid := firstSet(sc.RunAsGroup, psc.RunAsGroup); gid != nil {
		s.GID = uint32(*gid)
	}
	// containerd's supplementary groups: the primary group, the image user's, supplementalGroups,
	// fsGroup.
	s.Groups = append([]uint32{s.GID}, img.Groups...)
	for _, g := range psc.SupplementalGroups {
		s.Groups = append(s.Groups, uint32(g))
	}
	if psc.FSGroup != nil {
		s.Groups = append(s.Groups, uint32(*psc.FSGroup))
	}
	slices.Sort(s.Groups)
	s.Groups = slices.Compact(s.Groups)
	return nil
}

// verifyNonRoot is kubelet's verifyRunAsNonRoot.
func (c *container) verifyNonRoot(uid *int64, imgUID *uint32, username string) error {
	pod := fmt.Sprintf("%s_%s(%s)", c.p.obj.Name, c.p.obj.Namespace, c.p.obj.UID)
	switch {
	case uid != nil && *uid == 0:
		return &configError{fmt.Sprintf("container's runAsUser breaks non-root policy (pod: %q, container: %s)", pod, c.name())}
	case uid != nil:
		return nil
	case imgUID == nil && username != "":
		return &configError{fmt.Sprintf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root (pod: %q, container: %s)", username, pod, c.name())}
	case imgUID == nil || *imgUID == 0:
		return &configError{fmt.Sprintf("container has runAsNonRoot and image will run as root (pod: %q, container: %s)", pod, c.name())}
	}
	return nil
}

// parseImageUser reads the image config's User as kubelet does for runAsNonRoot: "" (root),
// "uid", "uid:gid", or a name (username set, uid nil: kubelet cannot check a name).
func parseImageUser(user string) (uid, gid *uint32, username string) {
	if user == "" {
		return nil, nil, ""
	}
	u, g, hasGroup := strings.Cut(user, ":")
	n, err := strconv.ParseUint(u, 10, 32)
	if err != nil {
		return nil, nil, u
	}
	uv := uint32(n)
	uid = &uv
	if hasGroup {
		if m, err := strconv.ParseUint(g, 10, 32); err == nil {
			gv := uint32(m)
			gid = &gv
		}
	}
	return uid, gid, ""
}

// capSet is the bounding set: every capability when privileged, else runc's default set with
// containerd's order of changes: add ALL, drop ALL, then each add, then each drop.
func capSet(privileged bool, c *corev1.Capabilities) ([]int, error) {
	all, err := nsinit.AllCaps()
	if err != nil {
		return nil, err
	}
	if privileged {
		return all, nil
	}
	set := map[int]bool{}
	for _, v := range nsinit.DefaultCaps {
		set[v] = true
	}
	if c != nil {
		if slices.Contains(c.Add, "ALL") {
			for _, v := range all {
				set[v] = true
			}
		}
		if slices.Contains(c.Drop, "ALL") {
			clear(set)
		}
		if err := applyCaps(set, c.Add, true); err != nil {
			return nil, err
		}
		if err := applyCaps(set, c.Drop, false); err != nil {
			return nil, err
		}
	}
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out, nil
}

func applyCaps(set map[int]bool, names []corev1.Capability, add bool) error {
	for _, name := range names {
		if name == "ALL" {
			continue
		}
		v, ok := nsinit.CapByName(string(name))
		if !ok {
			return fmt.Errorf("unknown capability %q", name)
		}
		if add {
			set[v] = true
		} else {
			delete(set, v)
		}
	}
	return nil
}

// noNewPrivs: allowPrivilegeEscalation false sets it; unset, it is set unless the container is
// privileged or has CAP_SYS_ADMIN (podd's default, stricter than kubelet's which leaves it
// off when the field is unset); true leaves it off.
func noNewPrivs(privileged bool, ape *bool, caps []int) bool {
	if ape != nil {
		return !*ape
	}
	return !privileged && !slices.Contains(caps, unix.CAP_SYS_ADMIN)
}

// seccompProgram compiles the container's profile: RuntimeDefault unless asked otherwise
// (kubelet's --seccomp-default), nothing for Unconfined or a privileged container without a
// profile of its own, Localhost from <root>/seccomp/<localhostProfile>.
func (c *container) seccompProgram(privileged bool, sp *corev1.SeccompProfile, caps []int) ([]byte, error) {
	names := make([]string, len(caps))
	for i, v := range caps {
		names[i] = nsinit.CapName(v)
	}
	switch {
	case sp == nil && privileged, sp != nil && sp.Type == corev1.SeccompProfileTypeUnconfined:
		return nil, nil
	case sp == nil || sp.Type == corev1.SeccompProfileTypeRuntimeDefault:
		return seccomp.RuntimeDefault(names)
	}
	path := filepath.Join(c.p.rt.opts.Root, "seccomp", filepath.Clean("/"+*sp.LocalhostProfile))
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &configError{fmt.Sprintf("%s.securityContext.seccompProfile.localhostProfile: %v", c.fieldPath(), err)}
	}
	prog, err := seccomp.Localhost(data, names)
	if err != nil {
		return nil, &configError{fmt.Sprintf("%s.securityContext.seccompProfile.localhostProfile: %s: %v", c.fieldPath(), path, err)}
	}
	return prog, nil
}

func nofileLimits() (soft, hard uint64) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0 // leave the inherited limits
	}
	hard = min(nofileHard, lim.Max)
	return min(nofileSoft, hard), hard
}

// oomScoreAdj is kubelet's GetContainerOOMScoreAdjust (pkg/kubelet/qos/policy.go): Guaranteed
// -997, BestEffort 1000, Burstable 1000 - 1000*request/capacity kept within [3, 999], so that
// under memory pressure the kernel kills the containers that asked for least first.
func oomScoreAdj(pod *corev1.Pod, ctr *corev1.Container, capacity int64) int {
	switch podstatus.QOSClass(pod) {
	case corev1.PodQOSGuaranteed:
		return guaranteedOOMScoreAdj
	case corev1.PodQOSBestEffort:
		return bestEffortOOMScoreAdj
	}
	if capacity <= 0 {
		return bestEffortOOMScoreAdj - 1
	}
	adj := 1000 - 1000*ctr.Resources.Requests.Memory().Value()/capacity
	switch {
	case adj < 1000+guaranteedOOMScoreAdj:
		return 1000 + guaranteedOOMScoreAdj
	case adj >= bestEffortOOMScoreAdj:
		return bestEffortOOMScoreAdj - 1
	}
	return int(adj)
}

const (
	guaranteedOOMScoreAdj = -997
	bestEffortOOMScoreAdj = 1000
)

// memoryCapacity is the machine's memory (MemTotal), read once.
var memoryCapacity = sync.OnceValue(func() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
})

// sysctlPaths turns the pod's sysctls into "path=value" under /proc/sys: a name with a slash
// uses slashes as separators (dots then belong to a component, as in an interface name),
// otherwise dots do.
func sysctlPaths(sysctls []corev1.Sysctl) []string {
	var out []string
	for _, s := range sysctls {
		p := s.Name
		if !strings.Contains(p, "/") {
			p = strings.ReplaceAll(p, ".", "/")
		}
		out = append(out, p+"="+s.Value)
	}
	return out
}

// isConfigError reports whether err is a container setting podd cannot apply.
func isConfigError(err error) bool {
	var ce *configError
	return errors.As(err, &ce)
}

// waitConfig records a container that could not be started for its settings: Waiting with
// kubelet's reason and message, and a Failed event; its supervisor retries with backoff.
func (c *container) waitConfig(err error) {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	c.setWaiting(reasonCreateContainerConfigError, err.Error())
	c.p.eventLocked(corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
}

func podFSGroup(obj *corev1.Pod) *int64 {
	if sc := obj.Spec.SecurityContext; sc != nil {
		return sc.FSGroup
	}
	return nil
}

// fsGroupOwn gives a fresh emptyDir to the pod's fsGroup as the kubelet does
// (SetVolumeOwnership): group fsGroup, group read-write-execute and setgid, so that files
// made in it belong to the group.
func (s *sandbox) fsGroupOwn(dir string) error {
	if s.fsGroup == nil {
		return nil
	}
	if err := os.Lchown(dir, -1, int(*s.fsGroup)); err != nil {
		return fmt.Errorf("emptyDir fsGroup: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("emptyDir fsGroup: %w", err)
	}
	if err := os.Chmod(dir, st.Mode().Perm()|0o070|os.ModeSetgid|st.Mode()&os.ModeSticky); err != nil {
		return fmt.Errorf("emptyDir fsGroup: %w", err)
	}
	return nil
}
