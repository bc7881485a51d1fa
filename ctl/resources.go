package ctl

import (
	"github.com/podd/podd/ctl/local"

	"fmt"
	"strings"
)

// podNames reads "TYPE [NAME...]" or "TYPE/NAME..." arguments, where TYPE must be pods.
func podNames(verb string, args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("you must specify the type of resource to %s (podd knows: pods)", verb)
	}
	if strings.Contains(args[0], "/") {
		return slashNames(args)
	}
	if !local.IsPodType(args[0]) {
		return nil, unknownType(args[0])
	}
	return args[1:], nil
}

func slashNames(args []string) ([]string, error) {
	names := make([]string, 0, len(args))
	for _, a := range args {
		typ, name, ok := strings.Cut(a, "/")
		if !ok {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'podctl get pod/NAME')")
		}
		if !local.IsPodType(typ) {
			return nil, unknownType(typ)
		}
		if name == "" {
			return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name: %q", a)
		}
		names = append(names, name)
	}
	return names, nil
}

func unknownType(t string) error {
	return fmt.Errorf("the server doesn't have a resource type %q", t)
}
