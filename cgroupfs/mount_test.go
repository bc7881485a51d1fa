package cgroupfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"

	"github.com/podd/podd/internal/testutil"
)

const hybridMountinfo = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

const v2Mountinfo = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
90 30 0:24 /podd /run/elsewhere rw,relatime - cgroup2 cgroup2 rw
`

const v1Mountinfo = `31 25 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
`

const otherMountinfo = `90 30 0:24 /sub /mnt/a rw,relatime - cgroup2 cgroup2 rw
91 30 0:24 / /mnt/b rw,relatime - cgroup2 cgroup2 rw
`

func TestPickV2Mount(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, want string
	}{
		{"hybrid", hybridMountinfo, "/sys/fs/cgroup/unified"},
		{"pure v2", v2Mountinfo, "/sys/fs/cgroup"},
		{"elsewhere: prefer the root of the hierarchy", otherMountinfo, "/mnt/b"},
		{"v1 only", v1Mountinfo, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mounts, err := mountinfo.GetMountsFromReader(strings.NewReader(tc.mountinfo), mountinfo.FSTypeFilter("cgroup2"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := pickV2Mount(mounts)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseProcCgroup(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"0::/podd/supervisor\n", "/podd/supervisor", true},
		{"9:name=systemd:/\n4:memory:/process_api/88\n1:cpu:/\n0::/\n", "/", true},
		{"12:pids:/x\n1:name=systemd:/y\n", "", false},
		{"", "", false},
	} {
		got, err := parseProcCgroup(strings.NewReader(tc.in))
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("parseProcCgroup(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// V2Mount and SelfPath on this host: the mount must be a cgroup2 directory holding
// cgroup.procs, and SelfPath a directory in it.
func TestV2MountAndSelfPathHere(t *testing.T) {
	mnt, err := V2Mount()
	if err != nil {
		testutil.Unavailable(t, "no cgroup2 mount: "+err.Error())
	}
	if _, err := os.Stat(filepath.Join(mnt, "cgroup.procs")); err != nil {
		t.Fatalf("V2Mount = %s: %v", mnt, err)
	}
	self, err := SelfPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(self, "/") {
		t.Fatalf("SelfPath = %q", self)
	}
	if _, err := os.Stat(filepath.Join(mnt, self, "cgroup.procs")); err != nil {
		t.Logf("SelfPath %q not under %s (cgroup namespace or bind mount?): %v", self, mnt, err)
	}
	if p, err := PidPath(os.Getpid()); err != nil || p != self {
		t.Errorf("PidPath(self) = %q, %v; want %q", p, err, self)
	}
}
