package credprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	credentialproviderv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
)

// exec runs p's plugin for image, as the kubelet does: `ENV=... <bin-dir>/<name> args...`
// with podd's environment and the provider's env, a CredentialProviderRequest on stdin, the
// response on stdout, within ps.Timeout. A failure says how it ended and what the plugin
// wrote on stderr; the response is never quoted (it holds credentials).
func (ps *Providers) exec(p *provider, image string) (*credentialproviderv1.CredentialProviderResponse, error) {
	req, err := json.Marshal(credentialproviderv1.CredentialProviderRequest{
		TypeMeta: metav1.TypeMeta{APIVersion: p.cfg.APIVersion, Kind: "CredentialProviderRequest"}, Image: image})
	if err != nil {
		return nil, fmt.Errorf("encode the request: %w", err)
	}
	timeout := ps.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.Command(p.bin, p.cfg.Args...)
	cmd.Env = os.Environ()
	for _, e := range p.cfg.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	out, err := ps.run(ctx, cmd, req)
	if err != nil {
		return nil, fmt.Errorf("error execing credential provider plugin %s for image %s: %w", p.cfg.Name, image, err)
	}
	return decodeResponse(out, p.cfg.APIVersion)
}

// errNoResponse is a response that does not decode: its text is never quoted (it may hold
// credentials).
var errNoResponse = errors.New("error decoding credential provider plugin response from stdout")

// decodeResponse checks the response's apiVersion (the request's) and kind, and decodes it
// strictly, as the kubelet's codecs do.
func decodeResponse(out []byte, apiVersion string) (*credentialproviderv1.CredentialProviderResponse, error) {
	var tm metav1.TypeMeta
	if err := json.Unmarshal(out, &tm); err != nil {
		return nil, fmt.Errorf("error reading GVK from response: %w", errNoResponse)
	}
	if tm.APIVersion != apiVersion {
		return nil, fmt.Errorf("apiVersion from credential plugin response did not match expected apiVersion:%s, actual apiVersion:%s",
			apiVersion, tm.APIVersion)
	}
	if tm.Kind != "CredentialProviderResponse" {
		return nil, fmt.Errorf("failed to decode CredentialProviderResponse, unexpected Kind: %q", tm.Kind)
	}
	var resp credentialproviderv1.CredentialProviderResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		return nil, errNoResponse
	}
	switch resp.CacheKeyType {
	case credentialproviderv1.ImagePluginCacheKeyType, credentialproviderv1.RegistryPluginCacheKeyType,
		credentialproviderv1.GlobalPluginCacheKeyType:
	default:
		return nil, fmt.Errorf("credential provider plugin did not return a valid cacheKeyType: %q", resp.CacheKeyType)
	}
	return &resp, nil
}

// stderrTail is what a failure quotes of the plugin's stderr, at most.
const stderrTail = 1 << 10

// quoteStderr is the end of the plugin's stderr on one line.
func quoteStderr(b []byte) string {
	if len(b) > stderrTail {
		b = b[len(b)-stderrTail:]
	}
	return strings.Join(strings.Fields(string(b)), " ")
}
