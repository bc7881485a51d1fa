package fdkeep

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Client is podd's side: one connection to the keeper at Path, made at first use; when no
// keeper answers there, a new one is started with Start (given the listening socket).
type Client struct {
	Path  string
	Start func(listener *os.File) error

	mu   sync.Mutex
	conn int  // the connected socket, when live
	live bool // conn is open
}

// Close ends the connection (the keeper then exits if it holds nothing).
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live {
		unix.Close(c.conn)
		c.live = false
	}
}

// Put hands f (a copy: the caller keeps and closes its own) to the keeper under key. f's
// blocking mode is left as it is (f.Fd would change it).
func (c *Client) Put(key string, f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("fd keeper: put %s: %w", key, err)
	}
	var perr error
	if err := sc.Control(func(fd uintptr) { _, _, perr = c.call("put "+key, unix.UnixRights(int(fd)), true) }); err != nil {
		return fmt.Errorf("fd keeper: put %s: %w", key, err)
	}
	return perr
}

// Get returns a copy of what the keeper holds under key, nil when it holds nothing there (or
// no keeper runs).
func (c *Client) Get(key string) (*os.File, error) {
	reply, fd, err := c.call("get "+key, nil, false)
	if err != nil || reply != "ok" || fd < 0 {
		return nil, err
	}
	return os.NewFile(uintptr(fd), key), nil
}

// Drop makes the keeper close what it holds under key.
func (c *Client) Drop(key string) error {
	_, _, err := c.call("drop "+key, nil, false)
	return err
}

// Keys lists what the keeper holds, asking page after page when the list does not fit in one
// message (about 1300 runs' keys fill one). An older keeper answers the first page only.
func (c *Client) Keys() ([]string, error) {
	var keys []string
	for req := "keys"; ; {
		reply, _, err := c.call(req, nil, false)
		if err != nil || reply == "" {
			return keys, err
		}
		verb, rest, _ := strings.Cut(reply, " ")
		page := strings.Split(rest, "\n")
		if rest == "" {
			page = nil
		}
		keys = append(keys, page...)
		switch {
		case verb == "ok":
			return keys, nil
		case verb != "more" || len(page) == 0:
			return nil, fmt.Errorf("fd keeper: keys: unexpected answer %.40q", reply)
		}
		req = "keys " + page[len(page)-1]
	}
}

// call sends one request and reads its answer, connecting first (and, start, starting a keeper
// when none answers); a connection that fails is made again once (a keeper that was exiting).
func (c *Client) call(req string, oob []byte, start bool) (reply string, fd int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for try := 0; ; try++ {
		if !c.live {
			if c.conn, c.live, err = c.connect(start); err != nil || !c.live {
				return "", -1, err
			}
		}
		reply, fd, err = c.roundTrip(req, oob)
		if err == nil {
			if strings.HasPrefix(reply, "error: ") {
				return "", -1, fmt.Errorf("fd keeper: %s", strings.TrimPrefix(reply, "error: "))
			}
			return reply, fd, nil
		}
		unix.Close(c.conn)
		c.live = false
		if try > 0 {
			return "", -1, fmt.Errorf("fd keeper %s: %w", c.Path, err)
		}
	}
}

func (c *Client) roundTrip(req string, oob []byte) (string, int, error) {
	if err := unix.Sendmsg(c.conn, []byte(req), oob, nil, unix.MSG_NOSIGNAL); err != nil {
		return "", -1, err
	}
	buf, rb := make([]byte, maxMsg), make([]byte, unix.CmsgSpace(4))
	n, oobn, flags, _, err := unix.Recvmsg(c.conn, buf, rb, unix.MSG_CMSG_CLOEXEC)
	for err == unix.EINTR {
		n, oobn, flags, _, err = unix.Recvmsg(c.conn, buf, rb, unix.MSG_CMSG_CLOEXEC)
	}
	if err != nil {
		return "", -1, err
	}
	if n == 0 {
		return "", -1, errors.New("the keeper went away")
	}
	fd := -1
	if fds := rights(rb[:oobn]); len(fds) > 0 {
		fd = fds[0]
		closeAll(fds[1:])
	}
	if flags&unix.MSG_TRUNC != 0 {
		if fd >= 0 {
			unix.Close(fd)
		}
		return "", -1, fmt.Errorf("%s: the answer is longer than %d bytes", req, maxMsg)
	}
	return string(buf[:n]), fd, nil
}

// connect dials the keeper; when none answers it starts one (start) or reports none (!ok).
func (c *Client) connect(start bool) (fd int, ok bool, err error) {
	if fd, err = c.dial(); err == nil || !start {
		return fd, err == nil, nil
	}
	if err := c.startKeeper(); err != nil {
		return 0, false, err
	}
	if fd, err = c.dial(); err != nil {
		return 0, false, fmt.Errorf("fd keeper %s: %w", c.Path, err)
	}
	return fd, true, nil
}

func (c *Client) dial() (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: c.Path}); err != nil {
		unix.Close(fd)
		return 0, err
	}
	return fd, nil
}

// startKeeper binds a fresh socket at Path and starts a keeper on it.
func (c *Client) startKeeper() error {
	if err := os.Remove(c.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fd keeper: %w", err)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("fd keeper: socket: %w", err)
	}
	ln := os.NewFile(uintptr(fd), c.Path)
	defer ln.Close() // the keeper's copy stays
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: c.Path})
	if err == nil {
		err = os.Chmod(c.Path, 0o600)
	}
	if err == nil {
		err = unix.Listen(fd, 8)
	}
	if err != nil {
		return fmt.Errorf("fd keeper: listen on %s: %w", c.Path, err)
	}
	if err := c.Start(ln); err != nil {
		return fmt.Errorf("start the fd keeper: %w", err)
	}
	return nil
}
