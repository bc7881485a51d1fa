//go:build ignore

// oom.c: report every process the kernel OOM killer picks, with the victim's cgroup v2 id and
// memory, through a ring buffer. Two programs, one is loaded (oom.go picks by the kernel's BTF):
//   mark_victim_btf: tp_btf/mark_victim on kernels whose tracepoint passes the victim task (6.8+);
//   mark_oom_victim: fentry/mark_oom_victim(struct task_struct *tsk) on older kernels (6.1), the
//   function that fires the tracepoint there with the victim's pid alone.
// CO-RE: the structs below carry preserve_access_index, so libbpf-style relocations against the
// running kernel's BTF fix every offset; only the fields read are declared.

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char __license[] SEC("license") = "GPL";

#define TASK_COMM_LEN 16
#define MM_FILEPAGES 0
#define MM_ANONPAGES 1
#define MM_SHMEMPAGES 3

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

struct percpu_counter {
	__s64 count;
} __attribute__((preserve_access_index));

// 6.2+: rss_stat is an array of percpu_counter (count is the approximate total).
struct mm_struct {
	unsigned long total_vm;
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

// Up to 6.1: rss_stat is struct mm_rss_stat { atomic_long_t count[4]; }.
struct mm_rss_stat___old {
	long count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

struct signal_struct {
	short oom_score_adj;
} __attribute__((preserve_access_index));

struct kuid_t___s {
	unsigned int val;
};

struct cred {
	struct kuid_t___s uid;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	char comm[TASK_COMM_LEN];
	struct mm_struct *mm;
	struct css_set *cgroups;
	struct signal_struct *signal;
	const struct cred *cred;
} __attribute__((preserve_access_index));

// event is what user space reads (oom.go: Event); memory figures in pages.
struct event {
	__u64 ktime_ns;   // bpf_ktime_get_ns at the kill (CLOCK_MONOTONIC)
	__u64 cgroup_id;  // the victim's cgroup v2 id (kernfs id = the cgroup dir's inode number)
	__u64 total_vm;
	__u64 anon_rss;
	__u64 file_rss;
	__u64 shmem_rss;
	__u32 pid;        // the victim's thread group id
	__u32 tid;
	__u32 uid;
	__s16 oom_score_adj;
	__u8 comm[TASK_COMM_LEN];
	__u8 _pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
	__type(value, struct event);
} events SEC(".maps");

// rss reads counter i of mm: offsets from the running kernel's BTF (the element size too, which
// a plain array index would take from the declaration above).
static __always_inline __u64 rss(struct mm_struct *mm, int i)
{
	long v = 0;
	if (bpf_core_type_exists(struct mm_rss_stat___old)) {
		__u64 off = bpf_core_field_offset(struct mm_struct___old, rss_stat) +
			    bpf_core_field_offset(struct mm_rss_stat___old, count) + i * sizeof(long);
		bpf_probe_read_kernel(&v, sizeof(v), (void *)mm + off);
	} else {
		__u64 off = bpf_core_field_offset(struct mm_struct, rss_stat) +
			    i * bpf_core_type_size(struct percpu_counter) +
			    bpf_core_field_offset(struct percpu_counter, count);
		bpf_probe_read_kernel(&v, sizeof(v), (void *)mm + off);
	}
	return v < 0 ? 0 : v;
}

static __always_inline int report(struct task_struct *t)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = BPF_CORE_READ(t, tgid);
	e->tid = BPF_CORE_READ(t, pid);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	e->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	e->uid = BPF_CORE_READ(t, cred, uid.val);
	e->oom_score_adj = BPF_CORE_READ(t, signal, oom_score_adj);
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	if (mm) {
		e->total_vm = BPF_CORE_READ(mm, total_vm);
		e->anon_rss = rss(mm, MM_ANONPAGES);
		e->file_rss = rss(mm, MM_FILEPAGES);
		e->shmem_rss = rss(mm, MM_SHMEMPAGES);
	}
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP); // rare events: wake the reader at once
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim_btf, struct task_struct *task)
{
	return report(task);
}

SEC("fentry/mark_oom_victim")
int BPF_PROG(mark_oom_victim, struct task_struct *tsk)
{
	return report(tsk);
}
