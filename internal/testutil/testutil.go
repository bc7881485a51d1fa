// Package testutil holds the few helpers shared by podd's tests.
package testutil

import (
	"os"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where a test that cannot run is a
// failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// RequireRoot stops a test that needs root: under CI it fails, elsewhere it skips, saying why.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root")
	}
}

// Unavailable stops a test whose feature (root, a kernel feature, a tool) is missing: a failure
// under CI=true, a skip elsewhere.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("cannot run under CI: %s", why)
	}
	t.Skipf("feature not available: %s", why)
}
