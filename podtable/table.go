package podtable

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The table's columns, in order: the index of each pod's cell in TableRow.Cells.
const (
	ColName = iota
	ColReady
	ColStatus
	ColRestarts
	ColAge
	ColIP
	ColNode
	ColNominatedNode
	ColReadinessGates
)

// columns are kubectl's pod columns; Priority 1 marks the ones only -o wide shows.
var columns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "The pod's name, unique in its namespace."},
	{Name: "Ready", Type: "string", Description: "Ready containers out of all the pod's containers."},
	{Name: "Status", Type: "string", Description: "The pod's phase, or the reason a container is waiting or has terminated."},
	{Name: "Restarts", Type: "string", Description: "Restarts of the pod's containers, and how long ago the last one was."},
	{Name: "Age", Type: "string", Description: "Time since the pod was created."},
	{Name: "IP", Type: "string", Priority: 1, Description: "The pod's first IP address."},
	{Name: "Node", Type: "string", Priority: 1, Description: "The node the pod runs on."},
	{Name: "Nominated Node", Type: "string", Priority: 1, Description: "The node the scheduler nominated for the pod while it preempts others."},
	{Name: "Readiness Gates", Type: "string", Priority: 1, Description: "Readiness gates whose condition is True, out of all the pod's readiness gates."},
}

// Columns returns the pod table's column definitions (a copy the caller may keep).
func Columns() []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition(nil), columns...)
}

// Table is the table of pods, a row each in their order, as the API server answers a list or
// a get asked for as=Table. include says what each row's Object holds: the pod's metadata as a
// PartialObjectMetadata (IncludeMetadata, the API server's default), the whole Pod
// (IncludeObject) or nothing (IncludeNone, or any other value).
func Table(pods []corev1.Pod, now time.Time, include metav1.IncludeObjectPolicy) *metav1.Table {
	t := NewTable()
	t.Rows = make([]metav1.TableRow, len(pods))
	for i := range pods {
		t.Rows[i] = Row(&pods[i], now)
		t.Rows[i].Object = object(&pods[i], include)
	}
	return t
}

// NewTable is a pod table without rows (an empty list's: Rows is not nil).
func NewTable() *metav1.Table {
	return &metav1.Table{
		TypeMeta:          metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"},
		ColumnDefinitions: Columns(),
		Rows:              []metav1.TableRow{},
	}
}

// CopiedRow is the row of Table for p, with its Object (include) a deep copy: it stays valid
// once p changes (a pod seen under its lock).
func CopiedRow(p *corev1.Pod, now time.Time, include metav1.IncludeObjectPolicy) metav1.TableRow {
	r := Row(p, now)
	switch include {
	case metav1.IncludeMetadata:
		r.Object = object(&corev1.Pod{ObjectMeta: *p.ObjectMeta.DeepCopy()}, include)
	case metav1.IncludeObject:
		r.Object = object(p.DeepCopy(), include)
	}
	return r
}

// Row is a pod's row without its Object: one cell per column (strings, as kubectl's pod printer
// makes them) and, once the pod has ended, the Completed condition kubectl reads.
func Row(p *corev1.Pod, now time.Time) metav1.TableRow {
	s := Summarize(p, now)
	return metav1.TableRow{
		Cells: []any{
			p.Name, s.Ready, s.Status, s.Restarts, Age(p.CreationTimestamp, now),
			orNone(IP(p)), orNone(p.Spec.NodeName), orNone(p.Status.NominatedNodeName), readinessGates(p),
		},
		Conditions: completed(p.Status.Phase),
	}
}

// object is what a row carries of its pod.
func object(p *corev1.Pod, include metav1.IncludeObjectPolicy) runtime.RawExtension {
	switch include {
	case metav1.IncludeMetadata:
		return runtime.RawExtension{Object: &metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"},
			ObjectMeta: p.ObjectMeta,
		}}
	case metav1.IncludeObject:
		pod := *p
		pod.TypeMeta = metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}
		return runtime.RawExtension{Object: &pod}
	}
	return runtime.RawExtension{}
}

// completed is the row condition of a pod that has ended (none while it runs).
func completed(phase corev1.PodPhase) []metav1.TableRowCondition {
	switch phase {
	case corev1.PodSucceeded:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(phase), Message: "The pod's containers have all exited successfully."}}
	case corev1.PodFailed:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(phase), Message: "The pod has ended and a container failed."}}
	}
	return nil
}

// IP is the pod's first IP address ("" before it has one).
func IP(p *corev1.Pod) string {
	if len(p.Status.PodIPs) > 0 {
		return p.Status.PodIPs[0].IP
	}
	return p.Status.PodIP
}

// readinessGates is "<true>/<all>" of the pod's readiness gates, <none> without any.
func readinessGates(p *corev1.Pod) string {
	if len(p.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	ready := 0
	for _, g := range p.Spec.ReadinessGates {
		for _, c := range p.Status.Conditions {
			if c.Type == g.ConditionType {
				if c.Status == corev1.ConditionTrue {
					ready++
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(p.Spec.ReadinessGates))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
