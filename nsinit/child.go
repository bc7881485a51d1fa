package nsinit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/podd/podd/mounts"
	"github.com/podd/podd/rootfs/overlay"
	"golang.org/x/sys/unix"
)

// Namespaces (cgroup) and execve are per thread: the child keeps all its work on the main thread.
func init() {
	if IsChild() {
		runtime.LockOSThread()
	}
}

// IsChild reports whether this process was started as the nsinit child (podd re-executing
// itself when podd-nsinit is missing).
func IsChild() bool { return len(os.Args) > 1 && os.Args[1] == Arg }

// Main runs the child side; it only returns by exiting.
func Main() {
	unix.Close(binaryFD) // what this process runs from; it stays its /proc/self/exe
	errPipe := os.NewFile(errorFD, "nsinit-error")
	unix.CloseOnExec(errorFD)
	cfg, err := readConfig()
	if err == nil {
		err = become(cfg)
	}
	fmt.Fprint(errPipe, err.Error())
	os.Exit(1)
}

func readConfig() (*Config, error) {
	f := os.NewFile(configFD, "nsinit-config")
	defer f.Close()
	var cfg Config
	if err := json.NewDecoder(f).Decode(&cfg); err != nil {
		return nil, fmt.Errorf("read nsinit config: %w", err)
	}
	return &cfg, nil
}

// become builds the container around this process and execs its command. It returns only on
// error.
func become(cfg *Config) error {
	steps := []struct {
		what string
		do   func() error
	}{
		{"unshare cgroup namespace", func() error { return unix.Unshare(unix.CLONE_NEWCGROUP) }},
		{"make mounts private", func() error { return unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, "") }},
		{"mount rootfs", cfg.Overlay.Mount},
		{"mount volumes", func() error { return mountInRoot(cfg) }},
		{"pivot_root", func() error { return overlay.PivotRoot(cfg.Overlay.Target) }},
	}
	for _, s := range steps {
		err := s.do()
		var fe fieldError
		if errors.As(err, &fe) && fe.field != "" {
			return err // already names the manifest field at fault
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return execute(cfg)
}

func mountInRoot(cfg *Config) error {
	root, err := mounts.OpenRoot(cfg.Overlay.Target)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, b := range cfg.Binds {
		if err := root.Bind(b); err != nil {
			return fieldError{b.Field, err}
		}
	}
	if err := root.MountPseudo(); err != nil {
		return err
	}
	return root.Mask()
}

// execute resolves the command in the container's PATH and replaces this process with it.
func execute(cfg *Config) error {
	if err := unix.Chdir(cfg.Cwd); err != nil {
		return fmt.Errorf("chdir to working directory %q: %w", cfg.Cwd, err)
	}
	path, err := LookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return err
	}
	if err := LimitCaps(DefaultCaps); err != nil {
		return err
	}
	// CVE-2024-21626: no descriptor of podd's may survive into the container.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("close_range: %w", err)
	}
	if err := unix.Exec(path, cfg.Args, cfg.Env); err != nil {
		return fmt.Errorf("exec %q: %w", path, err)
	}
	return nil
}

// fieldError is a setup error caused by one field of the manifest, reported as "field: reason".
type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string {
	if e.field == "" {
		return e.err.Error()
	}
	return e.field + ": " + e.err.Error()
}

func (e fieldError) Unwrap() error { return e.err }
