package main

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podd/podd/podtable"
)

// BenchmarkPrintTable1000 is podctl's side of `podctl get pods` at 1000 pods: decode podd's
// table (no row objects, as podctl asks) and print it.
func BenchmarkPrintTable1000(b *testing.B) {
	pods := make([]corev1.Pod, 1000)
	for i := range pods {
		pods[i] = pod(fmt.Sprintf("pod-%04d", i), corev1.PodRunning, running("c", true, 0))
	}
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
}
