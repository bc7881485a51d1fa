// Package joinconn copies two stream connections into each other, as port-forward needs on
// both sides (podctl: the local TCP connection and its stream to podd; podd: that stream and
// the connection dialled in the pod): each direction until EOF, which becomes a half-close
// (CloseWrite) of the other connection, so a peer that shuts down its writing side still gets
// the answer. Between a *net.TCPConn and a *net.UnixConn, io.Copy uses splice(2): the bytes
// never come up to user space.
package joinconn

import (
	"errors"
	"io"
	"net"
	"sync"
)

// closeWriter is a connection with a writing side of its own to shut (TCP, unix stream).
type closeWriter interface {
	CloseWrite() error
}

// Join copies a to b and b to a until both directions ended, then closes both. A direction
// that ends in an error (a reset) closes both connections at once, which ends the other too.
// It returns the first such error; EOFs are the normal end.
func Join(a, b net.Conn) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() {
			first = err
			a.Close()
			b.Close()
		})
	}
	half := func(dst, src net.Conn) {
		defer wg.Done()
		if _, err := io.Copy(dst, src); err != nil {
			fail(err)
			return
		}
		if cw, ok := dst.(closeWriter); ok {
			if err := cw.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
				fail(err)
			}
			return
		}
		fail(nil) // no half-close: the whole connection ends with its first direction
	}
	wg.Add(2)
	go half(b, a)
	half(a, b)
	wg.Wait()
	a.Close()
	b.Close()
	return first
}
