package local

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/podd/podd/internal/cli"
)

// completion, kubectl's verb: a bash or zsh script that completes podctl's verbs, each verb's
// flags, pod names (asked of podd, as kubectl asks the API server) and manifest files. Written
// from the command tree, so a new verb or flag completes without touching it.
func CompletionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: source <(podctl completion bash), or zsh",
		ArgsUsage: "bash|zsh",
		Action:    completionAction,
	}
}

func completionAction(c *cli.Context) error {
	if c.Args().Len() != 1 {
		return fmt.Errorf("Shell not specified.\nSee 'podctl completion -h' for help and examples")
	}
	switch shell := c.Args().First(); shell {
	case "bash":
		writeBashCompletion(c.App.Writer, c.App)
	case "zsh":
		fmt.Fprint(c.App.Writer, "#compdef podctl\n# zsh completion for podctl: podctl completion zsh > \"${fpath[1]}/_podctl\", or source <(podctl completion zsh)\n")
		fmt.Fprint(c.App.Writer, "autoload -U +X bashcompinit && bashcompinit\n")
		writeBashCompletion(c.App.Writer, c.App)
		fmt.Fprint(c.App.Writer, "[[ ${funcstack[1]} == _podctl ]] && _bash_complete -F _podctl_complete\n")
	default:
		return fmt.Errorf("Unsupported shell type %q", shell)
	}
	return nil
}

// podVerbs take a pod name as their first argument (after "pod" for some).
var podVerbs = []string{"attach", "annotate", "cp", "delete", "describe", "edit", "exec", "label", "logs", "patch", "port-forward", "top", "wait"}

func writeBashCompletion(w io.Writer, app *cli.App) {
	var verbs []string
	var cases strings.Builder
	for _, cmd := range app.Commands {
		if cmd.Hidden {
			continue
		}
		verbs = append(verbs, cmd.Name)
		fmt.Fprintf(&cases, "    %s) flags=%q ;;\n", cmd.Name, strings.Join(flagWords(cmd.Flags), " "))
	}
	sort.Strings(verbs)
	fmt.Fprintf(w, `# bash completion for podctl: source <(podctl completion bash)
_podctl_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} verb="" i flags=""
  local global=%q
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
    -n | --namespace | --socket | -c | --container | -f | --filename) ((i++)) ;;
    -*) ;;
    *) verb=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $verb ]]; then
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$global" -- "$cur")); else COMPREPLY=($(compgen -W %q -- "$cur")); fi
    return
  fi
  case $verb in
%s  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags $global" -- "$cur"))
    return
  fi
  case $verb:${COMP_WORDS[COMP_CWORD-1]} in
  apply:-f | apply:--filename | create:-f | create:--filename | delete:-f | delete:--filename)
    COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case $verb in
  %s)
    COMPREPLY=($(compgen -W "$(podctl get pods -o jsonpath='{.items[*].metadata.name}' 2>/dev/null)" -- "$cur")) ;;
  esac
}
complete -o default -F _podctl_complete podctl
`, strings.Join(flagWords(app.Flags), " "), strings.Join(verbs, " "), cases.String(), strings.Join(podVerbs, " | "))
}

// flagWords are --name and -n for every flag.
func flagWords(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) == 1 {
				out = append(out, "-"+n)
			} else {
				out = append(out, "--"+n)
			}
		}
	}
	return out
}
