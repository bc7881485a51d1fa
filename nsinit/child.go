package nsinit

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/podd/podd/internal/fdkeep"
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

// IsChild reports whether this process was started as the nsinit child, the pause process or
// the fd keeper (podd re-executing itself when podd-nsinit is missing).
func IsChild() bool {
	return len(os.Args) > 1 && os.Args[1] == Arg || len(os.Args) > 0 && (os.Args[0] == PauseArg0 || os.Args[0] == fdkeep.Arg0)
}

// Main runs the child side; it only returns by exiting.
func Main() {
	if os.Args[0] == PauseArg0 {
		runPause()
		os.Exit(0)
	}
	if os.Args[0] == fdkeep.Arg0 {
		runKeeper()
		os.Exit(0)
	}
	unix.Close(binaryFD) // what this process runs from; it stays its /proc/self/exe
	syncPipe := os.NewFile(syncFD, "nsinit-sync")
	unix.CloseOnExec(syncFD)
	cfg, err := readConfig()
	if err == nil {
		err = become(cfg)
	}
	_ = writeReport(syncPipe, setupError(StepConfig, "", err))
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
// error, a *SetupError. A config without a root to mount is a command exec'd into a running
// container: the process is already in its namespaces and cgroup.
func become(cfg *Config) error {
	if cfg.Overlay.Target == "" {
		return execute(cfg)
	}
	steps := []struct {
		step Step
		path string
		do   func() error
	}{
		{StepCgroupNS, "", func() error { return unix.Unshare(unix.CLONE_NEWCGROUP) }},
		{StepMountPrivate, "/", func() error { return rootPropagation(cfg) }},
		{StepMountRootfs, cfg.Overlay.Target, cfg.Overlay.Mount},
		{StepMountVolume, cfg.Overlay.Target, func() error { return mountInRoot(cfg) }},
		{StepPivotRoot, cfg.Overlay.Target, func() error { return overlay.PivotRoot(cfg.Overlay.Target) }},
		{StepReadOnlyRoot, "/", func() error {
			if !cfg.Security.ReadOnlyRoot {
				return nil
			}
			return readOnlyRoot()
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return setupError(s.step, s.path, err)
		}
	}
	if wantsConsole() {
		if err := setupConsole(); err != nil {
			return setupError(StepConsole, "/dev/pts/ptmx", err)
		}
	}
	return execute(cfg)
}

// mountInRoot mounts the volumes and the pseudo file systems inside the root and masks paths;
// each failure says its step and the mount point.
func mountInRoot(cfg *Config) error {
	root, err := mounts.OpenRoot(cfg.Overlay.Target)
	if err != nil {
		return err
	}
	defer root.Close()
	early, late, shm := mounts.SplitDevBinds(cfg.Binds)
	if err := bindAll(root, early); err != nil {
		return err
	}
	var skip []string
	if shm { // the pod's shared /dev/shm, or a volume mounted there, instead of a tmpfs of its own
		skip = append(skip, mounts.ShmPath)
	}
	if err := root.MountPseudo(skip...); err != nil {
		return setupError(StepMountPseudo, "", err)
	}
	if err := writeSysctls(root, cfg.Security.Sysctls); err != nil {
		return setupError(StepSysctls, "", err)
	}
	if err := bindAll(root, late); err != nil {
		return err
	}
	if cfg.Security.Privileged {
		if err := privilegedRoot(root); err != nil {
			return setupError(StepMountPseudo, "", err)
		}
		return nil
	}
	if err := root.Mask(); err != nil {
		return setupError(StepMaskPaths, "", err)
	}
	return nil
}

// bindAll binds each volume; a failure names its mount point and field.
func bindAll(root *mounts.Root, binds []mounts.Bind) error {
	for _, b := range binds {
		if err := root.Bind(b); err != nil {
			se := setupError(StepMountVolume, b.Dest, err)
			se.Field = b.Field
			return se
		}
	}
	return nil
}

// execute resolves the command in the container's PATH and replaces this process with it.
func execute(cfg *Config) error {
	if err := unix.Chdir(cfg.Cwd); err != nil {
		return setupError(StepChdir, cfg.Cwd, fmt.Errorf("working directory: %w", err))
	}
	path, err := LookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return err
	}
	if err := confine(&cfg.Security); err != nil {
		return err
	}
	// CVE-2024-21626: no descriptor of podd's may survive into the container.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return setupError(StepCloseFDs, "", fmt.Errorf("close_range: %w", err))
	}
	if cfg.Security.NoNewPrivs {
		// Last before execve: the filter then only has to allow execve itself.
		if err := loadSeccomp(cfg.Security.Seccomp); err != nil {
			return setupError(StepSeccomp, "", err)
		}
	}
	err = unix.Exec(path, cfg.Args, cfg.Env)
	return setupError(StepExec, path, err)
}

// confine applies s up to the seccomp filter: capabilities, limits, then the user (which
// costs a non-root user its capabilities), then no_new_privs. Without no_new_privs the filter
// is loaded before the user changes, while CAP_SYS_ADMIN is still effective (as runc does);
// the profile must then allow what follows (setgroups, setresuid, close_range, execve).
func confine(s *Security) error {
	if !s.Privileged {
		if err := LimitCaps(s.Caps); err != nil {
			return setupError(StepCaps, "", err)
		}
	}
	if err := applyLimits(s); err != nil {
		return setupError(StepLimits, "", err)
	}
	if !s.NoNewPrivs {
		if err := loadSeccomp(s.Seccomp); err != nil {
			return setupError(StepSeccomp, "", err)
		}
	}
	if err := setCredentials(s); err != nil {
		return setupError(StepUser, "", err)
	}
	if s.NoNewPrivs {
		if err := setNoNewPrivs(); err != nil {
			return setupError(StepNoNewPrivs, "", err)
		}
	}
	return nil
}
