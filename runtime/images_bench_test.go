package runtime

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rt "github.com/podd/podd/rootfs/registrytest"
	corev1 "k8s.io/api/core/v1"
)

// BenchmarkResolveImageAtApply is the image step of an apply: a directory image against a
// registry image already pulled (the cost a cached image adds to a container start).
func BenchmarkResolveImageAtApply(b *testing.B) {
	reg := rt.Start(b)
	image := reg.Push(b, "bench:1", rt.Image(b, v1.Config{Cmd: []string{"/bin/app"}}, false,
		rt.Layer(b, rt.File("bin/app", "x"))))
	r := newRuntime(Options{Root: b.TempDir()})
	if _, err := r.images.Pull(context.Background(), image); err != nil {
		b.Fatal(err)
	}
	for name, img := range map[string]string{"dir": b.TempDir(), "registry-cached": image} {
		b.Run(name, func(b *testing.B) {
			in := registryPod("bench", img, corev1.PullIfNotPresent)
			p := r.newPod(in)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.resolveImages(true); err != nil || p.ctrs[0].img == nil {
					b.Fatal(err)
				}
			}
		})
	}
}
