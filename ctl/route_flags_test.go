package ctl

import (
	"strings"
	"testing"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/internal/fakebackend"
)

// A bad value on a command line podd runs for podctl fails with a message naming the flag or
// field it came in, never a bare parse error; a field selector on pods, which podd cannot
// select by, is refused rather than ignored (it listed every pod before).
func TestCommandRouteNamesBadInput(t *testing.T) {
	b := fakebackend.New()
	sock := serveRooted(t, b)
	thinPodctl(t, sock, twoPods, "apply", "-f", "-")
	for line, want := range map[string]string{
		"logs web-sync --tail x":                              "--tail",
		"logs web-sync --since x":                             "--since",
		"logs web-sync --since -5s":                           "--since",
		"logs web-sync --since-time yesterday":                "--since-time",
		"logs web-sync --limit-bytes -1":                      "--limit-bytes",
		"wait pod web-sync --for condition=Ready --timeout x": "--timeout",
		"wait pod web-sync":                                   `"for"`,
		"get pods -o bogus":                                   `output format "bogus"`,
		"get pods -o jsonpath={.x":                            "jsonpath",
		"get pods -o custom-columns=A":                        "custom-columns",
		"get pods -l a=(":                                     "selector",
		"get events --field-selector x":                       "fieldSelector",
		"get pods --field-selector spec.containers=x":         "fieldSelector: field label not supported: spec.containers",
		"get pods --sort-by {.x":                              `"{.x"`,
		"delete pod web-sync --grace-period x":                "--grace-period",
		"run x --image i --restart Sometimes":                 "restart policy",
		"run x --image i --env A":                             "env",
		"run x --image i -l a":                                "label",
		"label pod web-sync =x":                               "label",
		"top pod --containers=maybe":                          "--containers",
		"get pods --bogus":                                    "--bogus",
		"get pods -n":                                         "-n",
		"-=x get pods":                                        "-=x",
	} {
		args := append([]string{"podctl"}, strings.Fields(line)...)
		_, errOut, code := postCommand(t, sock, wire.CommandRequest{Args: args})
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%s: %d %q, want an error naming %s", line, code, errOut, want)
		}
	}
}
