//go:build ignore

// probelat.c: the kernel's connect time of podd's probe sockets. podd puts each probe socket's
// cookie (SO_COOKIE) in the sockets map before connect(2); on sock:inet_sock_set_state (as
// tp_btf, the socket a typed pointer) this program stamps the move to SYN_SENT and, on the move
// from SYN_SENT to ESTABLISHED, stores the time between. The value is in the map before the
// socket turns writable, so podd reads it (and deletes the entry) right after its connect is
// done: no event stream to match. Other sockets cost one hash lookup per state change.

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char __license[] SEC("license") = "GPL";

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2

struct sock;

struct timing {
	__u64 syn_sent_ns;  // ktime of the move to SYN_SENT (0: not yet)
	__u64 connect_ns;   // SYN_SENT to ESTABLISHED (0: not established yet)
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); // a socket podd never read back ages out
	__uint(max_entries, 16384);
	__type(key, __u64);                  // the socket's cookie
	__type(value, struct timing);
} sockets SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED)
		return 0;
	__u64 cookie = bpf_get_socket_cookie(sk);
	struct timing *t = bpf_map_lookup_elem(&sockets, &cookie);
	if (!t)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (newstate == TCP_SYN_SENT)
		t->syn_sent_ns = now;
	else if (oldstate == TCP_SYN_SENT && t->syn_sent_ns)
		t->connect_ns = now - t->syn_sent_ns;
	return 0;
}
