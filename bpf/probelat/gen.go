package probelat

// The BPF object is generated from probelat.c and committed, so `go build` needs no clang;
// `make generate` reruns this (clang and libbpf-dev from Debian's packages).
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -tags linux -target amd64 -type timing probelatbpf probelat.c -- -I/usr/include/x86_64-linux-gnu -O2 -g -Wall
