package ctl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

func describeContainers(d describer, title string, ctrs []corev1.Container, statuses []corev1.ContainerStatus) {
	byName := map[string]corev1.ContainerStatus{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	if len(ctrs) == 0 {
		d.line(0, "%s: <none>\n", title)
		return
	}
	d.line(0, "%s:\n", title)
	for _, c := range ctrs {
		st, ok := byName[c.Name]
		describeContainer(d, c, st, ok)
	}
}

func describeContainer(d describer, c corev1.Container, st corev1.ContainerStatus, hasStatus bool) {
	d.line(1, "%s:\n", c.Name)
	if hasStatus {
		d.line(2, "Container ID:\t%s\n", st.ContainerID)
	}
	d.line(2, "Image:\t%s\n", c.Image)
	if hasStatus {
		d.line(2, "Image ID:\t%s\n", st.ImageID)
	}
	describePorts(d, c.Ports)
	describeStrings(d, "Command", c.Command)
	describeStrings(d, "Args", c.Args)
	if hasStatus {
		describeState(d, "State", st.State)
		if st.LastTerminationState.Terminated != nil {
			describeState(d, "Last State", st.LastTerminationState)
		}
		d.line(2, "Ready:\t%s\n", printBool(st.Ready))
		d.line(2, "Restart Count:\t%d\n", st.RestartCount)
	}
	describeResources(d, "Limits", c.Resources.Limits)
	describeResources(d, "Requests", c.Resources.Requests)
	describeProbes(d, c)
	describeEnvFrom(d, c.EnvFrom)
	describeEnv(d, c.Env)
	describeMounts(d, c.VolumeMounts)
}

func describePorts(d describer, ports []corev1.ContainerPort) {
	var cp, hp []string
	for _, p := range ports {
		cp = append(cp, portText(p.ContainerPort, p.Protocol))
		hp = append(hp, portText(p.HostPort, p.Protocol))
	}
	describeList(d, "Port", cp)
	describeList(d, "Host Port", hp)
}

func portText(port int32, proto corev1.Protocol) string {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	return strings.Join([]string{itoa(port), string(proto)}, "/")
}

// describeList writes "Port:\t<none>", "Port:\t80/TCP" or "Ports:\t80/TCP, 443/TCP".
func describeList(d describer, title string, items []string) {
	switch len(items) {
	case 0:
		d.line(2, "%s:\t<none>\n", title)
	case 1:
		d.line(2, "%s:\t%s\n", title, items[0])
	default:
		d.line(2, "%ss:\t%s\n", title, strings.Join(items, ", "))
	}
}

func describeStrings(d describer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	d.line(2, "%s:\n", title)
	for _, item := range items {
		for _, s := range strings.Split(item, "\n") {
			d.line(3, "%s\n", s)
		}
	}
}

func describeState(d describer, title string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		d.line(2, "%s:\tRunning\n", title)
		d.line(3, "Started:\t%s\n", d.time(s.Running.StartedAt.Time))
	case s.Waiting != nil:
		d.line(2, "%s:\tWaiting\n", title)
		if s.Waiting.Reason != "" {
			d.line(3, "Reason:\t%s\n", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		describeTerminated(d, title, s.Terminated)
	default:
		d.line(2, "%s:\tWaiting\n", title)
	}
}

func describeTerminated(d describer, title string, t *corev1.ContainerStateTerminated) {
	d.line(2, "%s:\tTerminated\n", title)
	if t.Reason != "" {
		d.line(3, "Reason:\t%s\n", t.Reason)
	}
	if t.Message != "" {
		d.line(3, "Message:\t%s\n", t.Message)
	}
	d.line(3, "Exit Code:\t%d\n", t.ExitCode)
	if t.Signal > 0 {
		d.line(3, "Signal:\t%d\n", t.Signal)
	}
	d.line(3, "Started:\t%s\n", d.time(t.StartedAt.Time))
	d.line(3, "Finished:\t%s\n", d.time(t.FinishedAt.Time))
}

func describeResources(d describer, title string, rl corev1.ResourceList) {
	if len(rl) == 0 {
		return
	}
	d.line(2, "%s:\n", title)
	names := make([]string, 0, len(rl))
	for n := range rl {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		q := rl[corev1.ResourceName(n)]
		d.line(3, "%s:\t%s\n", n, q.String())
	}
}

func describeEnv(d describer, env []corev1.EnvVar) {
	if len(env) == 0 {
		d.line(2, "Environment:\t<none>\n")
		return
	}
	d.line(2, "Environment:\n")
	for _, e := range env {
		if e.ValueFrom != nil {
			d.line(3, "%s:\t%s\n", e.Name, envSource(e.ValueFrom))
			continue
		}
		for i, s := range strings.Split(e.Value, "\n") {
			if i == 0 {
				d.line(3, "%s:\t%s\n", e.Name, s)
			} else {
				d.line(3, "\t%s\n", s)
			}
		}
	}
}

func envSource(src *corev1.EnvVarSource) string {
	switch {
	case src.FieldRef != nil:
		return "(" + src.FieldRef.APIVersion + ":" + src.FieldRef.FieldPath + ")"
	case src.ResourceFieldRef != nil:
		return "(" + src.ResourceFieldRef.ContainerName + ":" + src.ResourceFieldRef.Resource + ")"
	}
	return "<set from a source podctl cannot show>"
}

func describeMounts(d describer, mounts []corev1.VolumeMount) {
	if len(mounts) == 0 {
		d.line(2, "Mounts:\t<none>\n")
		return
	}
	d.line(2, "Mounts:\n")
	sorted := append([]corev1.VolumeMount(nil), mounts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].MountPath < sorted[j].MountPath })
	for _, m := range sorted {
		flags := []string{"rw"}
		if m.ReadOnly {
			flags[0] = "ro"
		}
		if m.SubPath != "" {
			flags = append(flags, "path="+quote(m.SubPath))
		}
		d.line(3, "%s from %s (%s)\n", m.MountPath, m.Name, strings.Join(flags, ","))
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func quote(s string) string { return fmt.Sprintf("%q", s) }
