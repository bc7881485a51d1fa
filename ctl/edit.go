package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/podd/podd/ctl/local"
	"github.com/podd/podd/internal/cli"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// edit-save, the half of podctl edit that podd runs: the change between the pod's YAML as the
// editor was given it and as it was saved goes to podd as a merge patch (a field deleted in the
// editor is deleted), refused as a conflict when the pod changed meanwhile (its
// resourceVersion), as kubectl's edit is. A change refused as invalid ends with
// local.EditInvalidStatus and the reasons on stdout: podctl reopens the editor with them.
func editSaveAction(c *cli.Context) error {
	name, err := patchTarget(c.Args().Slice())
	if err != nil {
		return err
	}
	ctx, files, err := manifestFiles(c.Context, c.StringSlice("filename"), false)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		return fmt.Errorf("edit-save takes two files (-f ORIGINAL -f EDITED), got %d", len(files))
	}
	var docs [2][]byte
	for i, f := range files {
		if docs[i], err = readFile(ctx, f, c.App.Reader); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	patch, version, err := editPatch(docs[0], docs[1])
	if err != nil {
		return err
	}
	if bytes.Equal(patch, []byte("{}")) {
		_, err = fmt.Fprintln(c.App.Writer, "Edit cancelled, no changes made.")
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	cur, err := cl.Get(c.Context, ns, name)
	if err != nil {
		return err
	}
	if version != cur.ResourceVersion {
		return apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, name,
			errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	}
	_, err = cl.PatchAs(c.Context, ns, name, patchContentTypes["merge"], patch)
	if apierrors.IsInvalid(err) {
		fmt.Fprintln(c.App.ErrWriter, errorText(err, ""))
		fmt.Fprint(c.App.Writer, invalidReasons(name, err))
		return exitError{Code: local.EditInvalidStatus}
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.App.Writer, "pod/%s edited\n", name)
	return err
}

// invalidReasons are the causes of an Invalid error as kubectl's edit lists them in the header
// of the file it reopens: "# pods "web" was not valid:", then "# * FIELD: MESSAGE" each, every
// line a comment.
func invalidReasons(name string, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# pods %q was not valid:\n", name)
	var causes []metav1.StatusCause
	if st := (apierrors.APIStatus)(nil); errors.As(err, &st) && st.Status().Details != nil {
		causes = st.Status().Details.Causes
	}
	for _, cause := range causes {
		fmt.Fprintf(&b, "# * %s: %s\n", cause.Field, commented(cause.Message))
	}
	if len(causes) == 0 {
		fmt.Fprintf(&b, "# * %s\n", commented(err.Error()))
	}
	b.WriteString("#\n")
	return b.String()
}

// commented makes each line of a message after the first a comment line: a pod update's
// Forbidden message spans lines (its diff), and a line left bare would be read back as YAML.
func commented(msg string) string {
	return strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n#   ")
}

// editPatch is the merge patch from the original YAML to the edited one, and the
// resourceVersion the original had. The files come from the user: a panic in the library is
// an error.
func editPatch(original, edited []byte) (patch []byte, version string, err error) {
	defer func() {
		if p := recover(); p != nil {
			patch, err = nil, fmt.Errorf("the edited file is not a pod's YAML: %v", p)
		}
	}()
	var docs [2][]byte
	for i, data := range [][]byte{original, edited} {
		if docs[i], err = yaml.YAMLToJSON(data); err != nil {
			return nil, "", fmt.Errorf("the edited file is not YAML: %w", err)
		}
	}
	var seen struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(docs[0], &seen)
	patch, err = jsonpatch.CreateMergePatch(docs[0], docs[1])
	if err != nil {
		return nil, "", fmt.Errorf("the edited file is not a pod's YAML: %w", err)
	}
	return patch, seen.Metadata.ResourceVersion, nil
}
