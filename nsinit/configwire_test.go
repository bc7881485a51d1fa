package nsinit

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/podd/podd/mounts"
	"github.com/podd/podd/rootfs/overlay"
)

// wireCfg sets every field of Config (TestConfigWireRoundTrip checks that it does), with the
// strings JSON must escape.
var wireCfg = Config{
	Overlay: overlay.Overlay{
		Lowers: []string{"/var/lib/podd/images/layers/a/rootfs", "/l/b,c:d"},
		Upper:  "/var/lib/podd/pods/x/containers/app/upper", Work: "/w\"q\\b",
		Target: "/var/lib/podd/pods/x/containers/app/rootfs",
	},
	Binds: []mounts.Bind{
		{Source: "/var/lib/podd/pods/x/etc", SubPath: "hosts", Dest: "/etc/hosts"},
		{Source: "/v/html", SubPath: "site/$(POD)", Dest: "/html", ReadOnly: true, Field: "spec.containers[0].volumeMounts[0]",
			RecursiveRO: "Enabled", Propagation: "HostToContainer"},
	},
	Args: []string{"sh", "-c", "echo <a&b> \u2028 \t\n\x01 é 😀 \"x\" \\"},
	Env:  []string{"PATH=/usr/bin:/bin", "EMPTY="},
	Cwd:  "/work dir",
	Security: Security{UID: 1000, GID: 4294967295, Groups: []uint32{5, 1000}, Caps: []int{1, 63},
		Privileged: true, NoNewPrivs: true, ReadOnlyRoot: true, Seccomp: []byte{0x20, 1, 2, 3, 4, 5, 6, 7, 0xff},
		NofileSoft: 1024, NofileHard: 1048576, OOMScoreAdj: -997, Sysctls: []string{"net/ipv4/ip_forward=1"}},
}

// roundTrip sends c as the parent does (json.Encoder) and reads it as the child does.
func roundTrip(t *testing.T, c Config) Config {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(&c); err != nil {
		t.Fatal(err)
	}
	var got Config
	if err := json.NewDecoder(&buf).Decode(&got); err != nil {
		t.Fatalf("decode %s: %v", buf.Bytes(), err)
	}
	return got
}

func TestConfigWireRoundTrip(t *testing.T) {
	assertAllSet(t, reflect.ValueOf(wireCfg), "Config")
	if got := roundTrip(t, wireCfg); !reflect.DeepEqual(got, wireCfg) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, wireCfg)
	}
	if got := roundTrip(t, Config{Args: []string{"true"}}); !reflect.DeepEqual(got, Config{Args: []string{"true"}}) {
		t.Errorf("round trip of a sparse config: %+v", got)
	}
}

// assertAllSet fails for a zero field anywhere in v: a field added to Config (or to the types
// it holds) must be set in wireCfg, so that this test sees whether the wire form carries it.
func assertAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			assertAllSet(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is empty in wireCfg", path)
		}
		for i := range v.Len() {
			assertAllSet(t, v.Index(i), path)
		}
	default:
		if v.IsZero() && !strings.HasSuffix(path, "Binds.ReadOnly") && !strings.HasSuffix(path, "Binds.Field") &&
			!strings.HasSuffix(path, "Binds.RecursiveRO") && !strings.HasSuffix(path, "Binds.Propagation") {
			t.Errorf("%s is zero in wireCfg", path)
		}
	}
}

func TestConfigWireInvalidUTF8(t *testing.T) {
	got := roundTrip(t, Config{Cwd: "a\xffb"})
	if got.Cwd != "a\uFFFDb" {
		t.Errorf("Cwd %q, want the invalid byte as U+FFFD", got.Cwd)
	}
}

func TestConfigWireRejects(t *testing.T) {
	for name, in := range map[string]string{
		"struct form":    `{"overlay":{"Target":"/r"},"args":["true"],"cwd":"/"}`,
		"version 1":      `["nsinit-config/1","/r","","","0","0","0","0","/"]`,
		"version 2":      `["nsinit-config/2","/r","","","0","0","0","0","/","0","0","0","0","","","0","0","0","0"]`,
		"truncated":      `["nsinit-config/3","/r","","","0","0"]`,
		"bad count":      `["nsinit-config/3","/r","","","x","0","0","0","/","0","0","0","0","","","0","0","0","0"]`,
		"huge count":     `["nsinit-config/3","/r","","","99999999","0","0","0","/","0","0","0","0","","","0","0","0","0"]`,
		"extra element":  `["nsinit-config/3","/r","","","0","0","0","0","/","0","0","0","0","","","0","0","0","0","more"]`,
		"number element": `["nsinit-config/3","/r","","",0,"0","0","0","/","0","0","0","0","","","0","0","0","0"]`,
		"bad escape":     `["nsinit-config/3","/r\q","","","0","0","0","0","/","0","0","0","0","","","0","0","0","0"]`,
		"no security":    `["nsinit-config/3","/r","","","0","0","0","0","/"]`,
		"bad uid":        `["nsinit-config/3","/r","","","0","0","0","0","/","-1","0","0","0","","","0","0","0","0"]`,
		"bad flag":       `["nsinit-config/3","/r","","","0","0","0","0","/","0","0","0","0","x","","0","0","0","0"]`,
		"bad cap":        `["nsinit-config/3","/r","","","0","0","0","0","/","0","0","0","1","64","","","0","0","0","0"]`,
		"bad oom score":  `["nsinit-config/3","/r","","","0","0","0","0","/","0","0","0","0","","","0","0","-1001","0"]`,
	} {
		var c Config
		if err := json.Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%s: %s decoded without error: %+v", name, in, c)
		}
	}
}

// structConfig is Config without its wire methods: encoding/json's struct form, what the
// config pipe carried before (for BenchmarkChildConfig's comparison).
type structConfig struct {
	Overlay  overlay.Overlay `json:"overlay"`
	Binds    []mounts.Bind   `json:"binds,omitempty"`
	Args     []string        `json:"args"`
	Env      []string        `json:"env"`
	Cwd      string          `json:"cwd"`
	Security Security        `json:"security"`
}

// The test binary run with childConfigVar set reads a config on stdin the way the child does
// (json.Decoder on a pipe) and exits; the value says how: "read" only reads it, "wire" decodes
// the wire form into Config, "struct" the struct form into structConfig.
const childConfigVar = "NSINIT_BENCH_CONFIG"

func init() {
	how := os.Getenv(childConfigVar)
	if how == "" {
		return
	}
	var err error
	switch how {
	case "read":
		_, err = io.ReadAll(os.Stdin)
	case "wire":
		var c Config
		err = json.NewDecoder(os.Stdin).Decode(&c)
	case "struct":
		var c structConfig
		err = json.NewDecoder(os.Stdin).Decode(&c)
	}
	if err != nil {
		os.Exit(2)
	}
	os.Exit(0)
}

// BenchmarkChildConfig reports the CPU of a fresh process (with the child's environment) that
// reads a container's config from a pipe and exits: read only, decoded from the wire form
// (readConfig now), decoded from encoding/json's struct form (readConfig before). The
// difference from "read" is what decoding adds to every container start.
func BenchmarkChildConfig(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	var wire, structForm bytes.Buffer
	if err := json.NewEncoder(&wire).Encode(wireCfg); err != nil {
		b.Fatal(err)
	}
	if err := json.NewEncoder(&structForm).Encode(structConfig(wireCfg)); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		how   string
		input []byte
	}{{"read", wire.Bytes()}, {"wire", wire.Bytes()}, {"struct", structForm.Bytes()}} {
		b.Run(tc.how, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(self)
				cmd.Env = append([]string{childConfigVar + "=" + tc.how}, childEnv...)
				cmd.Stdin = bytes.NewReader(tc.input)
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
