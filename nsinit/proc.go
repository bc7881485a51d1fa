package nsinit

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// PidfdChecked opens a pidfd for pid first, then runs check (reading /proc/PID or the
// process's cgroup); the pidfd still referring to a live process afterwards proves that what
// check read was that process's (no pid reuse). It returns -1 when pid is gone or fails the
// check, and an error only when pidfd_open fails otherwise.
func PidfdChecked(pid int, check func() bool) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	if !check() || unix.PidfdSendSignal(fd, 0, nil, 0) != nil {
		unix.Close(fd)
		return -1, nil
	}
	return fd, nil
}

// IsNSInit reports whether pid is PID 1 of a PID namespace one level below ours (NSpid ends
// in 1 and has one more level than ours): a container's process, not a command exec'd into
// it, nor the init of a namespace the container made itself.
func IsNSInit(pid int) bool {
	ids := nsPids("/proc/" + strconv.Itoa(pid) + "/status")
	self := nsPids("/proc/self/status")
	return len(self) > 0 && len(ids) == len(self)+1 && ids[len(ids)-1] == "1"
}

// nsPids is the NSpid line of a /proc status file: the pid in each PID namespace, ours first.
func nsPids(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "NSpid:"); ok {
			return strings.Fields(v)
		}
	}
	return nil
}

// CatchesSignal reports whether pid has a handler for sig (SigCgt in /proc/PID/status): the
// kernel drops a signal a PID namespace's init neither handles nor has a default action for.
func CatchesSignal(pid int, sig unix.Signal) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}

// ParentOf reads the parent pid from /proc/PID/stat (the field after the command's ")"); 0
// when pid is gone.
func ParentOf(pid int) int {
	fields := statFields(pid)
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// SessionOf reads the session id from /proc/PID/stat (field 6); 0 when pid is gone.
func SessionOf(pid int) int {
	fields := statFields(pid)
	if len(fields) < 4 {
		return 0
	}
	sid, _ := strconv.Atoi(fields[3])
	return sid
}

// statFields are the fields of /proc/PID/stat after the command: [0] is the state (field 3).
func statFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

// StartTime is when pid started: field 22 of /proc/PID/stat, in clock ticks since boot (the
// boot time /proc gives is rounded to the second).
func StartTime(pid int) (time.Time, error) {
	fields := statFields(pid)
	if len(fields) < 20 {
		return time.Time{}, os.ErrNotExist
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	boot, err := bootTime()
	if err != nil {
		return time.Time{}, err
	}
	const userHZ = 100 // USER_HZ, what /proc reports in on every Linux architecture podd runs on
	return boot.Add(time.Duration(ticks) * time.Second / userHZ), nil
}

var bootTime = sync.OnceValues(func() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(secs, 0), err
		}
	}
	return time.Time{}, os.ErrNotExist
})
