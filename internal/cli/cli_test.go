package cli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// testApp records what its one command saw.
func testApp(got *Context) *App {
	return &App{
		Name: "prog", UseShortOptionHandling: true,
		Flags: []Flag{
			&StringFlag{Name: "socket", EnvVars: []string{"CLI_TEST_SOCKET"}, Value: "/run/s"},
			&StringFlag{Name: "namespace", Aliases: []string{"n"}, Value: "default"},
		},
		Commands: []*Command{{
			Name: "exec",
			Flags: []Flag{
				&StringFlag{Name: "container", Aliases: []string{"c"}},
				&BoolFlag{Name: "stdin", Aliases: []string{"i"}},
				&BoolFlag{Name: "tty", Aliases: []string{"t"}},
				&Int64Flag{Name: "tail", Value: -1},
				&StringSliceFlag{Name: "env"},
			},
			Action: func(c *Context) error { *got = *c; return nil },
		}, {
			Name:   "apply",
			Flags:  []Flag{&StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Required: true}},
			Action: func(c *Context) error { *got = *c; return nil },
		}},
		Writer: &bytes.Buffer{}, ErrWriter: &bytes.Buffer{},
	}
}

func TestParse(t *testing.T) {
	var c Context
	args := strings.Fields("prog -n prod exec -it -c=web --tail -5 --env A=1,2 --env B=2 pod -- sh -c x")
	if err := testApp(&c).Run(args); err != nil {
		t.Fatal(err)
	}
	if c.String("namespace") != "prod" || !c.IsSet("namespace") || c.String("socket") != "/run/s" || c.IsSet("socket") {
		t.Errorf("globals: ns %q socket %q", c.String("namespace"), c.String("socket"))
	}
	if !c.Bool("stdin") || !c.Bool("tty") || c.String("container") != "web" || c.Int64("tail") != -5 {
		t.Errorf("command flags: i=%v t=%v c=%q tail=%d", c.Bool("stdin"), c.Bool("tty"), c.String("container"), c.Int64("tail"))
	}
	if got := c.StringSlice("env"); !reflect.DeepEqual(got, []string{"A=1,2", "B=2"}) {
		t.Errorf("env %q", got)
	}
	if got := c.Args().Slice(); !reflect.DeepEqual(got, strings.Fields("pod -- sh -c x")) {
		t.Errorf("args %q", got)
	}
}

func TestDoubleDashEndsFlags(t *testing.T) {
	var c Context
	if err := testApp(&c).Run(strings.Fields("prog exec -i -- -c x")); err != nil {
		t.Fatal(err)
	}
	if got := c.Args().Slice(); !reflect.DeepEqual(got, []string{"-c", "x"}) || c.String("container") != "" {
		t.Errorf("args %q container %q", got, c.String("container"))
	}
}

func TestEnvVar(t *testing.T) {
	t.Setenv("CLI_TEST_SOCKET", "/env/s")
	var c Context
	if err := testApp(&c).Run(strings.Fields("prog exec pod")); err != nil {
		t.Fatal(err)
	}
	if c.String("socket") != "/env/s" {
		t.Errorf("socket %q", c.String("socket"))
	}
	if err := testApp(&c).Run(strings.Fields("prog --socket /flag/s exec pod")); err != nil || c.String("socket") != "/flag/s" {
		t.Errorf("the flag does not win over the environment: %q %v", c.String("socket"), err)
	}
}

func TestErrors(t *testing.T) {
	var c Context
	for args, want := range map[string]string{
		"prog apply":           `required flag "filename" not set`,
		"prog nope":            `unknown command "nope" for "prog"`,
		"prog exec --bogus x":  "unknown flag: --bogus", // kubectl's words (issue 9)
		"prog exec --tail x p": `invalid value "x" for flag --tail`,
		"prog exec -c":         "flag needs an argument: -c",
		"prog exec -ix pod":    "unknown shorthand flag: 'x' in -ix",
		"prog exec -=x pod":    "bad flag syntax: -=x", // a panic before (FuzzCommandRoute)
		"prog -= exec pod":     "bad flag syntax: -=",
	} {
		err := testApp(&c).Run(strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", args, err, want)
		}
	}
}

func TestHelp(t *testing.T) {
	var c Context
	for _, args := range []string{"prog", "prog --help", "prog help", "prog exec -h", "prog help exec"} {
		a := testApp(&c)
		out := a.Writer.(*bytes.Buffer)
		if err := a.Run(strings.Fields(args)); err != nil || !strings.Contains(out.String(), "USAGE:") {
			t.Errorf("%s: %v\n%s", args, err, out)
		}
		if strings.Contains(args, "exec") && !strings.Contains(out.String(), "--container value, -c value") {
			t.Errorf("%s: no flags listed\n%s", args, out)
		}
	}
}

// A hidden command runs, and the app's help does not list it.
func TestHiddenCommand(t *testing.T) {
	var c Context
	a := testApp(&c)
	a.Commands = append(a.Commands, &Command{Name: "secret-half", Hidden: true, Action: func(*Context) error { return nil }})
	out := a.Writer.(*bytes.Buffer)
	if err := a.Run([]string{"prog", "--help"}); err != nil || strings.Contains(out.String(), "secret-half") || !strings.Contains(out.String(), "exec") {
		t.Errorf("help: %v\n%s", err, out)
	}
	if err := a.Run([]string{"prog", "secret-half"}); err != nil {
		t.Errorf("the hidden command: %v", err)
	}
}
