package podtable

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestColumns(t *testing.T) {
	var names, wide []string
	for _, c := range Columns() {
		if c.Priority == 0 {
			names = append(names, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	if strings.Join(names, ",") != "Name,Ready,Status,Restarts,Age" ||
		strings.Join(wide, ",") != "IP,Node,Nominated Node,Readiness Gates" {
		t.Fatalf("columns %q, wide %q", names, wide)
	}
	if n := len(Columns()); n != ColReadinessGates+1 {
		t.Fatalf("%d columns, the last index is %d", n, ColReadinessGates)
	}
}

func TestRow(t *testing.T) {
	p := pod("web", corev1.PodRunning, running("a", true, 0))
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.88.0.2"}}
	p.Spec.NodeName = "host"
	p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "a"}, {ConditionType: "b"}}
	p.Status.Conditions = []corev1.PodCondition{{Type: "a", Status: corev1.ConditionTrue}, {Type: "b", Status: corev1.ConditionFalse}}
	got := Row(&p, now)
	want := []any{"web", "1/1", "Running", "0", "5s", "10.88.0.2", "host", "<none>", "1/2"}
	if !reflect.DeepEqual(got.Cells, want) || got.Conditions != nil {
		t.Fatalf("row %q %v, want %q", got.Cells, got.Conditions, want)
	}
	p.Status.PodIPs, p.Status.PodIP = nil, "10.88.0.3"
	p.Spec.ReadinessGates = nil
	p.Status.NominatedNodeName = "other"
	got = Row(&p, now)
	if got.Cells[ColIP] != "10.88.0.3" || got.Cells[ColNominatedNode] != "other" || got.Cells[ColReadinessGates] != "<none>" {
		t.Fatalf("row %q", got.Cells)
	}
	done := pod("job", corev1.PodSucceeded, terminated("a", "Completed", 0))
	c := Row(&done, now).Conditions
	if len(c) != 1 || c[0].Type != metav1.RowCompleted || c[0].Status != metav1.ConditionTrue || c[0].Reason != "Succeeded" {
		t.Fatalf("conditions of a pod that succeeded: %+v", c)
	}
}

// TestTableObject checks what a row carries of its pod for each includeObject policy, as JSON.
func TestTableObject(t *testing.T) {
	pods := []corev1.Pod{pod("web", corev1.PodRunning, running("a", true, 0))}
	pods[0].Labels = map[string]string{"app": "web"}
	for _, c := range []struct {
		include metav1.IncludeObjectPolicy
		want    string // a piece of the row's JSON
	}{
		{metav1.IncludeNone, `"object":null`},
		{metav1.IncludeMetadata, `"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"web","namespace":"default",`},
		{metav1.IncludeObject, `"object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web",`},
	} {
		tab := Table(pods, now, c.include)
		if tab.Kind != "Table" || tab.APIVersion != "meta.k8s.io/v1" || len(tab.Rows) != 1 {
			t.Fatalf("%s: %+v", c.include, tab)
		}
		out, err := json.Marshal(tab.Rows[0])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %s\nwant a piece %s", c.include, out, c.want)
		}
		if c.include != metav1.IncludeObject && strings.Contains(string(out), `"spec"`) {
			t.Errorf("%s carries the spec: %s", c.include, out)
		}
	}
}
