package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podd/podd/internal/testutil"
	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestCheckStateDirs(t *testing.T) {
	base := t.TempDir()
	root, run, logs := filepath.Join(base, "lib/podd"), filepath.Join(base, "run/podd"), filepath.Join(base, "log/pods")
	for _, d := range []string{root, run, logs, filepath.Join(base, "lib/other"), filepath.Join(base, "srv")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"srv/state": root, "srv/up": "../lib", "srv/sock": run} {
		if err := os.Symlink(target, filepath.Join(base, link)); err != nil {
			t.Fatal(err)
		}
	}
	dirs := []stateDir{{root, "podd's state directory"}, {run, "podd's run directory (API socket)"}, {logs, "podd's log directory"}}
	fp := field.NewPath("spec", "volumes").Index(0).Child("hostPath", "path")
	for path, want := range map[string]string{
		root:                             "is podd's state directory " + root,
		root + "/pods/x":                 "is inside podd's state directory",
		root + "/not/yet":                "is inside podd's state directory",
		filepath.Join(base, "lib"):       "is an ancestor of podd's state directory",
		"/":                              "is an ancestor of podd's state directory",
		run + "/podd.sock":               "is inside podd's run directory (API socket)",
		logs:                             "is podd's log directory",
		filepath.Join(base, "srv/state"): "is podd's state directory",
		base + "/srv/up/podd/images":     "is inside podd's state directory",
		base + "/srv/up":                 "is an ancestor of podd's state directory",
		base + "/srv/sock/ns":            "is inside podd's run directory",
		base + "/lib/other":              "",
		base + "/lib/other/new":          "",
		base + "/srv":                    "",
		base + "/lib/podd2":              "",
	} {
		err := checkStateDirs(path, dirs, fp)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v, want allowed", path, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) ||
			!strings.HasPrefix(err.Error(), "spec.volumes[0].hostPath.path: Forbidden: ")):
			t.Errorf("%s: %v, want Forbidden ...%s", path, err, want)
		}
	}
}

// A bind mount of the state directory elsewhere is the same directory.
func TestCheckStateDirsBindAlias(t *testing.T) {
	testutil.RequireRoot(t)
	base := t.TempDir()
	root, alias := filepath.Join(base, "podd"), filepath.Join(base, "alias")
	for _, d := range []string{root + "/pods", alias} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	err := testutil.InMountNS(func() error {
		if err := unix.Mount(root, alias, "", unix.MS_BIND, ""); err != nil {
			return err
		}
		dirs := []stateDir{{root, "podd's state directory"}}
		return checkStateDirs(alias+"/pods", dirs, field.NewPath("p"))
	})
	if err == nil || !strings.Contains(err.Error(), "is inside podd's state directory") {
		t.Errorf("bind alias of the state directory: %v, want Forbidden", err)
	}
}
