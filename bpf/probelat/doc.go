// Package probelat owns the kernel's view of podd's probe connections: a BPF program on
// sock:inet_sock_set_state (probelat.c) times each socket podd connects from SYN sent to
// ESTABLISHED, in the socket's own BPF storage read by its fd, for probe.ConnectTimes.
package probelat
