package credprovider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	kubeletconfigv1 "k8s.io/kubelet/config/v1"
	credentialproviderv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
)

// countingPlugin answers with user/pass for every registry of example.com, counting its runs
// in a file and keeping the last request.
func countingPlugin(dir, response string) string {
	return fmt.Sprintf(`cat > %[1]s/request
echo run >> %[1]s/runs
echo "$A $1" > %[1]s/argenv
cat <<'END'
%[2]s
END
`, dir, response)
}

func loadOne(t *testing.T, script, cacheDuration string) (*Providers, string) {
	t.Helper()
	bin := t.TempDir()
	writePlugin(t, bin, "test-plugin", script)
	cfg := strings.Replace(goodProvider, "10m", cacheDuration, 1)
	ps, err := Load(writeConfig(t, "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:"+cfg), bin)
	if err != nil {
		t.Fatal(err)
	}
	return ps, bin
}

func lookup(t *testing.T, ps *Providers, image string) (string, error) {
	t.Helper()
	ref, err := name.ParseReference(image)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := ps.Lookup(context.Background(), ref.Context())
	var users []string
	for _, c := range creds {
		users = append(users, c.Username+":"+c.Password+" from "+c.From)
	}
	return strings.Join(users, ", "), err
}

func runs(t *testing.T, dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "runs"))
	return strings.Count(string(b), "run")
}

const response = `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse",
"cacheKeyType":"%s",%s"auth":{"*.example.com":{"username":"u","password":"p"}}}`

// The plugin gets the request on stdin, its args and env; its credentials are cached by its
// cacheKeyType for its cacheDuration or the provider's default, as the kubelet caches them.
func TestLookupRunsAndCaches(t *testing.T) {
	state := t.TempDir()
	ps, _ := loadOne(t, countingPlugin(state, fmt.Sprintf(response, "Registry", "")), "10m")
	got, err := lookup(t, ps, "reg.example.com/app:1")
	if want := `u:p from credential provider "test-plugin"`; err != nil || got != want {
		t.Fatalf("credentials %q (%v), want %q", got, err, want)
	}
	req, _ := os.ReadFile(filepath.Join(state, "request"))
	want := `{"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"reg.example.com/app"}`
	if string(req) != want {
		t.Errorf("request %s, want %s", req, want)
	}
	if b, _ := os.ReadFile(filepath.Join(state, "argenv")); string(b) != "b --flag\n" {
		t.Errorf("env and args %q", b)
	}
	if got, _ := lookup(t, ps, "reg.example.com/other:2"); got == "" || runs(t, state) != 1 {
		t.Errorf("same registry: %q after %d runs, want the cached credentials", got, runs(t, state))
	}
	if got, _ := lookup(t, ps, "ghcr.io/app"); got != "" || runs(t, state) != 1 {
		t.Errorf("an image matchImages does not match: %q, %d runs", got, runs(t, state))
	}
	if got, _ := lookup(t, ps, "127.0.0.1:5000/team/app"); got != "" || runs(t, state) != 2 {
		t.Errorf("a matching image the response has no auth key for: %q, %d runs", got, runs(t, state))
	}

	state = t.TempDir() // cacheDuration 0: every lookup runs the plugin
	ps, _ = loadOne(t, countingPlugin(state, fmt.Sprintf(response, "Image", `"cacheDuration":"0s",`)), "10m")
	lookup(t, ps, "reg.example.com/app")
	lookup(t, ps, "reg.example.com/app")
	if runs(t, state) != 2 {
		t.Errorf("cacheDuration 0s: %d runs, want 2", runs(t, state))
	}
	state = t.TempDir() // no cacheDuration, defaultCacheDuration 0: not cached either
	ps, _ = loadOne(t, countingPlugin(state, fmt.Sprintf(response, "Global", "")), "0s")
	lookup(t, ps, "reg.example.com/app")
	lookup(t, ps, "x.example.com/app")
	if runs(t, state) != 2 {
		t.Errorf("defaultCacheDuration 0s: %d runs, want 2", runs(t, state))
	}
}

// An expired entry is not used.
func TestCacheExpires(t *testing.T) {
	p := newProvider(parsedProvider(t), "/bin/true")
	now := time.Now()
	p.store("reg.example.com/app", mustDecode(t, fmt.Sprintf(response, "Global", `"cacheDuration":"1m",`)), nil, now)
	if _, ok := p.cached("other.example.com/x", now.Add(30*time.Second)); !ok {
		t.Error("a Global entry is not found for another image")
	}
	if _, ok := p.cached("other.example.com/x", now.Add(2*time.Minute)); ok {
		t.Error("an expired entry was used")
	}
}

// A plugin that fails, times out or answers wrongly is an error naming the provider and
// quoting its stderr; never a credential.
func TestPluginFailures(t *testing.T) {
	for script, want := range map[string]string{
		"echo 'token service down' >&2; exit 3\n":           `credential provider "test-plugin": error execing credential provider plugin test-plugin for image reg.example.com/app: exit status 3: token service down`,
		"echo started >&2; exec sleep 60\n":                 "context deadline exceeded (killed): started",
		"echo '{\"apiVersion\":\"v9\"}'\n":                  "did not match expected apiVersion",
		"echo 'not json'\n":                                 "error decoding credential provider plugin response",
		"echo '" + fmt.Sprintf(response, "Pod", "") + "'\n": `did not return a valid cacheKeyType: "Pod"`,
	} {
		ps, _ := loadOne(t, "cat >/dev/null\n"+script, "10m")
		ps.Timeout = time.Second
		got, err := lookup(t, ps, "reg.example.com/app")
		if got != "" || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plugin %q: credentials %q, error %v, want %q", script, got, err, want)
		}
	}
}

func parsedProvider(t *testing.T) kubeletconfigv1.CredentialProvider {
	t.Helper()
	cfg, err := readConfig(writeConfig(t, "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders:"+goodProvider))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Providers[0]
}

func mustDecode(t *testing.T, text string) *credentialproviderv1.CredentialProviderResponse {
	t.Helper()
	resp, err := decodeResponse([]byte(text), "credentialprovider.kubelet.k8s.io/v1")
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
