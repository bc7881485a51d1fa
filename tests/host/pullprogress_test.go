package host

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// podctl image pull draws each layer's progress on stderr when it is a terminal, and is
// quiet on stderr otherwise.
func TestImagePullProgress(t *testing.T) {
	d := StartPodd(t)
	reg, host := testRegistry(t, d)
	img := podTestImage(t)
	reg.Push(t, "x:1", img)
	reg.Push(t, "x:2", img)
	if r := d.Ctl("image", "pull", host+"/x:1"); r.Code != 0 || r.Stderr != "" {
		t.Errorf("pull with stderr a pipe: %v, want nothing on stderr", r)
	}
	d.MustCtl("image", "rm", host+"/x:1")
	d.MustCtl("image", "prune")

	master, slave, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	var tty bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&tty, master) // ends with EIO once the slave is closed
	}()
	cmd := exec.Command(podctlBin, "image", "pull", host+"/x:2")
	cmd.Env = append(os.Environ(), "PODD_SOCKET="+d.Socket)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, slave
	err = cmd.Run()
	slave.Close()
	<-copied
	if err != nil {
		t.Fatalf("pull on a terminal: %v\n%s", err, tty.String())
	}
	layers, _ := img.Layers()
	for _, l := range layers {
		dg, _ := l.Digest()
		if want := dg.Hex[:12] + ": Pull complete"; !strings.Contains(tty.String(), want) {
			t.Errorf("terminal output %q: no %q", tty.String(), want)
		}
	}
	if !strings.Contains(stdout.String(), host+"/x@sha256:") {
		t.Errorf("stdout %q", stdout.String())
	}
}
