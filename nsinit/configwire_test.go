package nsinit

import (
	"bytes"
	"encoding/json"
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
		{Source: "/var/lib/podd/pods/x/etc/hosts", Dest: "/etc/hosts"},
		{Source: "/v/html", Dest: "/html", ReadOnly: true, Field: "spec.containers[0].volumeMounts[0]"},
	},
	Args: []string{"sh", "-c", "echo <a&b> \u2028 \t\n\x01 é 😀 \"x\" \\"},
	Env:  []string{"PATH=/usr/bin:/bin", "EMPTY="},
	Cwd:  "/work dir",
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
		if v.IsZero() && !strings.HasSuffix(path, "Binds.ReadOnly") && !strings.HasSuffix(path, "Binds.Field") {
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
		"other version":  `["nsinit-config/0","/r","","","0","0","0","0","/"]`,
		"truncated":      `["nsinit-config/1","/r","","","0","0"]`,
		"bad count":      `["nsinit-config/1","/r","","","x","0","0","0","/"]`,
		"huge count":     `["nsinit-config/1","/r","","","99999999","0","0","0","/"]`,
		"extra element":  `["nsinit-config/1","/r","","","0","0","0","0","/","more"]`,
		"number element": `["nsinit-config/1","/r","","",0,"0","0","0","/"]`,
		"bad escape":     `["nsinit-config/1","/r\q","","","0","0","0","0","/"]`,
	} {
		var c Config
		if err := json.Unmarshal([]byte(in), &c); err == nil {
			t.Errorf("%s: %s decoded without error: %+v", name, in, c)
		}
	}
}

// The test binary run with childConfigVar set decodes a config the way the child does (from a
// pipe-like reader, json.Decoder) and exits: the cost of readConfig in a fresh process.
const childConfigVar = "NSINIT_BENCH_CONFIG"

func init() {
	if os.Getenv(childConfigVar) == "" {
		return
	}
	var c Config
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil || len(c.Args) == 0 {
		os.Exit(2)
	}
	os.Exit(0)
}

// BenchmarkChildConfig reports the CPU of a fresh process that decodes a container's config
// (wire form) and exits, against one that exits at once: what readConfig adds to each
// container start. With encoding/json's reflection on the struct form it was ~2 ms.
func BenchmarkChildConfig(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	var wire bytes.Buffer
	if err := json.NewEncoder(&wire).Encode(wireCfg); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, env string }{{"exit", benchExitVar}, {"decode", childConfigVar}} {
		b.Run(tc.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(self)
				cmd.Env = append([]string{tc.env + "=1"}, childEnv...)
				cmd.Stdin = bytes.NewReader(wire.Bytes())
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
