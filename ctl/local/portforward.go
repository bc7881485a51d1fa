package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/podd/podd/internal/cli"

	"github.com/podd/podd/api/podconn"
	"github.com/podd/podd/internal/joinconn"
)

func PortForwardCommand() *cli.Command {
	return &cli.Command{
		Name:      "port-forward",
		Usage:     "forward local ports to a pod (through podd, into the pod's network namespace)",
		ArgsUsage: "[pod/]NAME [LOCAL_PORT:]REMOTE_PORT [...]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "address",
				Usage: "addresses to listen on (comma separated; default localhost: 127.0.0.1 and ::1)"},
		},
		Action: portForwardAction,
	}
}

// portMapping is one LOCAL:REMOTE pair; Local 0 asks for a free port.
type portMapping struct {
	Local  uint16
	Remote string // a number, or a container port's name until resolved
	remote int
}

func portForwardAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) < 2 {
		return errors.New("TYPE/NAME and list of ports are required for port-forward")
	}
	name, err := PodName(args[0])
	if err != nil {
		return err
	}
	ports, err := parsePortMappings(args[1:])
	if err != nil {
		return err
	}
	cl, ns := newClient(c), c.String("namespace")
	pod, err := getPod(c.Context, cl, ns, name)
	if err != nil {
		return err
	}
	if pod.Status.Phase != "Running" {
		return fmt.Errorf("unable to forward port because pod is not running. Current status=%v", pod.Status.Phase)
	}
	if err := resolvePorts(pod, ports); err != nil {
		return err
	}
	addrs, err := listenAddresses(c.StringSlice("address"))
	if len(addrs) == 0 && err == nil {
		addrs, err = listenAddresses([]string{"localhost"})
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fw := &forwarder{cl: cl, ns: ns, name: name, out: c.App.Writer, errOut: c.App.ErrWriter}
	return fw.run(ctx, addrs, ports)
}

// parsePortMappings reads kubectl's [LOCAL:]REMOTE forms: "8080", "18080:8080", ":8080" (a free
// local port), "8080:http" (a named container port).
func parsePortMappings(args []string) ([]portMapping, error) {
	out := make([]portMapping, 0, len(args))
	for _, a := range args {
		local, remote, hasLocal := strings.Cut(a, ":")
		if !hasLocal {
			local, remote = a, a
		}
		m := portMapping{Remote: remote}
		if local != "" {
			n, err := strconv.ParseUint(local, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("error parsing local port '%s': %w", local, err)
			}
			m.Local = uint16(n)
		}
		if n, err := strconv.ParseUint(remote, 10, 16); err == nil && n > 0 {
			m.remote = int(n)
		} else if remote == "" || (remote[0] >= '0' && remote[0] <= '9') {
			return nil, fmt.Errorf("error parsing remote port '%s': must be 1-65535 or a port name", remote)
		}
		if !hasLocal && m.remote == 0 {
			return nil, fmt.Errorf("error parsing local port '%s': a named port needs LOCAL:NAME", a)
		}
		out = append(out, m)
	}
	return out, nil
}

// resolvePorts turns port names into the numbers of the pod's containerPorts, as kubectl does.
func resolvePorts(pod *Pod, ports []portMapping) error {
	for i := range ports {
		if ports[i].remote != 0 {
			continue
		}
		for _, ctr := range pod.Spec.Containers {
			for _, p := range ctr.Ports {
				if p.Name == ports[i].Remote && ports[i].remote == 0 {
					ports[i].remote = int(p.ContainerPort)
				}
			}
		}
		if ports[i].remote == 0 {
			return fmt.Errorf("Pod '%s' does not have a named port '%s'", pod.Metadata.Name, ports[i].Remote)
		}
	}
	return nil
}

// listenAddresses expands --address: "localhost" is 127.0.0.1 and ::1, where either may fail
// (kubectl's rule); every other address must be an IP and must listen.
func listenAddresses(flags []string) ([]listenAddr, error) {
	var out []listenAddr
	for _, f := range flags {
		for _, a := range strings.Split(f, ",") {
			a = strings.TrimSpace(a)
			switch {
			case a == "localhost":
				out = append(out, listenAddr{"127.0.0.1", true}, listenAddr{"::1", true})
			case net.ParseIP(a) != nil:
				out = append(out, listenAddr{a, false})
			default:
				return nil, fmt.Errorf("%s is not a valid IP", a)
			}
		}
	}
	return out, nil
}

type listenAddr struct {
	ip       string
	optional bool // localhost's: one of the two may fail
}

// forwarder runs kubectl's port-forward on the client side: listeners on the local ports, and
// for each accepted connection one stream through podd to the pod's port.
type forwarder struct {
	cl          *podconn.Client
	ns, name    string
	out, errOut io.Writer
	outMu       sync.Mutex
}

func (fw *forwarder) run(ctx context.Context, addrs []listenAddr, ports []portMapping) error {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for _, m := range ports {
		ls, err := fw.listen(addrs, m)
		if err != nil {
			return err
		}
		listeners = append(listeners, ls...)
	}
	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fw.serve(ctx, l)
		}()
	}
	<-ctx.Done()
	for _, l := range listeners {
		l.Close()
	}
	wg.Wait()
	return nil
}

// listen opens m's local port on every address; a free local port (0) is the one the first
// listener got, used for the others too.
func (fw *forwarder) listen(addrs []listenAddr, m portMapping) ([]net.Listener, error) {
	var out []net.Listener
	local := m.Local
	for _, a := range addrs {
		l, err := net.Listen("tcp", net.JoinHostPort(a.ip, strconv.Itoa(int(local))))
		if err != nil {
			if a.optional {
				continue
			}
			closeListeners(out)
			return nil, fmt.Errorf("unable to listen on port %d: %w", local, err)
		}
		tl := l.(*net.TCPListener)
		local = uint16(tl.Addr().(*net.TCPAddr).Port)
		fw.say(fw.out, "Forwarding from %s -> %d\n", tl.Addr(), m.remote)
		out = append(out, &portListener{TCPListener: tl, local: local, remote: m.remote})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("unable to listen on any of the requested ports: [{%d %d}]", m.Local, m.remote)
	}
	return out, nil
}

func closeListeners(ls []net.Listener) {
	for _, l := range ls {
		l.Close()
	}
}

// portListener is a local listener with the ports it forwards between.
type portListener struct {
	*net.TCPListener
	local  uint16
	remote int
}

func (fw *forwarder) serve(ctx context.Context, l net.Listener) {
	pl := l.(*portListener)
	for {
		conn, err := pl.AcceptTCP()
		if err != nil {
			return // closed at the end
		}
		fw.say(fw.out, "Handling connection for %d\n", pl.local)
		go fw.handle(ctx, conn, pl)
	}
}

// handle carries one local connection to the pod; a failure (a refused port) is told and ends
// this connection only, as kubectl's.
func (fw *forwarder) handle(ctx context.Context, local *net.TCPConn, pl *portListener) {
	f, err := fw.cl.PortForward(ctx, fw.ns, fw.name, pl.remote)
	if err != nil {
		local.Close()
		fw.say(fw.errOut, "an error occurred forwarding %d -> %d: %s\n", pl.local, pl.remote, forwardErrorText(err))
		return
	}
	if len(f.Early) > 0 {
		if _, err := local.Write(f.Early); err != nil {
			local.Close()
			f.Conn.Close()
			return
		}
	}
	stop := context.AfterFunc(ctx, func() { local.Close(); f.Conn.Close() })
	defer stop()
	_ = joinconn.Join(local, f.Conn)
}

func forwardErrorText(err error) string {
	var se *podconn.StatusError
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}

func (fw *forwarder) say(w io.Writer, format string, args ...any) {
	fw.outMu.Lock()
	defer fw.outMu.Unlock()
	fmt.Fprintf(w, format, args...)
}
