//go:build ignore

// probelat.c: the kernel's connect time of podd's sockets. On sock:inet_sock_set_state (as
// tp_btf, the socket a typed pointer) this program stamps the move to SYN_SENT of a socket
// that podd's process connects (connect(2) runs in its context) in the socket's own storage
// (BPF_MAP_TYPE_SK_STORAGE), and on the move from SYN_SENT to ESTABLISHED stores the time
// between. The value is there before the socket turns writable, so podd reads it by the
// socket's fd right after its connect is done: one bpf(2) call a probe, nothing to register
// before nor to delete after (the storage goes with the socket). Other sockets cost a pid
// comparison or an empty storage lookup per state change.

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char __license[] SEC("license") = "GPL";

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2

struct sock;

struct timing {
	__u64 syn_sent_ns;  // ktime of the move to SYN_SENT
	__u64 connect_ns;   // SYN_SENT to ESTABLISHED (0: not established yet)
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);                    // from user space: the socket's fd
	__type(value, struct timing);
} sockets SEC(".maps");

// podd_tgid is podd's process id, set at load.
volatile const __u32 podd_tgid = 0;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	struct timing *t;

	if (newstate == TCP_SYN_SENT) {
		if ((bpf_get_current_pid_tgid() >> 32) != podd_tgid)
			return 0;
		t = bpf_sk_storage_get(&sockets, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (t) {
			t->syn_sent_ns = bpf_ktime_get_ns();
			t->connect_ns = 0;
		}
		return 0;
	}
	if (newstate != TCP_ESTABLISHED || oldstate != TCP_SYN_SENT)
		return 0;
	t = bpf_sk_storage_get(&sockets, sk, 0, 0);
	if (t && t->syn_sent_ns)
		t->connect_ns = bpf_ktime_get_ns() - t->syn_sent_ns;
	return 0;
}
