package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Flag is a command line flag.
type Flag interface {
	// Names are the flag's name and its aliases.
	Names() []string
	newValue() value
	required() bool
	usage() string
}

// DocGenerationFlag is a flag that tells whether it takes a value (a bool flag does not).
type DocGenerationFlag interface {
	Flag
	TakesValue() bool
}

// StringFlag takes a string; EnvVars name environment variables that give it when the command
// line does not.
type StringFlag struct {
	Name     string
	Aliases  []string
	Usage    string
	EnvVars  []string
	Value    string
	Required bool
}

// BoolFlag is a switch; Value is its default (--flag=false turns a true one off). Hidden keeps
// it out of the help (a flag podctl passes podd, not one for users).
type BoolFlag struct {
	Name    string
	Aliases []string
	Usage   string
	Value   bool
	Hidden  bool
}

func (f *BoolFlag) hidden() bool { return f.Hidden }

// Int64Flag takes an integer.
type Int64Flag struct {
	Name    string
	Aliases []string
	Usage   string
	Value   int64
}

// StringSliceFlag takes a string each time it is given.
type StringSliceFlag struct {
	Name     string
	Aliases  []string
	Usage    string
	Required bool
}

func (f *StringFlag) Names() []string      { return append([]string{f.Name}, f.Aliases...) }
func (f *BoolFlag) Names() []string        { return append([]string{f.Name}, f.Aliases...) }
func (f *Int64Flag) Names() []string       { return append([]string{f.Name}, f.Aliases...) }
func (f *StringSliceFlag) Names() []string { return append([]string{f.Name}, f.Aliases...) }

func (f *StringFlag) TakesValue() bool      { return true }
func (f *BoolFlag) TakesValue() bool        { return false }
func (f *Int64Flag) TakesValue() bool       { return true }
func (f *StringSliceFlag) TakesValue() bool { return true }

func (f *StringFlag) required() bool      { return f.Required }
func (f *BoolFlag) required() bool        { return false }
func (f *Int64Flag) required() bool       { return false }
func (f *StringSliceFlag) required() bool { return f.Required }

func (f *StringFlag) usage() string {
	s := f.Usage
	if f.Value != "" {
		s += fmt.Sprintf(" (default: %q)", f.Value)
	}
	for _, e := range f.EnvVars {
		s += " [$" + e + "]"
	}
	return s
}
func (f *BoolFlag) usage() string        { return f.Usage }
func (f *Int64Flag) usage() string       { return fmt.Sprintf("%s (default: %d)", f.Usage, f.Value) }
func (f *StringSliceFlag) usage() string { return f.Usage + " (repeatable)" }

func (f *StringFlag) newValue() value {
	v := &stringValue{v: f.Value}
	for _, e := range f.EnvVars {
		if s, ok := os.LookupEnv(e); ok {
			v.v, v.fromEnv = s, true
			break
		}
	}
	return v
}
func (f *BoolFlag) newValue() value        { return &boolValue{v: f.Value} }
func (f *Int64Flag) newValue() value       { return &int64Value{v: f.Value} }
func (f *StringSliceFlag) newValue() value { return &sliceValue{} }

// value holds what a flag was given.
type value interface{ set(string) error }

type stringValue struct {
	v       string
	fromEnv bool
}
type boolValue struct{ v bool }
type int64Value struct{ v int64 }
type sliceValue struct{ v []string }

func (s *stringValue) set(v string) error { s.v = v; return nil }
func (s *sliceValue) set(v string) error  { s.v = append(s.v, v); return nil }

func (b *boolValue) set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("must be true or false")
	}
	b.v = x
	return nil
}

func (n *int64Value) set(v string) error {
	x, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		return errors.New("must be an integer")
	}
	n.v = x
	return nil
}

// errHelp is what parse returns for -h or --help.
var errHelp = errors.New("help requested")

// flagSet parses one level of flags (the global ones, or a command's).
type flagSet struct {
	flags  []Flag
	byName map[string]Flag
	values map[Flag]value
	set    map[Flag]bool
	short  bool // -it is -i -t
}

func newFlagSet(flags []Flag, short bool) *flagSet {
	s := &flagSet{flags: flags, byName: map[string]Flag{}, values: map[Flag]value{}, set: map[Flag]bool{}, short: short}
	for _, f := range flags {
		for _, n := range f.Names() {
			s.byName[n] = f
		}
		v := f.newValue()
		s.values[f] = v
		if sv, ok := v.(*stringValue); ok && sv.fromEnv {
			s.set[f] = true
		}
	}
	return s
}

// parse reads flags from args up to the first positional argument or "--" (dropped) and
// returns what follows.
func (s *flagSet) parse(args []string) ([]string, error) {
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			return args[1:], nil
		}
		if len(a) < 2 || a[0] != '-' {
			return args, nil
		}
		n, err := s.flag(args)
		if err != nil {
			return nil, err
		}
		args = args[n:]
	}
	return args, nil
}

// flag parses the flag at args[0] and returns how many arguments it took.
func (s *flagSet) flag(args []string) (int, error) {
	a := args[0]
	name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if name == "h" || name == "help" {
		return 0, errHelp
	}
	f := s.byName[name]
	if f == nil {
		if s.short && !hasVal && a[1] != '-' && s.allBools(name) {
			for _, c := range name {
				s.set[s.byName[string(c)]] = true
				s.values[s.byName[string(c)]].(*boolValue).v = true
			}
			return 1, nil
		}
		return 0, s.unknown(a, name)
	}
	n := 1
	if _, isBool := s.values[f].(*boolValue); isBool && !hasVal {
		val = "true"
	} else if !hasVal {
		if len(args) < 2 {
			return 0, fmt.Errorf("flag needs an argument: %s", a)
		}
		val, n = args[1], 2
	}
	if err := s.values[f].set(val); err != nil {
		return 0, fmt.Errorf("invalid value %q for flag %s: %v", val, a, err)
	}
	s.set[f] = true
	return n, nil
}

// allBools reports whether every letter of name is a bool flag (a group of short options).
func (s *flagSet) allBools(name string) bool {
	for _, c := range name {
		f := s.byName[string(c)]
		if f == nil {
			return false
		}
		if _, ok := s.values[f].(*boolValue); !ok {
			return false
		}
	}
	return len(name) > 1
}

// unknown is kubectl's (pflag's) error for a flag it does not know: "unknown flag: --x" for a
// long one, "unknown shorthand flag: 'x' in -ix" for the first unknown letter of a short one.
func (s *flagSet) unknown(arg, name string) error {
	if name == "" { // "-=x", "--=": pflag's words; the letter loop below had none to name
		return fmt.Errorf("bad flag syntax: %s", arg)
	}
	if strings.HasPrefix(arg, "--") {
		return fmt.Errorf("unknown flag: --%s", name)
	}
	for _, c := range name {
		if s.byName[string(c)] == nil {
			return fmt.Errorf("unknown shorthand flag: '%c' in %s", c, arg)
		}
	}
	return fmt.Errorf("unknown shorthand flag: '%c' in %s", []rune(name)[0], arg)
}
