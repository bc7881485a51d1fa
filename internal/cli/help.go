package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// printHelp writes the app's help to Writer.
func (a *App) printHelp() error {
	w := tabwriter.NewWriter(a.Writer, 1, 8, 2, ' ', 0)
	fmt.Fprintf(w, "NAME:\n   %s - %s\n\n", a.Name, a.Usage)
	fmt.Fprintf(w, "USAGE:\n   %s [global options] command [command options] [arguments...]\n\n", a.Name)
	fmt.Fprintf(w, "COMMANDS:\n")
	for _, c := range a.Commands {
		if !c.Hidden {
			fmt.Fprintf(w, "   %s\t%s\n", c.Name, c.Usage)
		}
	}
	fmt.Fprintf(w, "   help\tshow the help of podctl or of a command\n\nGLOBAL OPTIONS:\n")
	printFlags(w, a.Flags)
	return w.Flush()
}

// printCommandHelp writes a command's help to Writer.
func (a *App) printCommandHelp(c *Command) error {
	w := tabwriter.NewWriter(a.Writer, 1, 8, 2, ' ', 0)
	fmt.Fprintf(w, "NAME:\n   %s %s - %s\n\n", a.Name, c.Name, c.Usage)
	usage := a.Name + " " + c.Name
	if len(c.Flags) > 0 {
		usage += " [command options]"
	}
	if c.ArgsUsage != "" && strings.TrimSpace(c.ArgsUsage) != "" {
		usage += " " + c.ArgsUsage
	}
	fmt.Fprintf(w, "USAGE:\n   %s\n\nOPTIONS:\n", usage)
	printFlags(w, c.Flags)
	return w.Flush()
}

func printFlags(w *tabwriter.Writer, flags []Flag) {
	for _, f := range flags {
		if h, ok := f.(interface{ hidden() bool }); ok && h.hidden() {
			continue
		}
		var names []string
		for _, n := range f.Names() {
			dashes := "--"
			if len(n) == 1 {
				dashes = "-"
			}
			if df, ok := f.(DocGenerationFlag); ok && df.TakesValue() {
				n += " value"
			}
			names = append(names, dashes+n)
		}
		fmt.Fprintf(w, "   %s\t%s\n", strings.Join(names, ", "), f.usage())
	}
	fmt.Fprintf(w, "   --help, -h\tshow help\n")
}
