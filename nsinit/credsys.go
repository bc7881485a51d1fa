//go:build linux && !386 && !arm

package nsinit

import "golang.org/x/sys/unix"

// The setresgid and setresuid system calls with 32-bit ids (setCredentials).
const (
	sysSetresgid = unix.SYS_SETRESGID
	sysSetresuid = unix.SYS_SETRESUID
)
