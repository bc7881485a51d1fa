package local

import (
	"fmt"
	"strings"

	"github.com/podd/podd/internal/cli"
)

// hoistFlags reorders args so that kubectl habits parse with package cli, which stops at the first
// positional argument: global flags (-n) move before the command, the command's flags before its
// positional arguments. Nothing after "--" moves.
//
//	podctl logs web -f -n prod  ->  podctl -n prod logs -f web
//
// A flag that takes a value and ends the line has none: an error, where moved before the
// command it took the command's name (get pods -n: unknown command "pods"; get pods web -l:
// the pod "web" selected by the label "pods").
func HoistFlags(app *cli.App, args []string) ([]string, error) {
	if len(args) == 0 {
		return args, nil
	}
	s := argSorter{app: app, globals: valueFlags(app.Flags)}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			s.positional = append(s.positional, args[i:]...)
			i = len(args)
		case isFlag(a):
			n := s.flag(args[i:])
			if n == 0 {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i += n - 1
		default:
			s.arg(a)
		}
	}
	return joinArgs(args[0], s.global, s.local, s.positional), nil
}

// argSorter sorts arguments into global flags, the command's flags and positional arguments.
type argSorter struct {
	app                       *cli.App
	globals, cmdFlags         map[string]bool // flag name -> takes a value
	cmdFound                  bool
	global, local, positional []string
}

func (s *argSorter) arg(a string) {
	if !s.cmdFound {
		if cmd := s.app.Command(a); cmd != nil {
			s.cmdFound, s.cmdFlags = true, valueFlags(cmd.Flags)
		}
	}
	s.positional = append(s.positional, a)
}

// flag takes the flag at args[0], with its value if it takes one, and returns how many
// arguments it took (0: it takes a value and none follows). Flags before the command, and
// unknown ones there, are global.
func (s *argSorter) flag(args []string) int {
	name := flagName(args[0])
	takes, isGlobal := s.globals[name]
	dst := &s.local
	if isGlobal || !s.cmdFound {
		dst = &s.global
	} else {
		takes = s.cmdFlags[name]
	}
	n := 1
	if takes && !strings.Contains(args[0], "=") {
		if len(args) == 1 {
			return 0
		}
		n = 2
	}
	*dst = append(*dst, args[:n]...)
	return n
}

// joinArgs puts the command name (the first positional) before the command's flags.
func joinArgs(prog string, global, local, positional []string) []string {
	out := append([]string{prog}, global...)
	if len(positional) == 0 {
		return append(out, local...)
	}
	out = append(out, positional[0])
	out = append(out, local...)
	return append(out, positional[1:]...)
}

// valueFlags maps every name of every flag to whether it takes a value.
func valueFlags(flags []cli.Flag) map[string]bool {
	m := map[string]bool{}
	for _, f := range flags {
		takes := true
		if df, ok := f.(cli.DocGenerationFlag); ok {
			takes = df.TakesValue()
		}
		for _, name := range f.Names() {
			m[name] = takes
		}
	}
	return m
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

func flagName(a string) string {
	name := strings.TrimLeft(a, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		name = name[:i]
	}
	return name
}
