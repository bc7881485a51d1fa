package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsRefusesTimeOptions: --since and friends need timestamps raw logs lack; podctl says so
// instead of ignoring them (or failing with "flag provided but not defined").
func TestLogsRefusesTimeOptions(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock") // refused before any request
	for _, args := range [][]string{{"--since", "1h"}, {"--since-time", "2024-01-01T00:00:00Z"}, {"--timestamps"}} {
		_, stderr, code := podctl(t, sock, "", append([]string{"logs", "web"}, args...)...)
		if code == 0 || !strings.Contains(stderr, args[0]+" is not supported") || !strings.Contains(stderr, "timestamps") {
			t.Errorf("podctl logs web %s: exit %d, stderr %q; want a refusal naming the flag", strings.Join(args, " "), code, stderr)
		}
	}
}
