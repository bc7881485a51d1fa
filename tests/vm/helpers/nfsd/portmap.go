package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
)

// RPC numbers (RFC 5531, RFC 1833).
const (
	progPortmap = 100000
	progNFS     = 100003
	progMount   = 100005
	ipprotoTCP  = 6
	lastFrag    = 1 << 31
)

// serveRPC answers each RPC call of each connection to l with reply(call).
func serveRPC(l net.Listener, reply func(call []byte) []byte) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				call, err := readRecord(r)
				if err != nil {
					return
				}
				rep := reply(call)
				out := binary.BigEndian.AppendUint32(nil, uint32(len(rep))|lastFrag)
				if _, err := c.Write(append(out, rep...)); err != nil {
					return
				}
			}
		}()
	}
}

// mismatchReply answers any call with PROG_MISMATCH, versions 3 to 3: what a Linux server with
// NFSv4 turned off answers an NFSv4 call on 2049.
func mismatchReply(call []byte) []byte {
	return appendWords(acceptedHeader(call), 2, 3, 3)
}

// readRecord reads one record-marked RPC message, its fragments joined (at most 64 KiB).
func readRecord(r io.Reader) ([]byte, error) {
	var rec []byte
	for {
		var h [4]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return nil, err
		}
		n := binary.BigEndian.Uint32(h[:])
		size := int(n &^ lastFrag)
		if len(rec)+size > 1<<16 {
			return nil, errors.New("record too long")
		}
		frag := make([]byte, size)
		if _, err := io.ReadFull(r, frag); err != nil {
			return nil, err
		}
		rec = append(rec, frag...)
		if n&lastFrag != 0 {
			return rec, nil
		}
	}
}

// words reads XDR unsigned integers from a call, 0 past its end.
type words []byte

func (w words) at(i int) uint32 {
	if len(w) < 4*(i+1) {
		return 0
	}
	return binary.BigEndian.Uint32(w[4*i:])
}

// acceptedHeader starts the reply to call: its xid, REPLY, MSG_ACCEPTED, verifier AUTH_NULL.
func acceptedHeader(call []byte) []byte {
	return appendWords(nil, words(call).at(0), 1, 0, 0, 0)
}

// portmapReply answers portmapper v2 (the Linux client's rpcbind version for IPv4): NULL, and
// GETPORT with port for NFS v3 and MOUNT over TCP, 0 (not registered) for the rest. A call is
// xid, msg_type, rpcvers, prog, vers, proc, then the credential and verifier (flavor, length,
// body), then GETPORT's (prog, vers, prot, port).
func portmapReply(call []byte, port uint32) []byte {
	w := words(call)
	reply := acceptedHeader(call)
	prog, vers, proc := w.at(3), w.at(4), w.at(5)
	off := 6
	for range 2 { // skip the credential and the verifier
		off += 2 + (int(w.at(off+1))+3)/4
	}
	switch {
	case prog != progPortmap:
		return appendWords(reply, 1) // PROG_UNAVAIL
	case vers != 2:
		return appendWords(reply, 2, 2, 2) // PROG_MISMATCH, low 2, high 2
	case proc == 0:
		return appendWords(reply, 0)
	case proc != 3:
		return appendWords(reply, 3) // PROC_UNAVAIL
	}
	q, qv, prot := w.at(off), w.at(off+1), w.at(off+2)
	found := uint32(0)
	if prot == ipprotoTCP && (q == progNFS && qv == 3 || q == progMount) {
		found = port
	}
	return appendWords(reply, 0, found)
}

func appendWords(b []byte, ws ...uint32) []byte {
	for _, v := range ws {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}
