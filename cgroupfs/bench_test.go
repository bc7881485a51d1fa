package cgroupfs

import (
	"path/filepath"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkSetContainer measures podd's side of configuring a container cgroup: Create (the
// directory exists, as the control files must exist for Set: mkdir returns EEXIST) and Set of
// a full container Resources (cpu.weight, cpu.max, memory.max, memory.swap.max,
// memory.oom.group) into a fake cgroup of regular files in a temp dir. It is the syscall
// overhead of this package, not the kernel's cgroupfs cost, and it depends on the temp dir's
// filesystem: on ext4 truncating and writing five files costs ~2ms, on tmpfs ~40us; run with
// TMPDIR=/dev/shm for the figure closest to cgroupfs (kernfs, also in memory).
func BenchmarkSetContainer(b *testing.B) {
	c := ctr(rl("cpu", "250m", "memory", "32Mi"), rl("cpu", "500m", "memory", "64Mi"))
	r := ContainerResources(&c)
	dir := filepath.Join(b.TempDir(), "web")
	if err := Create(dir); err != nil {
		b.Fatal(err)
	}
	for _, f := range allFiles {
		writeTestFile(b, dir, f, "")
	}
	for b.Loop() {
		if err := Create(dir); err != nil {
			b.Fatal(err)
		}
		if err := Set(dir, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreate measures Create of a new directory (a successful mkdir each time).
func BenchmarkCreate(b *testing.B) {
	root := b.TempDir()
	i := 0
	for b.Loop() {
		if err := Create(filepath.Join(root, strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWeightFromShares measures one conversion per op, cycling through shares values
// that are not powers of two (the float path).
func BenchmarkWeightFromShares(b *testing.B) {
	var shares []uint64
	for s := uint64(2); s < MaxShares; s <<= 1 {
		shares = append(shares, s+s/3)
	}
	var sink uint64
	i := 0
	for b.Loop() {
		sink += WeightFromShares(shares[i%len(shares)])
		i++
	}
	if sink == 0 {
		b.Fatal("no weights")
	}
}

func BenchmarkPodResources(b *testing.B) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		ctr(rl("cpu", "250m"), rl("cpu", "500m", "memory", "64Mi")),
		ctr(rl("cpu", "750m"), rl("cpu", "1", "memory", "128Mi")),
	}}}
	for b.Loop() {
		_ = PodResources(p, 4096)
	}
}
