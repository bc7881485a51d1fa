package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"

	corev1 "k8s.io/api/core/v1"
)

// set image, kubectl's way: `set image pod/NAME CONTAINER=IMAGE...` (or `*=IMAGE` for every
// container) goes to podd as a strategic merge patch of the containers and init containers
// named; each container whose image changes restarts with it. "pod/web image updated", nothing
// when no image changes.

func setAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 || args[0] != "image" {
		return errors.New("set takes the subcommand image: set image pod/NAME CONTAINER=IMAGE...")
	}
	name, images, err := setImageArgs(args[1:])
	if err != nil {
		return err
	}
	w, err := newPatchWrite(c)
	if err != nil {
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	pod, err := cl.Get(c.Context, ns, name)
	if err != nil {
		return err
	}
	patch, changed, err := imagePatch(&pod.Spec, images)
	if err != nil || !changed {
		return err
	}
	after, err := w.dry.client(cl).PatchAs(c.Context, ns, name, patchContentTypes["strategic"], patch)
	if err != nil {
		return err
	}
	return w.print(c, name, "image updated", after)
}

// setImageArgs reads "pod NAME C=IMG..." or "pod/NAME C=IMG...".
func setImageArgs(args []string) (string, map[string]string, error) {
	var name string
	var err error
	switch {
	case len(args) > 0 && strings.Contains(args[0], "/"):
		name, err = local.PodName(args[0])
		args = args[1:]
	case len(args) > 1 && local.IsPodType(args[0]):
		name, args = args[1], args[2:]
	case len(args) > 0 && !strings.Contains(args[0], "="):
		return "", nil, unknownType(args[0])
	default:
		return "", nil, errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if err != nil {
		return "", nil, err
	}
	images := map[string]string{}
	for _, a := range args {
		ctr, img, ok := strings.Cut(a, "=")
		if !ok || ctr == "" || img == "" {
			return "", nil, fmt.Errorf("invalid image update %q: want CONTAINER=IMAGE", a)
		}
		images[ctr] = img
	}
	if len(images) == 0 {
		return "", nil, errors.New("at least one image update is required")
	}
	return name, images, nil
}

// imagePatch is the strategic merge patch giving the named containers (of spec's containers
// and init containers; "*": all) their images; changed: some image differs.
func imagePatch(spec *corev1.PodSpec, images map[string]string) ([]byte, bool, error) {
	type ctr struct {
		Name  string `json:"name"`
		Image string `json:"image"`
	}
	var ctrs, inits []ctr
	found := map[string]bool{}
	changed := false
	pick := func(list []corev1.Container, out *[]ctr) {
		for _, c := range list {
			img, ok := images[c.Name]
			if !ok {
				img, ok = images["*"]
			}
			if !ok {
				continue
			}
			found[c.Name], found["*"] = true, true
			if img != c.Image {
				*out = append(*out, ctr{c.Name, img})
				changed = true
			}
		}
	}
	pick(spec.InitContainers, &inits)
	pick(spec.Containers, &ctrs)
	for n := range images {
		if !found[n] {
			return nil, false, fmt.Errorf("unable to find container named %q", n)
		}
	}
	patch := map[string]any{}
	if len(ctrs) > 0 {
		patch["containers"] = ctrs
	}
	if len(inits) > 0 {
		patch["initContainers"] = inits
	}
	out, err := json.Marshal(map[string]any{"spec": patch})
	return out, changed, err
}
