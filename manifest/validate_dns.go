package manifest

import (
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The API server's limits on dnsConfig (ExpandedDNSConfig, GA).
const (
	maxDNSNameservers     = 3
	maxDNSSearchPaths     = 32
	maxDNSSearchListChars = 2048
)

// validateDNSAndHosts checks subdomain, hostAliases, dnsConfig and dnsPolicy None as the API
// server does (pkg/apis/core/validation: validatePodDNSConfig, ValidateHostAliases).
func validateDNSAndHosts(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Subdomain != "" {
		errs = append(errs, validateName(spec.Subdomain, validation.IsDNS1123Label, p.Child("subdomain"))...)
	}
	for i, a := range spec.HostAliases {
		ap := p.Child("hostAliases").Index(i)
		if ip, err := netip.ParseAddr(a.IP); err != nil || ip.Zone() != "" {
			errs = append(errs, field.Invalid(ap.Child("ip"), a.IP, "must be a valid IP address"))
		}
		for j, h := range a.Hostnames {
			errs = append(errs, validateName(h, validation.IsDNS1123Subdomain, ap.Child("hostnames").Index(j))...)
		}
	}
	if spec.DNSPolicy == corev1.DNSNone {
		if spec.DNSConfig == nil {
			errs = append(errs, field.Required(p.Child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"))
		} else if len(spec.DNSConfig.Nameservers) == 0 {
			errs = append(errs, field.Required(p.Child("dnsConfig", "nameservers"), "must provide at least one DNS nameserver when DNS policy is None"))
		}
	}
	if spec.DNSConfig != nil {
		errs = append(errs, validateDNSConfig(spec.DNSConfig, p.Child("dnsConfig"))...)
	}
	return errs
}

func validateDNSConfig(c *corev1.PodDNSConfig, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(c.Nameservers) > maxDNSNameservers {
		errs = append(errs, field.Invalid(p.Child("nameservers"), c.Nameservers, "must not have more than 3 nameservers"))
	}
	for i, ns := range c.Nameservers {
		if _, err := netip.ParseAddr(ns); err != nil {
			errs = append(errs, field.Invalid(p.Child("nameservers").Index(i), ns, "must be valid IP address"))
		}
	}
	if len(c.Searches) > maxDNSSearchPaths {
		errs = append(errs, field.Invalid(p.Child("searches"), c.Searches, "must not have more than 32 search paths"))
	}
	if n := len(strings.Join(c.Searches, " ")); n > maxDNSSearchListChars {
		errs = append(errs, field.Invalid(p.Child("searches"), c.Searches, "must not have more than 2048 characters (including spaces) in the search list"))
	}
	for i, s := range c.Searches {
		if s == "." {
			continue // the root domain, allowed as the API server does
		}
		for _, msg := range validation.IsDNS1123Subdomain(strings.TrimSuffix(s, ".")) {
			errs = append(errs, field.Invalid(p.Child("searches").Index(i), s, msg))
		}
	}
	for i, o := range c.Options {
		if o.Name == "" {
			errs = append(errs, field.Required(p.Child("options").Index(i).Child("name"), "must not be empty"))
		}
	}
	return errs
}
