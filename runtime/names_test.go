package runtime

import (
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func namedPod(ns, name, uid string) *pod {
	p := &pod{rt: &Runtime{opts: Options{LogDir: "/var/log/pods"}}, obj: &corev1.Pod{}}
	p.obj.Namespace, p.obj.Name, p.obj.UID = ns, name, "0f5e8a3c-1b2d-4e6f-8a9b-0c1d2e3f4a5b"
	if uid != "" {
		p.obj.UID = types.UID(uid)
	}
	p.sandbox = p.rt.newSandbox(p.obj)
	return p
}

// TestLogDirFitsNameMax: kubelet's <ns>_<name>_<uid> when it fits in NAME_MAX (255), else a
// shortened name with a hash of the whole one, still unique by uid and stable.
func TestLogDirFitsNameMax(t *testing.T) {
	short := namedPod("default", "web", "")
	if got := filepath.Base(short.logDir()); got != "default_web_0f5e8a3c-1b2d-4e6f-8a9b-0c1d2e3f4a5b" {
		t.Errorf("short name: %q", got)
	}
	long := strings.Repeat("a", 250) + "-bcd"
	for _, ns := range []string{"default", strings.Repeat("n", 63)} {
		p := namedPod(ns, long[:253], "")
		base := filepath.Base(p.logDir())
		if len(base) > 255 {
			t.Errorf("ns %d chars: log dir %d bytes > NAME_MAX: %q", len(ns), len(base), base)
		}
		if !strings.HasPrefix(base, ns+"_aaaa") || !strings.HasSuffix(base, "_"+string(p.obj.UID)) {
			t.Errorf("log dir %q does not keep the namespace, the start of the name and the uid", base)
		}
		if base != filepath.Base(namedPod(ns, long[:253], "").logDir()) {
			t.Errorf("log dir not stable")
		}
		other := namedPod(ns, long[:252]+"x", "")
		if filepath.Base(other.logDir()) == base {
			t.Errorf("two names with the same start share %q", base)
		}
	}
}

// TestHostnameEndsAlphanumeric: a pod name cut to 63 characters ends with a letter or digit,
// as kubelet's truncation (trailing '-' and '.' dropped).
func TestHostnameEndsAlphanumeric(t *testing.T) {
	name := strings.Repeat("a", 61) + "-.b" + strings.Repeat("c", 100)
	h := namedPod("default", name, "").hostname()
	if h != strings.Repeat("a", 61) {
		t.Errorf("hostname %q", h)
	}
}
