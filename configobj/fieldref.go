package configobj

import (
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/podd/podd/mounts"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PodFacts are what fieldRef reads besides the pod object: facts of this node and run.
type PodFacts struct {
	NodeName string // spec.nodeName when the pod has none
	PodIP    string
	PodIPs   []string // a dual-stack pod's addresses, status order; nil: PodIP alone
	HostIP   string
}

// fieldValue is the value of a fieldRef path (kubelet's ExtractFieldPathAsString, with the
// spec and status paths env may use).
func fieldValue(pod *corev1.Pod, path string, facts PodFacts) (string, error) {
	if key, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		if pod.Spec.NodeName != "" {
			return pod.Spec.NodeName, nil
		}
		return facts.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return facts.PodIP, nil
	case "status.podIPs": // kubelet's: the addresses joined by commas
		if len(facts.PodIPs) > 0 {
			return strings.Join(facts.PodIPs, ","), nil
		}
		return facts.PodIP, nil
	case "status.hostIP", "status.hostIPs":
		return facts.HostIP, nil
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", path)
}

// subscript reads "prefix['key']".
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}

// formatMap is kubelet's downward API form of labels and annotations: key="value" per line,
// sorted by key.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%q", k, m[k])
	}
	return b.String()
}

// resourceValue is kubelet's value of a resourceFieldRef: the container's request or limit in
// units of the divisor, rounded up; a limit not set is the node's capacity.
func resourceValue(pod *corev1.Pod, defaultContainer string, ref *corev1.ResourceFieldSelector) (string, error) {
	name := ref.ContainerName
	if name == "" {
		name = defaultContainer
	}
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			c = &pod.Spec.Containers[i]
		}
	}
	if c == nil {
		return "", fmt.Errorf("container %q not found", name)
	}
	kind, res, _ := strings.Cut(ref.Resource, ".")
	var q resource.Quantity
	var set bool
	switch kind {
	case "limits":
		q, set = c.Resources.Limits[corev1.ResourceName(res)]
		if !set {
			q = nodeCapacity(res)
		}
	case "requests":
		q = c.Resources.Requests[corev1.ResourceName(res)]
	default:
		return "", fmt.Errorf("unsupported container resource: %s", ref.Resource)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	if res == "cpu" {
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
}

// nodeCapacity is this machine's cpu count, memory, or 0 for other resources.
func nodeCapacity(res string) resource.Quantity {
	switch res {
	case "cpu":
		return *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI)
	case "memory":
		var si unix.Sysinfo_t
		if unix.Sysinfo(&si) == nil {
			return *resource.NewQuantity(int64(si.Totalram)*int64(si.Unit), resource.BinarySI)
		}
	}
	return resource.Quantity{}
}

// downwardFiles are the files of a downwardAPI volume (or projected source).
func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode int32, p *field.Path) ([]mounts.File, *field.Error) {
	files := make([]mounts.File, 0, len(items))
	for i, it := range items {
		ip := p.Child("items").Index(i)
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = fieldValue(pod, it.FieldRef.FieldPath, PodFacts{})
			ip = ip.Child("fieldRef", "fieldPath")
		case it.ResourceFieldRef != nil:
			v, err = resourceValue(pod, "", it.ResourceFieldRef)
			ip = ip.Child("resourceFieldRef")
		}
		if err != nil {
			return nil, field.Invalid(ip, "", err.Error())
		}
		files = append(files, mounts.File{Path: it.Path, Data: []byte(v), Mode: os.FileMode(modeOr(it.Mode, mode)) & 0o777})
	}
	return files, nil
}
