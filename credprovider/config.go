// Package credprovider runs the kubelet's credential provider plugins (KEP-2133): the
// CredentialProviderConfig of --image-credential-provider-config names exec plugins in
// --image-credential-provider-bin-dir and the images each is for (matchImages); for such an
// image podd runs the plugin with a CredentialProviderRequest on stdin, reads the
// CredentialProviderResponse on stdout and caches its credentials as the kubelet does.
package credprovider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/podd/podd/rootfs"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kubeletconfigv1 "k8s.io/kubelet/config/v1"
	"sigs.k8s.io/yaml"
)

// The apiVersions the kubelet takes: of the config file, and of a plugin's request/response
// (all spell the same JSON).
var (
	configVersions  = []string{"kubelet.config.k8s.io/v1", "kubelet.config.k8s.io/v1beta1", "kubelet.config.k8s.io/v1alpha1"}
	requestVersions = []string{"credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1beta1",
		"credentialprovider.kubelet.k8s.io/v1alpha1"}
)

// Load reads and checks the CredentialProviderConfig file and finds each provider's plugin in
// binDir, as the kubelet does at start; an error names the file and the field.
func Load(file, binDir string) (*Providers, error) {
	cfg, err := readConfig(file)
	if err != nil {
		return nil, fmt.Errorf("credential provider config %s: %w", file, err)
	}
	if errs := validate(cfg); len(errs) > 0 {
		return nil, fmt.Errorf("credential provider config %s: %w", file, errs.ToAggregate())
	}
	if fi, err := os.Stat(binDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("credential provider bin dir %q: not a directory", binDir)
	}
	ps := &Providers{Timeout: DefaultTimeout}
	for i, c := range cfg.Providers {
		bin, err := exec.LookPath(filepath.Join(binDir, c.Name))
		if err != nil {
			return nil, fmt.Errorf("credential provider config %s: %s: no plugin executable in %s: %w", file,
				field.NewPath("providers").Index(i).Child("name"), binDir, err)
		}
		ps.list = append(ps.list, newProvider(c, bin))
	}
	return ps, nil
}

// DefaultTimeout bounds one run of a plugin: the kubelet's catch-all minute.
const DefaultTimeout = time.Minute

func readConfig(file string) (*kubeletconfigv1.CredentialProviderConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cfg kubeletconfigv1.CredentialProviderConfig
	if err := yaml.Unmarshal(data, &cfg.TypeMeta); err != nil {
		return nil, err
	}
	var errs field.ErrorList
	if !sets.New(configVersions...).Has(cfg.APIVersion) {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), cfg.APIVersion, configVersions))
	}
	if cfg.Kind != "CredentialProviderConfig" {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), cfg.Kind, []string{"CredentialProviderConfig"}))
	}
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// validate checks the config as the kubelet's validateCredentialProviderConfig does, naming
// each field with its index. tokenAttributes (service account tokens) is refused: there is no
// API server to issue them.
func validate(cfg *kubeletconfigv1.CredentialProviderConfig) field.ErrorList {
	var errs field.ErrorList
	if len(cfg.Providers) == 0 {
		errs = append(errs, field.Required(field.NewPath("providers"), "at least 1 item in plugins is required"))
	}
	seen := sets.New[string]()
	for i, c := range cfg.Providers {
		p := field.NewPath("providers").Index(i)
		errs = append(errs, validateName(p.Child("name"), c.Name, seen)...)
		if c.APIVersion == "" {
			errs = append(errs, field.Required(p.Child("apiVersion"), ""))
		} else if !sets.New(requestVersions...).Has(c.APIVersion) {
			errs = append(errs, field.NotSupported(p.Child("apiVersion"), c.APIVersion, requestVersions))
		}
		if len(c.MatchImages) == 0 {
			errs = append(errs, field.Required(p.Child("matchImages"), "at least 1 item in matchImages is required"))
		}
		for j, m := range c.MatchImages {
			if err := rootfs.CheckMatchImage(m); err != nil {
				errs = append(errs, field.Invalid(p.Child("matchImages").Index(j), m, "match image is invalid: "+err.Error()))
			}
		}
		if c.DefaultCacheDuration == nil {
			errs = append(errs, field.Required(p.Child("defaultCacheDuration"), ""))
		} else if c.DefaultCacheDuration.Duration < 0 {
			errs = append(errs, field.Invalid(p.Child("defaultCacheDuration"), c.DefaultCacheDuration.Duration.String(),
				"defaultCacheDuration must be greater than or equal to 0"))
		}
		if c.TokenAttributes != nil {
			errs = append(errs, field.Forbidden(p.Child("tokenAttributes"), "service account tokens need an API server: podd has none"))
		}
		for j, e := range c.Env {
			if e.Name == "" || strings.Contains(e.Name, "=") {
				errs = append(errs, field.Invalid(p.Child("env").Index(j).Child("name"), e.Name, "must be a variable name"))
			}
		}
	}
	return errs
}

func validateName(p *field.Path, name string, seen sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	switch {
	case name == "":
		errs = append(errs, field.Required(p, "the plugin's file name in the bin dir"))
	case strings.Contains(name, "/"):
		errs = append(errs, field.Invalid(p, name, "provider name cannot contain '/'"))
	case strings.Contains(name, " "):
		errs = append(errs, field.Invalid(p, name, "provider name cannot contain spaces"))
	case name == "." || name == "..":
		errs = append(errs, field.Invalid(p, name, fmt.Sprintf("provider name cannot be '%s'", name)))
	case seen.Has(name):
		errs = append(errs, field.Duplicate(p, name))
	}
	seen.Insert(name)
	return errs
}
