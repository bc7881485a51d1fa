package credprovider

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Bounds on what podd reads of a plugin: its response (stdout) and its stderr.
const (
	maxResponse = 1 << 20
	maxStderr   = 64 << 10
	// pipeGrace is how long podd reads on after the plugin exited, for what a process it left
	// behind may still hold open.
	pipeGrace = time.Second
)

// run runs cmd in a process group of its own with stdin on its standard input and returns its
// standard output; a non-zero exit or ctx's end (the group is killed) is an error quoting its
// stderr. Its pipes are podd's own files, so nothing but the exit needs waiting for.
func (ps *Providers) run(ctx context.Context, cmd *exec.Cmd, stdin []byte) ([]byte, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	defer inR.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		inW.Close()
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		inW.Close()
		outW.Close()
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	defer errR.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pid, done, err := ps.start(cmd)
	inR.Close() // the plugin's ends: podd keeps only its own
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		return nil, err
	}
	go func() { _, _ = inW.Write(stdin); _ = inW.Close() }()
	outc, errc := readUpTo(outR, maxResponse), readUpTo(errR, maxStderr)
	var code int
	var timedOut bool
	select {
	case code = <-done:
	case <-ctx.Done():
		_ = unix.Kill(-pid, unix.SIGKILL)
		code, timedOut = <-done, true
	}
	out, stderr := collect(outc, outR), collect(errc, errR)
	switch {
	case timedOut:
		return nil, fmt.Errorf("%w (killed): %s", ctx.Err(), quoteStderr(stderr.data))
	case code != 0:
		return nil, fmt.Errorf("exit status %d: %s", code, quoteStderr(stderr.data))
	case out.over:
		return nil, fmt.Errorf("a response over %d bytes", maxResponse)
	}
	return out.data, nil
}

// start starts cmd through podd's reaper, or os/exec without one, and returns its pid and a
// channel of its shell-style exit code.
func (ps *Providers) start(cmd *exec.Cmd) (int, <-chan int, error) {
	done := make(chan int, 1)
	if ps.Reaper != nil {
		child, err := ps.Reaper.Start(cmd)
		if err != nil {
			return 0, nil, err
		}
		go func() { done <- (<-child.Exit).Code() }()
		return child.Pid, done, nil
	}
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	go func() {
		_ = cmd.Wait()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			done <- 128 + int(ws.Signal())
			return
		}
		done <- ws.ExitStatus()
	}()
	return cmd.Process.Pid, done, nil
}

type readResult struct {
	data []byte
	over bool // there was more than the limit
}

// readUpTo reads f to its end, keeping limit bytes at most.
func readUpTo(f *os.File, limit int64) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		data, _ := io.ReadAll(io.LimitReader(f, limit))
		n, _ := io.Copy(io.Discard, f)
		ch <- readResult{data: data, over: n > 0}
	}()
	return ch
}

// collect waits for a reader of the exited plugin's pipe, at most pipeGrace, then closes the
// pipe (a process the plugin left behind may hold its other end).
func collect(ch <-chan readResult, f *os.File) readResult {
	select {
	case r := <-ch:
		return r
	case <-time.After(pipeGrace):
		_ = f.SetReadDeadline(time.Now())
		return <-ch
	}
}
