package api

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podd/podd/podtable"
)

// getPods serves a GET of one pod (a name in the path) and of a list (a namespace's pods, or
// every namespace's at /api/v1/pods, sorted by namespace and name like the API server's, those
// ?labelSelector= selects): the objects, or the metav1.Table kubectl prints when the Accept
// header asks for one (podtable: the cells are computed here, and each row carries what
// ?includeObject= says).
func (h *handlers) getPods(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	q, err := parseGetQuery(r, name == "")
	if err != nil {
		writeError(w, err)
		return
	}
	if isWatch(r) {
		h.watchPods(w, r, q)
		return
	}
	if q.table {
		t, err := h.table(r.PathValue("ns"), name, q)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSONAs(w, tableMediaType, http.StatusOK, t)
		return
	}
	pods, err := h.readPods(r.PathValue("ns"), name, q)
	if err != nil {
		writeError(w, err)
		return
	}
	switch {
	case name != "":
		writeJSON(w, http.StatusOK, withPodType(&pods[0]))
	default:
		writeJSON(w, http.StatusOK, &corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, Items: pods})
	}
}

// table is the table of the pod name of ns, or with name "" of the pods of ns ("" for all)
// that q selects.
func (h *handlers) table(ns, name string, q getQuery) (*metav1.Table, error) {
	if v, ok := h.b.(PodVisitor); ok && name == "" {
		return visitTable(v, ns, q)
	}
	pods, err := h.readPods(ns, name, q)
	if err != nil {
		return nil, err
	}
	return podtable.Table(pods, time.Now(), q.include), nil
}

// visitTable is the table of the pods of ns ("" for all) that q selects, each row made under
// its pod's lock, copying only what the row keeps.
func visitTable(v PodVisitor, ns string, q getQuery) (*metav1.Table, error) {
	t := podtable.NewTable()
	now := time.Now()
	err := v.VisitPods(ns, func(p *corev1.Pod) {
		if q.keeps(p) {
			t.Rows = append(t.Rows, podtable.CopiedRow(p, now, q.include))
		}
	})
	return t, err
}

// getQuery is what a GET of pods asks for besides its path.
type getQuery struct {
	table    bool                       // answer a metav1.Table
	include  metav1.IncludeObjectPolicy // what a table row carries of its pod
	selector labels.Selector            // the pods a list keeps by label (nil: all)
	fields   fields.Selector            // and by field (nil: all)
}

// parseGetQuery reads the Accept header, ?includeObject= (only looked at for a table, as the
// API server does) and, for a list, ?labelSelector= and ?fieldSelector=; a value it cannot use is a 400 naming the
// parameter.
func parseGetQuery(r *http.Request, list bool) (getQuery, error) {
	q := getQuery{table: wantsTable(r.Header.Get("Accept")), include: metav1.IncludeMetadata}
	values := r.URL.Query()
	if q.table {
		switch v := metav1.IncludeObjectPolicy(values.Get("includeObject")); v {
		case "":
		case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
			q.include = v
		default:
			return q, apierrors.NewBadRequest(fmt.Sprintf("includeObject: unsupported value %q: must be None, Metadata or Object", v))
		}
	}
	if list {
		return q, q.setSelectors(values.Get("labelSelector"), values.Get("fieldSelector"))
	}
	return q, nil
}

// setSelectors parses a list's label and field selectors ("" selects all); a bad one is a 400
// naming its parameter.
func (q *getQuery) setSelectors(labelSelector, fieldSelector string) error {
	var err error
	if labelSelector != "" {
		if q.selector, err = parseSelector(labelSelector); err != nil {
			return err
		}
	}
	if fieldSelector != "" {
		q.fields, err = parsePodFields(fieldSelector)
	}
	return err
}

// parseSelector parses a list's ?labelSelector=; an invalid one is a 400 naming the parameter.
func parseSelector(v string) (labels.Selector, error) {
	sel, err := labels.Parse(v)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("labelSelector: invalid value %q: %v", v, err))
	}
	return sel, nil
}

// readPods is the named pod, or the pods of ns ("" for all) that q selects, sorted.
func (h *handlers) readPods(ns, name string, q getQuery) ([]corev1.Pod, error) {
	if name != "" {
		pod, err := h.b.Get(ns, name)
		if err != nil {
			return nil, err
		}
		return []corev1.Pod{*pod}, nil
	}
	pods, err := h.b.List(ns)
	if err != nil {
		return nil, err
	}
	if q.selector != nil || q.fields != nil {
		pods = selectPods(pods, q)
	}
	sort.SliceStable(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	if pods == nil {
		pods = []corev1.Pod{}
	}
	return pods, nil
}

// selectPods keeps the pods q selects, in place.
func selectPods(pods []corev1.Pod, q getQuery) []corev1.Pod {
	kept := pods[:0]
	for i := range pods {
		if q.keeps(&pods[i]) {
			kept = append(kept, pods[i])
		}
	}
	return kept
}
