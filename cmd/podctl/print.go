package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"
)

// tableOptions shapes the pod table.
type tableOptions struct {
	Wide      bool      // add IP and NODE
	Namespace bool      // add a NAMESPACE column first (-A)
	Now       time.Time // AGE is counted up to Now
}

// printPodTable prints pods like `kubectl get pods`.
func printPodTable(w io.Writer, pods []corev1.Pod, o tableOptions) error {
	tw := tabwriter.NewWriter(w, 6, 4, 3, ' ', 0) // kubectl's table settings
	fmt.Fprintln(tw, strings.Join(tableHeader(o), "\t"))
	for i := range pods {
		fmt.Fprintln(tw, strings.Join(podRow(&pods[i], o), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print table: %w", err)
	}
	return nil
}

func tableHeader(o tableOptions) []string {
	h := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
	if o.Namespace {
		h = append([]string{"NAMESPACE"}, h...)
	}
	if o.Wide {
		h = append(h, "IP", "NODE")
	}
	return h
}

func podRow(p *corev1.Pod, o tableOptions) []string {
	s := summarize(p, o.Now)
	row := []string{p.Name, s.Ready, s.Status, s.Restarts, age(p.CreationTimestamp, o.Now)}
	if o.Namespace {
		row = append([]string{p.Namespace}, row...)
	}
	if o.Wide {
		row = append(row, orNone(podIP(p)), orNone(p.Spec.NodeName))
	}
	return row
}

func podIP(p *corev1.Pod) string {
	if len(p.Status.PodIPs) > 0 {
		return p.Status.PodIPs[0].IP
	}
	return p.Status.PodIP
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// age is kubectl's AGE: 5s, 3m2s, 2d; <unknown> for a zero time.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// printObjects prints pods as YAML or JSON: the Pod itself when single, else a v1 List.
func printObjects(w io.Writer, pods []corev1.Pod, format string, single bool) error {
	var obj any = podList(pods)
	if single && len(pods) == 1 {
		obj = typedPod(pods[0])
	}
	var out []byte
	var err error
	if format == "json" {
		out, err = json.MarshalIndent(obj, "", "    ")
		out = append(out, '\n')
	} else {
		out, err = yaml.Marshal(obj)
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", format, err)
	}
	_, err = w.Write(out)
	return err
}

// list is a v1 List, as kubectl prints several objects.
type list struct {
	APIVersion string       `json:"apiVersion"`
	Items      []corev1.Pod `json:"items"`
	Kind       string       `json:"kind"`
	Metadata   listMeta     `json:"metadata"`
}

type listMeta struct {
	ResourceVersion string `json:"resourceVersion"`
}

func podList(pods []corev1.Pod) list {
	l := list{APIVersion: "v1", Kind: "List", Items: make([]corev1.Pod, len(pods))}
	for i, p := range pods {
		l.Items[i] = typedPod(p)
	}
	return l
}

func typedPod(p corev1.Pod) corev1.Pod {
	p.APIVersion, p.Kind = "v1", "Pod"
	return p
}

// printNames prints pod/NAME lines (-o name).
func printNames(w io.Writer, pods []corev1.Pod) {
	for _, p := range pods {
		fmt.Fprintf(w, "pod/%s\n", p.Name)
	}
}

// printBool is True or False, as kubectl describe writes booleans.
func printBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
