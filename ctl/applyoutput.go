package ctl

import (
	"encoding/json"
	"fmt"

	"github.com/podd/podd/api/client"
)

// parseApplyOutput checks apply's and create's -o.
func parseApplyOutput(o string) (string, error) {
	switch o {
	case "", "name", "yaml", "json":
		return o, nil
	}
	return "", fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", o)
}

// applied says what was done to one object: kubectl's line ("pod/web created"), its name
// (-o name), or, for -o yaml|json, keeps the object to print once every file is done.
func (a *applier) applied(kind string, obj *client.Applied, result string) {
	switch a.output {
	case "":
		fmt.Fprintf(a.out, "%s/%s %s%s\n", kind, obj.Name, result, a.dry.suffix())
	case "name":
		fmt.Fprintf(a.out, "%s/%s\n", kind, obj.Name)
	default:
		a.objects = append(a.objects, obj.Object)
	}
}

// printObjects prints the objects kept for -o yaml|json: one as itself, several as a v1 List,
// as kubectl apply does.
func (a *applier) printObjects() error {
	switch {
	case len(a.objects) == 0:
		return nil
	case len(a.objects) == 1:
		return writeEncoded(a.out, a.output, a.objects[0])
	}
	return writeEncoded(a.out, a.output, rawList{APIVersion: "v1", Kind: "List", Items: a.objects})
}

// rawList is a v1 List of objects as the server answered them.
type rawList struct {
	APIVersion string            `json:"apiVersion"`
	Items      []json.RawMessage `json:"items"`
	Kind       string            `json:"kind"`
	Metadata   listMeta          `json:"metadata"`
}
