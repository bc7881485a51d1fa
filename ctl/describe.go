package ctl

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/podd/podd/internal/cli"
	"github.com/podd/podd/podopts"
	"github.com/podd/podd/podtable"
	corev1 "k8s.io/api/core/v1"
)

func describeAction(c *cli.Context) error {
	names, err := podNames("describe", c.Args().Slice())
	if err != nil {
		return err
	}
	req := getRequest{namespace: c.String("namespace"), names: names}
	pods, fetchErr := fetchPods(c.Context, newClient(c), req, c.App.ErrWriter)
	if !partial(fetchErr) {
		return fetchErr
	}
	if len(pods) == 0 && len(names) == 0 {
		fmt.Fprintln(c.App.ErrWriter, noResources(req))
	}
	client := newClient(c)
	for i := range pods {
		if i > 0 {
			fmt.Fprint(c.App.Writer, "\n\n")
		}
		events := podEvents(c.Context, client, &pods[i], c.App.ErrWriter)
		probes := podProbes(c.Context, client, &pods[i], c.App.ErrWriter)
		if err := describePodProbes(c.App.Writer, &pods[i], events, probes, nowFor(c.Context)); err != nil {
			return err
		}
	}
	return fetchErr
}

// describer writes kubectl describe's layout: two spaces per level, "Key:\tvalue" lines aligned
// by a tabwriter.
type describer struct {
	w io.Writer
	// probes is the last result of each probe, by container name (nil: not fetched), and
	// now the time their ages are counted to.
	probes map[string][]podopts.ProbeResult
	now    time.Time
}

// time formats t as kubectl describe does, in the zone of d.now (podctl's).
func (d describer) time(t time.Time) string {
	return t.In(d.now.Location()).Format(time.RFC1123Z)
}

func (d describer) line(level int, format string, a ...any) {
	fmt.Fprintf(d.w, strings.Repeat("  ", level)+format, a...)
}

// describePod prints a pod like `kubectl describe pod`, without its events.
func describePod(w io.Writer, pod *corev1.Pod) error {
	return describePodEvents(w, pod, nil, time.Now())
}

// describePodEvents prints a pod and, unless events is nil (not fetched), an Events section.
func describePodEvents(w io.Writer, pod *corev1.Pod, events []corev1.Event, now time.Time) error {
	return describePodProbes(w, pod, events, nil, now)
}

// describePodProbes is describePodEvents with the last result of each probe under its line.
func describePodProbes(w io.Writer, pod *corev1.Pod, events []corev1.Event, probes *podopts.PodProbes, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	d := describer{w: tw, probes: probesByContainer(probes), now: now}
	describeHeader(d, pod)
	if len(pod.Spec.InitContainers) > 0 {
		describeContainers(d, "Init Containers", pod.Spec.InitContainers, pod.Status.InitContainerStatuses)
	}
	describeContainers(d, "Containers", pod.Spec.Containers, pod.Status.ContainerStatuses)
	describeConditions(d, pod.Status.Conditions)
	describeVolumes(d, pod.Spec.Volumes)
	d.line(0, "QoS Class:\t%s\n", qosOf(pod))
	describeMap(d, "Node-Selectors", pod.Spec.NodeSelector, "=")
	if events != nil {
		describeEvents(d, events, now)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("describe pod %s: %w", pod.Name, err)
	}
	return nil
}

func describeHeader(d describer, pod *corev1.Pod) {
	d.line(0, "Name:\t%s\n", pod.Name)
	d.line(0, "Namespace:\t%s\n", pod.Namespace)
	d.line(0, "Node:\t%s\n", nodeText(pod))
	if pod.Status.StartTime != nil {
		d.line(0, "Start Time:\t%s\n", d.time(pod.Status.StartTime.Time))
	}
	describeMap(d, "Labels", pod.Labels, "=")
	describeMap(d, "Annotations", pod.Annotations, ": ")
	if pod.DeletionTimestamp != nil {
		d.line(0, "Status:\tTerminating (lasts %s)\n", podtable.Age(*pod.DeletionTimestamp, time.Now()))
	} else {
		d.line(0, "Status:\t%s\n", pod.Status.Phase)
	}
	if pod.Status.Reason != "" {
		d.line(0, "Reason:\t%s\n", pod.Status.Reason)
	}
	if pod.Status.Message != "" {
		d.line(0, "Message:\t%s\n", pod.Status.Message)
	}
	d.line(0, "IP:\t%s\n", pod.Status.PodIP)
	describeIPs(d, pod.Status.PodIPs)
}

func nodeText(pod *corev1.Pod) string {
	if pod.Spec.NodeName == "" {
		return "<none>"
	}
	return pod.Spec.NodeName + "/" + pod.Status.HostIP
}

func describeIPs(d describer, ips []corev1.PodIP) {
	if len(ips) == 0 {
		d.line(0, "IPs:\t<none>\n")
		return
	}
	d.line(0, "IPs:\n")
	for _, ip := range ips {
		d.line(1, "IP:\t%s\n", ip.IP)
	}
}

// describeMap prints labels (sep "=") or annotations (sep ": "), one per line, sorted.
func describeMap(d describer, title string, m map[string]string, sep string) {
	if len(m) == 0 {
		d.line(0, "%s:\t<none>\n", title)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		label := ""
		if i == 0 {
			label = title + ":"
		}
		d.line(0, "%s\t%s%s%s\n", label, k, sep, m[k])
	}
}

func describeConditions(d describer, conds []corev1.PodCondition) {
	if len(conds) == 0 {
		return
	}
	d.line(0, "Conditions:\n  Type\tStatus\n")
	for _, c := range conds {
		d.line(1, "%v \t%v \n", c.Type, c.Status)
	}
}
