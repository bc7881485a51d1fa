package mounts

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

type mountCall struct {
	source, fstype, data string
	flags                uintptr
}

// fakeMount fails the versions in errs with their errno and records every call.
func fakeMount(calls *[]mountCall, errs map[string]unix.Errno) MountFunc {
	return func(source, target, fstype string, flags uintptr, data string) error {
		*calls = append(*calls, mountCall{source, fstype, data, flags})
		vers, _, _ := strings.Cut(strings.TrimPrefix(data, "vers="), ",")
		if e, ok := errs[vers]; ok {
			return e
		}
		return nil
	}
}

func versions(calls []mountCall) string {
	var out []string
	for _, c := range calls {
		out = append(out, c.fstype+":"+strings.Split(strings.TrimPrefix(c.data, "vers="), ",")[0])
	}
	return strings.Join(out, " ")
}

// Version negotiation as mount.nfs does it, and the options each attempt passes.
func TestMountNFSNegotiates(t *testing.T) {
	noV4 := map[string]unix.Errno{"4.2": unix.EPROTONOSUPPORT, "4.1": unix.EPROTONOSUPPORT, "4.0": unix.EPROTONOSUPPORT}
	cases := []struct {
		name    string
		errs    map[string]unix.Errno
		want    string
		wantErr string
	}{
		{"v4.2 server", nil, "nfs4:4.2", ""},
		{"v4.0 server", map[string]unix.Errno{"4.2": unix.EPROTONOSUPPORT, "4.1": unix.EINVAL}, "nfs4:4.2 nfs4:4.1 nfs4:4.0", ""},
		{"v3 only (PROG_MISMATCH)", noV4, "nfs4:4.2 nfs4:4.1 nfs4:4.0 nfs:3", ""},
		{"nothing on 2049", map[string]unix.Errno{"4.2": unix.ECONNREFUSED}, "nfs4:4.2 nfs:3", ""},
		{"no v4 pseudo-root", map[string]unix.Errno{"4.2": unix.ENOENT}, "nfs4:4.2 nfs:3", ""},
		{"silent server", map[string]unix.Errno{"4.2": unix.ETIMEDOUT}, "nfs4:4.2",
			"mount nfs 10.0.0.2:/exports (10.0.0.2): vers=4.2: ETIMEDOUT (connection timed out)"},
		{"refused everywhere", map[string]unix.Errno{"4.2": unix.ECONNREFUSED, "3": unix.ETIMEDOUT}, "nfs4:4.2 nfs:3",
			"mount nfs 10.0.0.2:/exports (10.0.0.2): vers=4.2: ECONNREFUSED (connection refused); vers=3: ETIMEDOUT (connection timed out)"},
		{"export refused", map[string]unix.Errno{"4.2": unix.EACCES}, "nfs4:4.2", "vers=4.2: EACCES (permission denied)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls []mountCall
			vers, err := MountNFS(context.Background(), NFS{Server: "10.0.0.2", Path: "/exports"}, "/mnt", fakeMount(&calls, c.errs))
			if got := versions(calls); got != c.want {
				t.Errorf("attempts %q, want %q", got, c.want)
			}
			switch {
			case c.wantErr == "" && (err != nil || !strings.HasSuffix(c.want, ":"+vers)):
				t.Errorf("mounted version %q, error %v", vers, err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
}

func TestNFSMountData(t *testing.T) {
	var calls []mountCall
	errs := map[string]unix.Errno{"4.2": unix.ECONNREFUSED}
	n := NFS{Server: "fd00::2", Path: "/x", ReadOnly: true}
	if _, err := MountNFS(context.Background(), n, "/mnt", fakeMount(&calls, errs)); err != nil {
		t.Fatal(err)
	}
	want := []mountCall{
		{"[fd00::2]:/x", "nfs4", "vers=4.2,addr=fd00::2,timeo=100,retrans=2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_RDONLY},
		{"[fd00::2]:/x", "nfs", "vers=3,addr=fd00::2,timeo=100,retrans=2,nolock", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_RDONLY},
	}
	if len(calls) != len(want) {
		t.Fatalf("calls %+v, want %+v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d: %+v, want %+v", i, calls[i], want[i])
		}
	}
	calls = nil
	if _, err := MountNFS(context.Background(), NFS{Server: "[10.1.2.3]", Path: "/e"}, "/mnt", fakeMount(&calls, nil)); err != nil {
		t.Fatal(err)
	}
	if c := calls[0]; c.source != "10.1.2.3:/e" || c.data != "vers=4.2,addr=10.1.2.3,timeo=100,retrans=2" || c.flags != unix.MS_NOSUID|unix.MS_NODEV {
		t.Errorf("call %+v", c)
	}
}

// A server given by name keeps its name in the source (what mountinfo shows) and is resolved by
// podd for addr=; a name that does not resolve fails before any mount(2), naming the server.
func TestNFSServerByName(t *testing.T) {
	var calls []mountCall
	if _, err := MountNFS(context.Background(), NFS{Server: "localhost", Path: "/e"}, "/mnt", fakeMount(&calls, nil)); err != nil {
		t.Fatal(err)
	}
	if c := calls[0]; c.source != "localhost:/e" ||
		!(strings.Contains(c.data, ",addr=127.0.0.1,") || strings.Contains(c.data, ",addr=::1,")) {
		t.Errorf("call %+v", c)
	}
	calls = nil
	_, err := MountNFS(context.Background(), NFS{Server: "bad..name", Path: "/e"}, "/mnt", fakeMount(&calls, nil))
	if err == nil || !strings.Contains(err.Error(), "nfs server bad..name") || len(calls) != 0 {
		t.Errorf("error %v after %d mounts", err, len(calls))
	}
}
