package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// podd parses its command line with the standard library's flag package, not a CLI framework:
// urfave/cli prints its help through text/template, and a binary that links text/template
// (whose method calls by name the linker cannot resolve) keeps every exported method of every
// type in it: 4.6 MB more of podd's 26 MB to map (TestPoddLinksNoTemplate).

// command is podd's command line: its flags and what runs once they are parsed.
type command struct {
	Name, Usage string
	Flags       []option
	Action      func(*config) error
}

// option is one flag: its names (aliases after the first share its value), its default (a
// string, []string, bool, int or int64: the flag's type) and its usage line.
type option struct {
	names []string
	value any
	usage string
}

// config is the parsed command line.
type config struct{ fs *flag.FlagSet }

// exitStatus is an error that ends podd with this status and no message (the --run script's).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// flagSet makes a FlagSet holding the command's flags with their defaults.
func (c *command) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(out)
	for _, o := range c.Flags {
		v := newValue(o.value)
		for _, n := range o.names {
			fs.Var(v, n, o.usage)
		}
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [flags]\n\n%s\n\nflags:\n", c.Name, c.Usage)
		fs.PrintDefaults()
	}
	return fs
}

// Run parses args (args[0] is the program) and runs the action; --help prints the flags.
func (c *command) Run(args []string) error {
	fs := c.flagSet(io.Discard) // an error is podd's to print, once
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.Usage()
			return nil
		}
		return fmt.Errorf("%w (podd --help lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (podd takes flags only: podd --help)", fs.Arg(0))
	}
	return c.Action(&config{fs: fs})
}

func (c *config) get(name string) any {
	f := c.fs.Lookup(name)
	if f == nil {
		panic("podd: no flag --" + name)
	}
	return f.Value.(flag.Getter).Get()
}

func (c *config) String(name string) string        { return c.get(name).(string) }
func (c *config) StringSlice(name string) []string { return c.get(name).([]string) }
func (c *config) Bool(name string) bool            { return c.get(name).(bool) }
func (c *config) Int(name string) int              { return int(c.get(name).(int64)) }
func (c *config) Int64(name string) int64          { return c.get(name).(int64) }

// newValue makes a flag.Value holding def. The scalar kinds come from a throwaway FlagSet
// (flag's own parsing, as podd's earlier flags had); int flags hold an int64.
func newValue(def any) flag.Value {
	scratch := flag.NewFlagSet("", flag.ContinueOnError)
	switch d := def.(type) {
	case string:
		scratch.String("v", d, "")
	case bool:
		scratch.Bool("v", d, "")
	case int:
		scratch.Int64("v", int64(d), "")
	case int64:
		scratch.Int64("v", d, "")
	case []string:
		return &stringList{values: d}
	default:
		panic(fmt.Sprintf("podd: flag default of type %T", def))
	}
	return scratch.Lookup("v").Value
}

// stringList is a repeatable flag: the first use replaces the default, each use adds its
// comma-separated values.
type stringList struct {
	values []string
	set    bool
}

func (s *stringList) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.values, ",")
}

func (s *stringList) Set(v string) error {
	if !s.set {
		s.values, s.set = nil, true
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.values = append(s.values, p)
		}
	}
	return nil
}

func (s *stringList) Get() any { return s.values }
