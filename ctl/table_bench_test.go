package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podd/podd/podtable"
)

// benchPods are n copies of a pod podd answered (api/testdata/pod.json), each with its own name.
func benchPods(b *testing.B, n int) []corev1.Pod {
	data, err := os.ReadFile("../../api/testdata/pod.json")
	if err != nil {
		b.Fatal(err)
	}
	var pod corev1.Pod
	if err := json.Unmarshal(data, &pod); err != nil {
		b.Fatal(err)
	}
	pods := make([]corev1.Pod, n)
	for i := range pods {
		pod.DeepCopyInto(&pods[i])
		pods[i].Name = fmt.Sprintf("pod-%04d", i)
	}
	return pods
}

// BenchmarkPrintTable1000 is podctl's side of `podctl get pods` at 1000 pods: decode podd's
// table (no row objects, as podctl asks) and print it; podlist is what podctl did before podd
// sent tables: decode the whole PodList and compute the table itself.
func BenchmarkPrintTable1000(b *testing.B) {
	pods := benchPods(b, 1000)
	b.Run("table", func(b *testing.B) {
		body, err := json.Marshal(podtable.Table(pods, time.Now(), metav1.IncludeNone))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var t metav1.Table
			if err := json.Unmarshal(body, &t); err != nil {
				b.Fatal(err)
			}
			if err := printTable(io.Discard, &t, tableOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("podlist", func(b *testing.B) {
		body, err := json.Marshal(&corev1.PodList{Items: pods})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var l corev1.PodList
			if err := json.Unmarshal(body, &l); err != nil {
				b.Fatal(err)
			}
			if err := printPodTable(io.Discard, l.Items, tableOptions{Now: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
