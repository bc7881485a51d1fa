//go:build linux && (386 || arm)

package nsinit

import "golang.org/x/sys/unix"

// The setresgid and setresuid system calls with 32-bit ids (setCredentials): on 386 and arm
// the plain numbers take 16-bit ids.
const (
	sysSetresgid = unix.SYS_SETRESGID32
	sysSetresuid = unix.SYS_SETRESUID32
)
