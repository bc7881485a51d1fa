package ctl

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPrintConfigTables(t *testing.T) {
	now := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	meta := metav1.ObjectMeta{Name: "app-config", Namespace: "default", CreationTimestamp: metav1.NewTime(now.Add(-90 * time.Second))}
	cm := configObject{obj: &corev1.ConfigMap{}, meta: meta, dataKeys: 2}
	var b bytes.Buffer
	if err := printConfig(&b, []configObject{cm}, "", false, false, now); err != nil {
		t.Fatal(err)
	}
	if want := "NAME         DATA   AGE\napp-config   2      90s\n"; b.String() != want {
		t.Errorf("configmaps table:\n%q\nwant\n%q", b.String(), want)
	}
	sec := configObject{obj: &corev1.Secret{}, meta: meta, secret: true, typ: "Opaque", dataKeys: 1}
	b.Reset()
	if err := printConfig(&b, []configObject{sec}, "", true, false, now); err != nil {
		t.Fatal(err)
	}
	if want := "NAMESPACE   NAME         TYPE     DATA   AGE\ndefault     app-config   Opaque   1      90s\n"; b.String() != want {
		t.Errorf("secrets table -A:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := printConfig(&b, []configObject{cm, sec}, "name", false, false, now); err != nil || b.String() != "configmap/app-config\nsecret/app-config\n" {
		t.Errorf("-o name: %q %v", b.String(), err)
	}
}

func TestConfigArgs(t *testing.T) {
	for _, c := range []struct {
		args  []string
		res   string
		names []string
		ok    bool
	}{
		{[]string{"cm", "a", "b"}, "configmaps", []string{"a", "b"}, true},
		{[]string{"secret/x", "secrets/y"}, "secrets", []string{"x", "y"}, true},
		{[]string{"pods", "x"}, "", nil, false},
	} {
		res, names, ok, err := configArgs(c.args)
		if err != nil || res != c.res || ok != c.ok || len(names) != len(c.names) {
			t.Errorf("%v: %q %v %v %v", c.args, res, names, ok, err)
		}
	}
	if _, _, ok, err := configArgs([]string{"cm/x", "secret/y"}); !ok || err == nil {
		t.Errorf("mixed types accepted")
	}
}
