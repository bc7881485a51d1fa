// Package cli is podctl's command line: an app with global flags and commands, each with flags
// and positional arguments, in the shape of the subset of github.com/urfave/cli/v2 podctl used.
// It replaces that module in podctl because urfave/cli prints its help with text/template,
// whose calls of reflect.Value.MethodByName make the linker keep every exported method of every
// linked type: with the k8s.io/api types, 8 MB of podctl's 22 MB and a slower start.
//
// Parsing follows the standard flag package, as urfave/cli does: flags first (-f v, -f=v,
// --flag v, --flag=v; a bool flag takes no separate value), up to the first positional argument
// or "--", which is dropped; with UseShortOptionHandling, -it is -i -t.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// App is the program: global flags and commands.
type App struct {
	Name, Usage string
	// HideVersion, DisableSliceFlagSeparator: kept for the shape; this package has no version
	// flag and never splits slice values.
	HideVersion               bool
	UseShortOptionHandling    bool
	DisableSliceFlagSeparator bool
	ExitErrHandler            func(*Context, error) // unused: Run returns every error
	Flags                     []Flag
	Commands                  []*Command

	Reader            io.Reader
	Writer, ErrWriter io.Writer
	// Context is the actions' context; nil: context.Background().
	Context context.Context
}

// Command is one subcommand.
type Command struct {
	Name, Usage, ArgsUsage string
	Flags                  []Flag
	Action                 func(*Context) error
	Hidden                 bool // left out of the help and the completion scripts
}

// Command returns the command called name, or nil.
func (a *App) Command(name string) *Command {
	for _, c := range a.Commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Run parses args (args[0] is the program name) and runs the command they name.
func (a *App) Run(args []string) error {
	a.defaults()
	global := newFlagSet(a.Flags, a.UseShortOptionHandling)
	rest, err := global.parse(args[1:])
	if errors.Is(err, errHelp) || (err == nil && len(rest) == 0) {
		return a.printHelp()
	}
	if err != nil {
		return err
	}
	if rest[0] == "help" {
		return a.help(rest[1:])
	}
	cmd := a.Command(rest[0])
	if cmd == nil {
		return fmt.Errorf("unknown command %q for %q", rest[0], a.Name)
	}
	local := newFlagSet(cmd.Flags, a.UseShortOptionHandling)
	positional, err := local.parse(rest[1:])
	if errors.Is(err, errHelp) {
		return a.printCommandHelp(cmd)
	}
	if err != nil {
		return err
	}
	base := a.Context
	if base == nil {
		base = context.Background()
	}
	ctx := &Context{Context: base, App: a, sets: []*flagSet{local, global}, args: positional, Argv: args}
	if err := ctx.checkRequired(); err != nil {
		return err
	}
	if cmd.Action == nil {
		return nil
	}
	return cmd.Action(ctx)
}

func (a *App) defaults() {
	if a.Reader == nil {
		a.Reader = os.Stdin
	}
	if a.Writer == nil {
		a.Writer = os.Stdout
	}
	if a.ErrWriter == nil {
		a.ErrWriter = os.Stderr
	}
}

func (a *App) help(args []string) error {
	if len(args) == 0 {
		return a.printHelp()
	}
	cmd := a.Command(args[0])
	if cmd == nil {
		return fmt.Errorf("no help topic for %q", args[0])
	}
	return a.printCommandHelp(cmd)
}

// Context is what an action gets: the flags of its command and the global ones, and its
// positional arguments.
type Context struct {
	Context context.Context
	App     *App
	sets    []*flagSet // the command's first, then the global flags
	args    []string
	// Argv is the whole command line Run was given (program name first).
	Argv []string
}

// Args are the positional arguments.
func (c *Context) Args() Args { return Args(c.args) }

// NArg is the number of positional arguments.
func (c *Context) NArg() int { return len(c.args) }

// String is the value of a string flag ("" if there is none called name).
func (c *Context) String(name string) string {
	if v, ok := c.lookup(name).(*stringValue); ok {
		return v.v
	}
	return ""
}

// Bool is the value of a bool flag.
func (c *Context) Bool(name string) bool {
	if v, ok := c.lookup(name).(*boolValue); ok {
		return v.v
	}
	return false
}

// Int64 is the value of an int64 flag.
func (c *Context) Int64(name string) int64 {
	if v, ok := c.lookup(name).(*int64Value); ok {
		return v.v
	}
	return 0
}

// StringSlice is every value given to a repeatable string flag, in order.
func (c *Context) StringSlice(name string) []string {
	if v, ok := c.lookup(name).(*sliceValue); ok {
		return v.v
	}
	return nil
}

// IsSet reports whether the flag was given on the command line (or, for a flag with EnvVars,
// in the environment).
func (c *Context) IsSet(name string) bool {
	for _, s := range c.sets {
		if f := s.byName[name]; f != nil {
			return s.set[f]
		}
	}
	return false
}

func (c *Context) lookup(name string) value {
	for _, s := range c.sets {
		if f := s.byName[name]; f != nil {
			return s.values[f]
		}
	}
	return nil
}

func (c *Context) checkRequired() error {
	for _, s := range c.sets {
		for _, f := range s.flags {
			if f.required() && !s.set[f] {
				return fmt.Errorf("required flag %q not set", f.Names()[0])
			}
		}
	}
	return nil
}

// Args are positional arguments.
type Args []string

// Slice returns them.
func (a Args) Slice() []string { return a }

// Present reports whether there is at least one.
func (a Args) Present() bool { return len(a) > 0 }

// First is the first, or "".
func (a Args) First() string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}

// Len is their number.
func (a Args) Len() int { return len(a) }
