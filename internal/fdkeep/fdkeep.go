// Package fdkeep is podd's one per-host descriptor keeper: a small process (podd-nsinit run as
// Arg0) that holds what must outlive a podd restart or live upgrade but only a process can
// hold: a tty container's pty master and a stdin container's pipe write end. Were podd their
// only holder, its exit would hang up the container's terminal or give its stdin EOF. podd
// hands each one over (Put, SCM_RIGHTS over a unix seqpacket socket at a path under podd's run
// directory), and a restarted podd takes it back (Get). The keeper exits once it holds nothing
// (podd starts one again at its next Put); it is not a helper per container.
package fdkeep

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Arg0 is the argv[0] that makes podd-nsinit the keeper (its listening socket is fd 3).
const Arg0 = "/podd-fd-keeper"

const (
	listenFD = 3
	maxMsg   = 1 << 16
)

// Main is the keeper process's: it serves the listening socket it was given as fd 3. The
// keeper uses raw syscalls, not package net: podd-nsinit, which every container starts as,
// stays small.
func Main() { Serve(listenFD) }

// Serve answers one podd at a time on the listening socket ln (which it closes) and returns
// once it holds nothing: at the drop that empties it (the socket closed before the answer, so
// podd's next call starts a new keeper), or when a podd goes leaving it nothing.
func Serve(ln int) {
	defer func() {
		if ln >= 0 {
			unix.Close(ln)
		}
	}()
	held := map[string]int{}
	for {
		conn, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "podd fd keeper: accept: %v\n", err)
			return
		}
		emptied := serveConn(conn, held, func() { unix.Close(ln); ln = -1 })
		unix.Close(conn)
		if emptied || len(held) == 0 {
			return
		}
	}
}

// serveConn answers one podd's requests until it goes, or until a drop emptied the keeper
// (true; stop is called before that answer): "put KEY" with a descriptor, "get KEY", "drop
// KEY", "keys [AFTER]".
func serveConn(conn int, held map[string]int, stop func()) bool {
	buf, oob := make([]byte, maxMsg), make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, flags, _, err := unix.Recvmsg(conn, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return false
		}
		fds := rights(oob[:oobn])
		reply, give := answer(string(buf[:n]), fds, held)
		if flags&unix.MSG_CTRUNC != 0 && len(fds) == 0 {
			reply, give = "error: "+string(buf[:n])+": the descriptor did not arrive (the keeper is at its open-file limit?)", nil
		}
		emptied := len(held) == 0 && strings.HasPrefix(string(buf[:n]), "drop ")
		if emptied {
			stop()
		}
		if err := unix.Sendmsg(conn, []byte(reply), give, nil, unix.MSG_NOSIGNAL); err != nil || emptied {
			return emptied
		}
	}
}

// answer carries out one request (fds: the descriptors that came with it, taken or closed)
// and returns the reply and the rights to send with it.
func answer(req string, fds []int, held map[string]int) (string, []byte) {
	verb, key, _ := strings.Cut(req, " ")
	defer func() { closeAll(fds) }()
	switch verb {
	case "put":
		if len(fds) != 1 {
			return "error: put wants one descriptor", nil
		}
		if old, ok := held[key]; ok {
			unix.Close(old)
		}
		held[key], fds = fds[0], nil
		return "ok", nil
	case "get":
		if fd, ok := held[key]; ok {
			return "ok", unix.UnixRights(fd)
		}
		return "none", nil
	case "drop":
		if fd, ok := held[key]; ok {
			unix.Close(fd)
			delete(held, key)
		}
		return "ok", nil
	case "keys":
		return keysAfter(held, key), nil
	}
	return "error: unknown request " + verb, nil
}

// keysAfter answers "keys [AFTER]": the held keys in order, after AFTER when given, as many as
// fit in one message: "ok KEY\nKEY..." when that is the last of them, "more KEY\n..." when the
// client must ask again after the last one listed.
func keysAfter(held map[string]int, after string) string {
	keys := slices.Sorted(maps.Keys(held))
	keys = keys[sort.SearchStrings(keys, after):]
	if len(keys) > 0 && keys[0] == after {
		keys = keys[1:]
	}
	size := len("more ")
	for i, k := range keys {
		if size += len(k) + 1; size > maxMsg {
			return "more " + strings.Join(keys[:i], "\n")
		}
	}
	return "ok " + strings.Join(keys, "\n")
}

func rights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
