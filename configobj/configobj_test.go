package configobj

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func testStore(t *testing.T) *Store {
	t.Helper()
	s := NewStore(t.TempDir())
	if _, res, err := s.PutConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default"},
		Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"bin": {0, 1}}}); err != nil || res != Created {
		t.Fatalf("put configmap: %s %v", res, err)
	}
	if _, _, err := s.PutSecret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec", Namespace: "default"},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"pw": []byte("s3cret")}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStorePutGetListDelete(t *testing.T) {
	s := testStore(t)
	st, err := os.Stat(filepath.Join(s.dir, "secrets", "default", "sec.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v, want mode 0600", st, err)
	}
	cm, _ := s.ConfigMap("default", "cm")
	_, res, err := s.PutConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default"},
		Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"bin": {0, 1}}})
	if err != nil || res != Unchanged {
		t.Errorf("same content again: %s %v", res, err)
	}
	out, res, err := s.PutConfigMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default"},
		Data: map[string]string{"a": "3"}})
	if err != nil || res != Configured || out.UID != cm.UID || out.ResourceVersion != "2" {
		t.Errorf("update: %s %v %+v", res, err, out.ObjectMeta)
	}
	if l, err := s.ConfigMaps(""); err != nil || len(l) != 1 {
		t.Errorf("list: %v %v", l, err)
	}
	if err := s.DeleteObject(ConfigMaps, "default", "cm"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfigMap("default", "cm"); !apierrors.IsNotFound(err) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.DeleteObject(ConfigMaps, "default", "cm"); !apierrors.IsNotFound(err) {
		t.Errorf("second delete: %v", err)
	}
}

func TestStoreImmutable(t *testing.T) {
	s := NewStore(t.TempDir())
	yes := true
	cm := func(v string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}, Immutable: &yes, Data: map[string]string{"k": v}}
	}
	if _, _, err := s.PutConfigMap(cm("1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PutConfigMap(cm("2")); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "data: Forbidden") {
		t.Errorf("immutable update: %v", err)
	}
}

func pod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u-1",
		Labels: map[string]string{"b": "2", "a": "x\"y"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{"cpu": resource.MustParse("250m"), "memory": resource.MustParse("64Mi")}}}}}}
}

func TestVolumeFiles(t *testing.T) {
	s := testStore(t)
	p := field.NewPath("spec", "volumes").Index(0)
	mode := int32(0o600)
	files, fe := s.VolumeFiles(pod(), &corev1.Volume{VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, DefaultMode: &mode}}}, p)
	if fe != nil || len(files) != 3 || files[0].Path != "a" || files[2].Path != "bin" || files[0].Mode != 0o600 {
		t.Errorf("configMap files: %+v %v", files, fe)
	}
	_, fe = s.VolumeFiles(pod(), &corev1.Volume{VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: "sec", Items: []corev1.KeyToPath{{Key: "nope", Path: "x"}}}}}, p)
	if fe == nil || fe.Error() != "spec.volumes[0].secret.items[0].key: Not found: references non-existent secret key: nope" {
		t.Errorf("missing key: %v", fe)
	}
	_, fe = s.VolumeFiles(pod(), &corev1.Volume{VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}}}}, p)
	if fe == nil || fe.Error() != `spec.volumes[0].configMap.name: Not found: configmap "gone" not found` {
		t.Errorf("missing configmap: %v", fe)
	}
	yes := true
	files, fe = s.VolumeFiles(pod(), &corev1.Volume{VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Optional: &yes}}}, p)
	if fe != nil || len(files) != 0 {
		t.Errorf("optional missing configmap: %v %v", files, fe)
	}
	files, fe = s.VolumeFiles(pod(), &corev1.Volume{VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.cpu", Divisor: resource.MustParse("1m")}},
			{Path: "mem", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}},
		}}}}, p)
	if fe != nil || string(files[0].Data) != "a=\"x\\\"y\"\nb=\"2\"" || string(files[1].Data) != "250" || string(files[2].Data) != "64" {
		t.Errorf("downward files: %q %q %q %v", files[0].Data, files[1].Data, files[2].Data, fe)
	}
}

func TestEnv(t *testing.T) {
	s := testStore(t)
	yes := true
	c := &corev1.Container{Name: "app",
		EnvFrom: []corev1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}},
		Env: []corev1.EnvVar{
			{Name: "CM_a", Value: "overridden"},
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "pw"}}},
			{Name: "OPT", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "no", Optional: &yes}}},
			{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
			{Name: "A", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['b']"}}},
			{Name: "CPU", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
		}}
	env, fe := s.Env(pod(), c, PodFacts{NodeName: "host", PodIP: "10.77.0.2"}, field.NewPath("spec", "containers").Index(0))
	if fe != nil {
		t.Fatal(fe)
	}
	var got []string
	for _, e := range env {
		got = append(got, e.Name+"="+e.Value)
	}
	want := "CM_a=1 CM_b=2 CM_a=overridden PW=s3cret IP=10.77.0.2 NODE=host A=2 CPU=1"
	if strings.Join(got, " ") != want {
		t.Errorf("env\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "zz"}}}}
	_, fe = s.Env(pod(), c, PodFacts{}, field.NewPath("spec", "containers").Index(0))
	if fe == nil || fe.Error() != "spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Not found: couldn't find key zz in ConfigMap default/cm" {
		t.Errorf("missing key: %v", fe)
	}
}

func TestExpand(t *testing.T) {
	env := []string{"POD=web", "NS=default"}
	for in, want := range map[string]string{"$(POD)/logs": "web/logs", "$$(POD)": "$(POD)", "$(NOPE)/x": "$(NOPE)/x",
		"a$(NS)b": "adefaultb", "$(POD": "$(POD", "$": "$"} {
		if got := Expand(in, env); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPodIPsEnv: status.podIPs is the pod's addresses joined by commas (kubelet's), podIP the
// first.
func TestPodIPsEnv(t *testing.T) {
	s := testStore(t)
	ref := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	c := &corev1.Container{Name: "app", Env: []corev1.EnvVar{{Name: "IP", ValueFrom: ref("status.podIP")}, {Name: "IPS", ValueFrom: ref("status.podIPs")}}}
	for _, f := range []PodFacts{
		{PodIP: "10.77.0.2", PodIPs: []string{"10.77.0.2", "fd77::2"}},
		{PodIP: "10.77.0.2"},
	} {
		env, fe := s.Env(pod(), c, f, field.NewPath("spec", "containers").Index(0))
		want := "IPS=" + strings.Join(f.PodIPs, ",")
		if f.PodIPs == nil {
			want = "IPS=10.77.0.2"
		}
		if fe != nil || len(env) != 2 || env[0].Value != "10.77.0.2" || "IPS="+env[1].Value != want {
			t.Errorf("%+v: env %v, %v; want IP=10.77.0.2 %s", f, env, fe, want)
		}
	}
}

// A dry run says what a put would do and stores nothing.
func TestStoreDryRun(t *testing.T) {
	s := testStore(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default"}, Data: map[string]string{"a": "9"}}
	if _, res, err := s.DryRunConfigMap(cm); err != nil || res != Configured {
		t.Errorf("dry run of a change: %s %v", res, err)
	}
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "default"}}
	if _, res, err := s.DryRunConfigMap(other); err != nil || res != Created {
		t.Errorf("dry run of a new one: %s %v", res, err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec2", Namespace: "default"}, Type: corev1.SecretTypeOpaque}
	if _, res, err := s.DryRunSecret(sec); err != nil || res != Created {
		t.Errorf("dry run of a new secret: %s %v", res, err)
	}
	if got, _ := s.ConfigMap("default", "cm"); got.Data["a"] != "1" {
		t.Errorf("the dry run changed the configmap: %v", got.Data)
	}
	if _, err := s.ConfigMap("default", "new"); !apierrors.IsNotFound(err) {
		t.Errorf("the dry run stored a configmap: %v", err)
	}
	if _, err := s.Secret("default", "sec2"); !apierrors.IsNotFound(err) {
		t.Errorf("the dry run stored a secret: %v", err)
	}
}
