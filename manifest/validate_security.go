package manifest

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/podd/podd/nsinit"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodSecurity checks spec.securityContext: ids in range, the seccomp profile, and
// sysctls that are namespaced (the only ones a pod may set: they are written in its own
// network or IPC namespace).
func validatePodSecurity(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if share := spec.ShareProcessNamespace; share != nil && *share && spec.HostPID {
		// The API server's path and words (it checks this with the pod's securityContext).
		errs = append(errs, field.Invalid(p.Child("shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	sc := spec.SecurityContext
	if sc == nil {
		return errs
	}
	errs = append(errs, validateID(sc.RunAsUser, p.Child("runAsUser"))...)
	errs = append(errs, validateID(sc.RunAsGroup, p.Child("runAsGroup"))...)
	errs = append(errs, validateID(sc.FSGroup, p.Child("fsGroup"))...)
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, validateID(&g, p.Child("supplementalGroups").Index(i))...)
	}
	errs = append(errs, validateSeccomp(sc.SeccompProfile, p.Child("seccompProfile"))...)
	seen := map[string]bool{}
	for i, s := range sc.Sysctls {
		errs = append(errs, validateSysctl(s, spec, seen, p.Child("sysctls").Index(i))...)
	}
	return errs
}

// validateContainerSecurity checks a container's securityContext, as the API server does,
// plus what podd cannot do.
func validateContainerSecurity(sc *corev1.SecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateID(sc.RunAsUser, p.Child("runAsUser"))
	errs = append(errs, validateID(sc.RunAsGroup, p.Child("runAsGroup"))...)
	errs = append(errs, validateSeccomp(sc.SeccompProfile, p.Child("seccompProfile"))...)
	sysAdmin := false
	if c := sc.Capabilities; c != nil {
		for _, list := range []struct {
			name string
			caps []corev1.Capability
		}{{"add", c.Add}, {"drop", c.Drop}} {
			for i, name := range list.caps {
				n, ok := nsinit.CapByName(string(name))
				if !ok && string(name) != "ALL" {
					errs = append(errs, field.Invalid(p.Child("capabilities", list.name).Index(i), name,
						"unknown capability: a name such as NET_ADMIN or CAP_NET_ADMIN, or ALL"))
				}
				sysAdmin = sysAdmin || (list.name == "add" && (n == nsinit.CapByNameMust("SYS_ADMIN") || name == "ALL"))
			}
		}
	}
	if ape := sc.AllowPrivilegeEscalation; ape != nil && !*ape {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sysAdmin {
			errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
		}
	}
	if sc.ProcMount != nil && *sc.ProcMount != corev1.DefaultProcMount {
		errs = append(errs, field.NotSupported(p.Child("procMount"), *sc.ProcMount, []corev1.ProcMountType{corev1.DefaultProcMount}))
	}
	return errs
}

func validateID(id *int64, p *field.Path) field.ErrorList {
	if id != nil && (*id < 0 || *id > math.MaxInt32) {
		return field.ErrorList{field.Invalid(p, *id, validation.InclusiveRangeError(0, math.MaxInt32))}
	}
	return nil
}

func validateSeccomp(sp *corev1.SeccompProfile, p *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	errs := validateEnum(sp.Type, p.Child("type"),
		corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined, corev1.SeccompProfileTypeLocalhost)
	lp := p.Child("localhostProfile")
	switch {
	case sp.Type == corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile == nil:
		errs = append(errs, field.Required(lp, "must be set when seccomp type is Localhost"))
	case sp.Type != corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil:
		errs = append(errs, field.Invalid(lp, *sp.LocalhostProfile, "can only be set when seccomp type is Localhost"))
	case sp.LocalhostProfile != nil:
		name := *sp.LocalhostProfile
		if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\x00") {
			errs = append(errs, field.Invalid(lp, name, "must be a relative path (under podd's --root/seccomp)"))
		}
		for _, part := range strings.Split(name, "/") {
			if part == ".." {
				errs = append(errs, field.Invalid(lp, name, "must not contain '..'"))
				break
			}
		}
	}
	return errs
}

// sysctlName is Kubernetes' sysctl name format (dots or slashes as separators).
var sysctlName = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)

// NamespacedSysctl reports whether name (dotted or slashed) is one the kernel keeps per network
// or IPC namespace, and which: "net" or "ipc"; "" for a node-wide one.
func NamespacedSysctl(name string) string {
	n := strings.ReplaceAll(name, "/", ".")
	switch {
	case strings.HasPrefix(n, "net."):
		return "net"
	case strings.HasPrefix(n, "kernel.shm"), strings.HasPrefix(n, "kernel.msg"), n == "kernel.sem",
		strings.HasPrefix(n, "fs.mqueue."):
		return "ipc"
	}
	return ""
}

func validateSysctl(s corev1.Sysctl, spec *corev1.PodSpec, seen map[string]bool, p *field.Path) field.ErrorList {
	np := p.Child("name")
	switch {
	case s.Name == "":
		return field.ErrorList{field.Required(np, "")}
	case len(s.Name) > 253 || !sysctlName.MatchString(s.Name):
		return field.ErrorList{field.Invalid(np, s.Name, "must have at most 253 characters and match regex "+sysctlName.String())}
	case seen[s.Name]:
		return field.ErrorList{field.Duplicate(np, s.Name)}
	}
	seen[s.Name] = true
	var errs field.ErrorList
	switch NamespacedSysctl(s.Name) {
	case "":
		errs = append(errs, field.Forbidden(np, fmt.Sprintf("%q is not a namespaced sysctl: a pod may set only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.*", s.Name)))
	case "net":
		if spec.HostNetwork {
			errs = append(errs, field.Forbidden(np, fmt.Sprintf("sysctl %q not allowed with hostNetwork enabled", s.Name)))
		}
	case "ipc":
		if spec.HostIPC {
			errs = append(errs, field.Forbidden(np, fmt.Sprintf("sysctl %q not allowed with hostIPC enabled", s.Name)))
		}
	}
	if strings.ContainsAny(s.Value, "\x00\n") {
		errs = append(errs, field.Invalid(p.Child("value"), s.Value, "must not contain NUL or newline"))
	}
	return errs
}
