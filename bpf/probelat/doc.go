// Package probelat owns the kernel's view of podd's probe connections: a BPF program on
// sock:inet_sock_set_state (probelat.c) times each registered probe socket from SYN sent to
// ESTABLISHED, keyed by its socket cookie, for probe.ConnectTimes.
package probelat
