package nsinit

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// A container with tty: true gets a pty of its own devpts as its stdin, stdout, stderr and
// controlling terminal, as runc's console socket does it: the child, once in its root, opens
// the pty, makes the slave its stdio and controlling terminal, and sends the master to podd
// over a socket (SCM_RIGHTS); podd holds the master (attach writes to it, the log reads it).

const (
	consoleFD  = 6     // the child's end of the console socket (only with ttyArg)
	ttyArg     = "tty" // argv[3] of a child that sets up a console
	consoleMsg = "pty"
)

// consoleSocket is the pair a tty container's start needs: the child's end (passed as fd 6)
// and podd's.
func consoleSocket() (child, parent *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("console socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "console-child"), os.NewFile(uintptr(fds[1]), "console"), nil
}

// receiveConsole takes the pty master the child sent before it exec'd (already queued).
func receiveConsole(sock *os.File) (*os.File, error) {
	buf, oob := make([]byte, len(consoleMsg)), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receive the container's pty: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive the container's pty: no descriptor (%v)", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive the container's pty: %v", err)
	}
	return os.NewFile(uintptr(fds[0]), "pty master"), nil
}

// setupConsole runs in the child, in its root, before the user changes: the pty's slave
// becomes fds 0, 1, 2 and the controlling terminal (the child leads its session), the master
// goes to podd.
func setupConsole() error {
	sock := os.NewFile(consoleFD, "console")
	defer sock.Close()
	master, err := openPtmx()
	if err != nil {
		return err
	}
	defer master.Close()
	slave, err := ptyPeer(master)
	if err != nil {
		return err
	}
	defer slave.Close()
	for fd := range 3 {
		if err := unix.Dup3(int(slave.Fd()), fd, 0); err != nil {
			return fmt.Errorf("console: dup3: %w", err)
		}
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("console: TIOCSCTTY: %w", err)
	}
	rights := unix.UnixRights(int(master.Fd()))
	if err := unix.Sendmsg(int(sock.Fd()), []byte(consoleMsg), rights, nil, 0); err != nil {
		return fmt.Errorf("console: send the pty master: %w", err)
	}
	return nil
}

// wantsConsole: this child was started for a tty container.
func wantsConsole() bool { return len(os.Args) > 3 && os.Args[3] == ttyArg }
