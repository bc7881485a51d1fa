package cgroupfs

import "os"

// Manager is the cgroup work a pod runtime does, as an interface so that the runtime's unit
// tests can record it with a fake instead of needing root and a cgroup2 mount. Host is the real
// one: the functions of this package.
type Manager interface {
	Create(dir string) error
	Set(dir string, r Resources) error
	SetCPUMax(dir, value string) error
	EnableControllers(dir string, ctrls []string) error
	Controllers(dir string) (map[string]bool, error)
	MoveSelf(dir string) error
	Open(dir string) (*os.File, error)
	Kill(dir string) error
	Freeze(dir string, frozen bool) error
	Populated(dir string) (bool, error)
	Pids(dir string) ([]int, error)
	MemoryEvents(dir string) (map[string]uint64, error)
	Remove(dir string) error
}

// Host is the Manager of the cgroup2 files of this machine.
type Host struct{}

var _ Manager = Host{}

func (Host) Create(dir string) error                            { return Create(dir) }
func (Host) Set(dir string, r Resources) error                  { return Set(dir, r) }
func (Host) SetCPUMax(dir, value string) error                  { return SetCPUMax(dir, value) }
func (Host) EnableControllers(dir string, ctrls []string) error { return EnableControllers(dir, ctrls) }
func (Host) Controllers(dir string) (map[string]bool, error)    { return Controllers(dir) }
func (Host) MoveSelf(dir string) error                          { return MoveSelf(dir) }
func (Host) Open(dir string) (*os.File, error)                  { return Open(dir) }
func (Host) Kill(dir string) error                              { return Kill(dir) }
func (Host) Freeze(dir string, frozen bool) error               { return Freeze(dir, frozen) }
func (Host) Populated(dir string) (bool, error)                 { return Populated(dir) }
func (Host) Pids(dir string) ([]int, error)                     { return Pids(dir) }
func (Host) MemoryEvents(dir string) (map[string]uint64, error) { return MemoryEvents(dir) }
func (Host) Remove(dir string) error                            { return Remove(dir) }

// Freeze stops (frozen) or resumes every process of the cgroup dir and its descendants by
// writing cgroup.freeze (Linux >= 5.2). The kernel freezes asynchronously: cgroup.events says
// "frozen 1" once every process is stopped; SIGKILL is still delivered to frozen processes.
func Freeze(dir string, frozen bool) error {
	v := "0"
	if frozen {
		v = "1"
	}
	return writeFile(dir, "cgroup.freeze", v)
}
