package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/podd/podd/api/wire"
	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"
)

// patch, kubectl's way: the patch (-p, or the file podctl read for --patch-file, as stdin) goes
// to podd as a PATCH of the type --type names. It prints "pod/web patched", or "patched (no
// change)" when the pod's metadata and spec are what they were.

// patchContentTypes are the content types of --type's values.
var patchContentTypes = map[string]string{
	"strategic": "application/strategic-merge-patch+json",
	"merge":     "application/merge-patch+json",
	"json":      "application/json-patch+json",
}

func patchAction(c *cli.Context) error {
	name, err := patchTarget(c.Args().Slice())
	if err != nil {
		return err
	}
	ct, ok := patchContentTypes[c.String("type")]
	if !ok {
		return fmt.Errorf("--type must be one of [json merge strategic], not %q", c.String("type"))
	}
	patch, err := patchBody(c)
	if err != nil {
		return err
	}
	w, err := newPatchWrite(c)
	if err != nil {
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	before, err := cl.Get(c.Context, ns, name)
	if err != nil {
		return err
	}
	after, err := w.dry.client(cl).PatchAs(c.Context, ns, name, ct, patch)
	if err != nil {
		return err
	}
	word := "patched"
	if samePod(before, after) {
		word = "patched (no change)"
	}
	return w.print(c, name, word, after)
}

// patchWrite is what patch and set image share: --dry-run and -o, and kubectl's output.
type patchWrite struct {
	dry    dryRun
	output string
}

func newPatchWrite(c *cli.Context) (patchWrite, error) {
	dry, err := parseDryRun(c)
	if err != nil {
		return patchWrite{}, err
	}
	output, err := parseApplyOutput(c.String("output"))
	return patchWrite{dry, output}, err
}

// print says what was done to the pod: "pod/NAME WORD" (with the dry run's suffix), its name
// (-o name), or the pod as podd answered (-o yaml|json).
func (w patchWrite) print(c *cli.Context, name, word string, after *corev1.Pod) error {
	var err error
	switch w.output {
	case "":
		_, err = fmt.Fprintf(c.App.Writer, "pod/%s %s%s\n", name, word, w.dry.suffix())
	case "name":
		_, err = fmt.Fprintf(c.App.Writer, "pod/%s\n", name)
	default:
		err = writeEncoded(c.App.Writer, w.output, after)
	}
	return err
}

// patchTarget reads "pod NAME" or "pod/NAME".
func patchTarget(args []string) (string, error) {
	switch {
	case len(args) == 1 && local.IsPodType(args[0]):
		return "", errors.New("resource name may not be empty")
	case len(args) == 1:
		return local.PodName(args[0])
	case len(args) == 2 && local.IsPodType(args[0]):
		return args[1], nil
	case len(args) == 2:
		return "", unknownType(args[0])
	case len(args) == 0:
		return "", errors.New("you must provide one or more resources by argument or filename")
	}
	return "", fmt.Errorf("patch takes one pod: pod NAME or pod/NAME, got %d arguments", len(args))
}

// patchBody is -p's patch, or the file's podctl sent, as JSON (kubectl takes YAML too).
func patchBody(c *cli.Context) ([]byte, error) {
	p, file := c.String("patch"), c.String("patch-file")
	var raw []byte
	switch {
	case p != "" && file != "":
		return nil, errors.New("--patch and --patch-file are mutually exclusive")
	case p != "":
		raw = []byte(p)
	case file != "":
		data, err := patchFile(c.Context, file, c.App.Reader)
		if err != nil {
			return nil, fmt.Errorf("unable to read patch file: %w", err)
		}
		raw = data
	default:
		return nil, errors.New("must specify --patch or --patch-file containing the contents of the patch")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("the patch is empty")
	}
	out, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("unable to parse %q: %w", raw, err)
	}
	return out, nil
}

// patchFile reads --patch-file's file: on podd's podctl route, podctl sent it as stdin (podd
// opens no path of the user's); a podctl that runs the command itself reads it.
func patchFile(ctx context.Context, name string, stdin io.Reader) ([]byte, error) {
	if _, routed := ctx.Value(filesKey{}).(map[string]wire.File); routed || name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// samePod: the patch changed nothing a user wrote (status may have moved meanwhile).
func samePod(a, b *corev1.Pod) bool {
	return apiequality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		apiequality.Semantic.DeepEqual(a.Annotations, b.Annotations) &&
		apiequality.Semantic.DeepEqual(a.Spec, b.Spec)
}
