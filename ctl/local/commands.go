package local

import "github.com/podd/podd/internal/cli"

// Commands is podctl's command tree, in the order help lists it. The commands that print what
// podd knows have forward as their action (package ctl gives them theirs, for podd to run).
func Commands() []*cli.Command {
	return []*cli.Command{
		ApplyCommand(), GetCommand(), DescribeCommand(), LogsCommand(), ExecCommand(), AttachCommand(),
		DeleteCommand(), RunCommand(), LabelCommand(), AnnotateCommand(), PatchCommand(), SetCommand(), DiffCommand(), EditCommand(), EditSaveCommand(), CreateCommand(),
		WaitCommand(), VersionCommand(), ShutdownCommand(), PortForwardCommand(), ImageCommand(),
		InfoCommand(), TopCommand(), CpCommand(), CompletionCommand(),
	}
}

// LabelCommand is label's: a merge patch of a pod's labels.
func LabelCommand() *cli.Command {
	return metadataCommand("label", "add, change (--overwrite) or remove (KEY-) labels of a pod")
}

// AnnotateCommand is annotate's: a merge patch of a pod's annotations.
func AnnotateCommand() *cli.Command {
	return metadataCommand("annotate", "add, change (--overwrite) or remove (KEY-) annotations of a pod")
}

func metadataCommand(name, usage string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "pod NAME KEY=VAL... KEY-... | pod/NAME KEY=VAL...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "overwrite", Usage: "replace a value a key already has"},
		},
		Action: forward,
	}
}

// PatchCommand is patch's: kubectl's patch of one pod (strategic merge, merge or JSON patch),
// from -p or from the file --patch-file names, which podctl reads and sends.
func PatchCommand() *cli.Command {
	return &cli.Command{
		Name:      "patch",
		Usage:     "change fields of a pod with a strategic merge, merge (RFC 7386) or JSON (RFC 6902) patch",
		ArgsUsage: "pod NAME | pod/NAME (-p PATCH | --patch-file FILE)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "patch", Aliases: []string{"p"}, Usage: "the patch, JSON or YAML"},
			&cli.StringFlag{Name: "patch-file", Usage: "a file holding the patch (- reads stdin)"},
			&cli.StringFlag{Name: "type", Value: "strategic", Usage: "strategic, merge or json"},
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "name, yaml or json: print the pod as patched instead of the line"},
		},
		Action: forward,
	}
}

// SetCommand is set's: `set image`, a strategic merge patch of containers' images.
func SetCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "set image: change the images of a pod's containers (each changed one restarts)",
		ArgsUsage: "image pod/NAME CONTAINER=IMAGE... (CONTAINER * : every container)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "name, yaml or json: print the pod as updated instead of the line"},
		},
		Action: forward,
	}
}

// DiffCommand is diff's: what an apply of the files would change, as kubectl diff shows it
// (KUBECTL_EXTERNAL_DIFF: the program it names shows it, diff.go).
func DiffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "show what apply -f would change (exit status 1 when it would change something)",
		ArgsUsage: "-f FILE",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "manifest file or directory (YAML or JSON, several documents allowed; - reads stdin)", Required: true},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}, Usage: "with -f DIR: the manifests of its subdirectories too"},
			&cli.BoolFlag{Name: "sides", Usage: "print each object's LIVE and MERGED YAML as a JSON line (what podctl gives KUBECTL_EXTERNAL_DIFF)", Hidden: true},
		},
		Action: diffAction,
	}
}

func ApplyCommand() *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "create or update pods from manifest files",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "manifest file or directory (YAML or JSON, several documents allowed; - reads stdin)", Required: true},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}, Usage: "with -f DIR: the manifests of its subdirectories too"},
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "name, yaml or json: print the objects as stored instead of the lines"},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "apply only the documents this label selector selects (app=web); with --prune, what may be pruned"},
			&cli.BoolFlag{Name: "prune", Usage: "then delete the pods an apply made that the files no longer have (needs -l or --all)"},
			&cli.BoolFlag{Name: "all", Usage: "with --prune: every pod of the namespaces applied to may be pruned"},
		},
		Action: forward,
	}
}

func GetCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "list pods, or events",
		ArgsUsage: "pods [NAME...] | events",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=NAME:PATH,..."},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, Usage: "list the pods of every namespace"},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "label selector (app=web,tier!=db)"},
			&cli.StringFlag{Name: "field-selector", Usage: "field selector: pods (status.phase=Running, metadata.name=web), events (involvedObject.name=web)"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "after the list, print each change as it happens"},
			&cli.BoolFlag{Name: "no-headers", Usage: "print no column headers"},
			&cli.BoolFlag{Name: "show-labels", Usage: "add a LABELS column"},
			&cli.StringSliceFlag{Name: "label-columns", Aliases: []string{"L"}, Usage: "add a column with the value of this label (repeatable, or KEY1,KEY2)"},
			&cli.StringFlag{Name: "sort-by", Usage: "sort the list by this JSONPath of the pods (.metadata.name, .status.startTime)"},
		},
		Action: forward,
	}
}

func DescribeCommand() *cli.Command {
	return &cli.Command{
		Name:      "describe",
		Usage:     "show the details of pods",
		ArgsUsage: "pod [NAME...]",
		Action:    forward,
	}
}

func LogsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the log of a container",
		ArgsUsage: "NAME [CONTAINER] | -l SELECTOR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep streaming new output, across rotations and restarts"},
			&cli.BoolFlag{Name: "previous", Aliases: []string{"p"}, Usage: "the log of the previous run of the container"},
			&cli.Int64Flag{Name: "tail", Value: -1, Usage: "only the last N lines (-1: all, or 10 with a selector)"},
			&cli.StringFlag{Name: "since", Usage: "only lines newer than a duration (5s, 2m, 3h)"},
			&cli.StringFlag{Name: "since-time", Usage: "only lines from an RFC 3339 time on"},
			&cli.BoolFlag{Name: "timestamps", Usage: "start each line with its RFC 3339 time"},
			&cli.BoolFlag{Name: "all-containers", Usage: "the logs of every container of the pod(s)"},
			&cli.BoolFlag{Name: "prefix", Usage: "start each line with [pod/NAME/CONTAINER]"},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "the pods this label selector selects"},
			&cli.Int64Flag{Name: "limit-bytes", Usage: "at most this many bytes of each log"},
		},
		Action: forward,
	}
}

func DeleteCommand() *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "delete pods, by name, by label selector, all of them, or as listed in manifest files",
		ArgsUsage: "pod NAME... | pods -l SELECTOR | pods --all | -f FILE",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "delete the pods of this manifest file or directory (- reads stdin)"},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}, Usage: "with -f DIR: the manifests of its subdirectories too"},
			&cli.BoolFlag{Name: "all", Usage: "delete every pod of the namespace"},
			&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Usage: "delete the pods this label selector selects (app=web,tier!=db)"},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, Usage: "with --all or -l: in every namespace"},
			&cli.Int64Flag{Name: "grace-period", Value: -1, Usage: "seconds between SIGTERM and SIGKILL (-1: the pod's own)"},
			&cli.BoolFlag{Name: "now", Usage: "same as --grace-period=1"},
			&cli.BoolFlag{Name: "ignore-not-found", Usage: "a missing pod is not an error"},
			&cli.BoolFlag{Name: "force", Usage: "with --grace-period=0: kill at once, without preStop hooks or grace"},
			&cli.BoolFlag{Name: "wait", Value: true, Usage: "wait until the pods are gone (false: once their deletion has begun)"},
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
		},
		Action: forward,
	}
}

func RunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "create a pod with one container",
		ArgsUsage: "NAME --image=IMAGE [-- COMMAND [ARG...]]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "image", Usage: "container image", Required: true},
			&cli.StringFlag{Name: "restart", Value: "Always", Usage: "restart policy: Always, OnFailure or Never"},
			&cli.StringSliceFlag{Name: "env", Usage: "environment variable K=V (repeatable)"},
			&cli.StringFlag{Name: "labels", Aliases: []string{"l"}, Usage: "labels k=v,k2=v2 (default run=NAME)"},
			&cli.BoolFlag{Name: "command", Usage: "the words after -- are the command, not the arguments of the image's entrypoint"},
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "yaml, json or name: print the pod instead of the line"},
		},
		Action: forward,
	}
}

func CreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "create pods from manifest files (a pod that exists is an error: see apply)",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "manifest file or directory (YAML or JSON, several documents allowed; - reads stdin)", Required: true},
			&cli.BoolFlag{Name: "recursive", Aliases: []string{"R"}, Usage: "with -f DIR: the manifests of its subdirectories too"},
			&cli.StringFlag{Name: "dry-run", Usage: "none, server or client: only say what would be done (podd checks it, changes nothing)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "name, yaml or json: print the objects as stored instead of the lines"},
		},
		Action: forward,
	}
}

func WaitCommand() *cli.Command {
	return &cli.Command{
		Name:      "wait",
		Usage:     "wait until pods have a condition (--for=condition=Ready) or are gone (--for=delete)",
		ArgsUsage: "pod NAME... | pod/NAME...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "for", Usage: "condition=NAME[=true|false] or delete", Required: true},
			&cli.StringFlag{Name: "timeout", Value: "30s", Usage: "how long to wait for each pod (0: look once; negative: a week)"},
		},
		Action: forward,
	}
}

func InfoCommand() *cli.Command {
	return &cli.Command{
		Name:   "info",
		Usage:  "show podd's version, cgroup mode and which mechanism each watcher uses",
		Action: forward,
	}
}

func TopCommand() *cli.Command {
	return &cli.Command{
		Name:      "top",
		Usage:     "CPU (millicores over 0.5 s) and memory (working set) of running pods, as kubectl top",
		ArgsUsage: "pod [NAME]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "containers", Usage: "one line per container"},
			&cli.BoolFlag{Name: "all-namespaces", Aliases: []string{"A"}, Usage: "pods of every namespace"},
		},
		Action: forward,
	}
}
