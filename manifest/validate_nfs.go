package manifest

import (
	"net/netip"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateNFS applies the API server's rules for an nfs volume (server and path required, path
// absolute) and checks what podd hands to the kernel: the server is an IP address (IPv6 with or
// without brackets) or a host name podd resolves, the path has no NUL byte.
func validateNFS(n *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("server")
	switch {
	case n.Server == "":
		errs = append(errs, field.Required(sp, ""))
	case !validNFSServer(n.Server):
		errs = append(errs, field.Invalid(sp, n.Server, "must be an IP address or a host name"))
	}
	pp := p.Child("path")
	switch {
	case n.Path == "":
		errs = append(errs, field.Required(pp, ""))
	case strings.ContainsRune(n.Path, 0):
		errs = append(errs, validateNoNUL(n.Path, pp)...)
	case !path.IsAbs(n.Path):
		errs = append(errs, field.Invalid(pp, n.Path, "must be an absolute path"))
	}
	return errs
}

// validNFSServer accepts an IP address ("[...]" around an IPv6 one allowed) or a host name of
// letters, digits, '-', '_' and dots, at most 253 characters.
func validNFSServer(s string) bool {
	if _, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return true
	}
	if len(s) > 253 || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-") {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)
		if !ok {
			return false
		}
	}
	return true
}
