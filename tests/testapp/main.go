// Command testapp is the one static binary podd's integration tests run inside containers
// (like crun's tests/init.c): each subcommand exercises one runtime feature.
//
//	testapp serve PORT [DIR]   HTTP on 0.0.0.0:PORT: /ns, /hostname, / (DIR's files, else "ok")
//	testapp ns                 namespace links: "net:[4026...]" for net ipc uts mnt pid cgroup
//	testapp memhog MiB         allocate and touch MiB mebibytes, 1 MiB at a time; then sleep
//	testapp ignore-term        ignore SIGTERM, print "ready", sleep forever
//	testapp catch-term SECS    print "ready"; on SIGTERM print "term", sleep SECS, exit 0
//	testapp forkbomb N         fork N sleeping children; print how many succeeded; sleep
//	testapp hostname | ip | cgroup
//	testapp sleep SECS | exit CODE | get URL | write FILE TEXT
//	testapp grpc-health PORT [FILE]   grpc.health.v1 on PORT: SERVING, NOT_SERVING while FILE exists
//	testapp lines COUNT BYTES [FILE]  COUNT lines of BYTES, one write each, to stdout or FILE; rate on stderr
//	testapp chatter SECONDS           a numbered line on stdout every SECONDS, forever
//	testapp sink PORT                 TCP on 0.0.0.0:PORT: each connection read to its end, then "ok BYTES"
//
// It depends on the standard library and golang.org/x/sys/unix only, and is built with
// CGO_ENABLED=0 so it runs in an image that holds nothing else.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type command struct {
	args string // usage of the arguments
	min  int    // minimum number of arguments
	run  func(args []string) error
}

var commands = map[string]command{
	"serve":       {"PORT [DIR]", 1, serve},
	"ns":          {"", 0, func([]string) error { return printOut(nsLines()) }},
	"memhog":      {"MiB", 1, memhog},
	"ignore-term": {"", 0, ignoreTerm},
	"catch-term":  {"SECONDS", 1, catchTerm},
	"forkbomb":    {"N", 1, forkbomb},
	"hostname":    {"", 0, hostname},
	"ip":          {"", 0, ips},
	"sleep":       {"SECONDS", 1, sleep},
	"exit":        {"CODE", 1, exit},
	"cgroup":      {"", 0, cgroup},
	"get":         {"URL", 1, get},
	"write":       {"FILE TEXT", 2, write},
	"grpc-health": {"PORT [UNHEALTHY-FILE]", 1, grpcHealth},
	"lines":       {"COUNT BYTES [FILE]", 2, lines},
	"chatter":     {"SECONDS", 1, chatter},
	"sink":        {"PORT", 1, sink},
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	c, ok := commands[os.Args[1]]
	if !ok || len(os.Args)-2 < c.min {
		usage()
	}
	if err := c.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "testapp %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage:")
	for _, n := range names {
		fmt.Fprintln(os.Stderr, strings.TrimRight("  testapp "+n+" "+commands[n].args, " "))
	}
	os.Exit(2)
}

func printOut(s string) error {
	_, err := io.WriteString(os.Stdout, s)
	return err
}

// sleepForever blocks without tripping the runtime's all-goroutines-asleep check.
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad duration %q: want seconds", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

var namespaces = []string{"net", "ipc", "uts", "mnt", "pid", "cgroup"}

// nsLines reads /proc/self/ns/*: one "net:[4026531840]" line per namespace.
func nsLines() string {
	var b strings.Builder
	for _, ns := range namespaces {
		l, err := os.Readlink("/proc/self/ns/" + ns)
		if err != nil {
			l = ns + ":error:" + err.Error()
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func serve(args []string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ns", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, nsLines()) })
	mux.HandleFunc("GET /hostname", func(w http.ResponseWriter, _ *http.Request) {
		h, _ := os.Hostname()
		io.WriteString(w, h+"\n")
	})
	if len(args) > 1 {
		mux.Handle("GET /", http.FileServer(http.Dir(args[1])))
	} else {
		mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	}
	l, err := net.Listen("tcp", ":"+args[0]) // every address of both families, as most servers
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", l.Addr())
	go exitOnTerm()
	return http.Serve(l, mux)
}

// sink reads each connection to its end (256 KiB reads, as a server built for bulk data) and
// answers "ok BYTES": what the port-forward benchmark sends its data to.
func sink(args []string) error {
	l, err := net.Listen("tcp", ":"+args[0])
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", l.Addr())
	go exitOnTerm()
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 256<<10)
			var n int64
			for {
				k, err := c.Read(buf)
				n += int64(k)
				if err != nil {
					break
				}
			}
			fmt.Fprintf(c, "ok %d\n", n)
		}()
	}
}

// exitOnTerm makes SIGTERM a clean exit 0, whether or not the process is a PID namespace's
// init (which the kernel would otherwise not let SIGTERM kill).
func exitOnTerm() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	<-ch
	fmt.Println("term")
	os.Exit(0)
}

func memhog(args []string) error {
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return fmt.Errorf("bad size %q: want MiB", args[0])
	}
	hog := make([][]byte, 0, n)
	for i := 1; i <= n; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		hog = append(hog, b)
		fmt.Printf("allocated %d MiB\n", i)
	}
	fmt.Println("done")
	for {
		time.Sleep(time.Hour)
		runtime.KeepAlive(hog) // a dead slice could be collected
	}
}

func ignoreTerm([]string) error {
	signal.Ignore(syscall.SIGTERM)
	fmt.Println("ready")
	sleepForever()
	return nil
}

func catchTerm(args []string) error {
	d, err := seconds(args[0])
	if err != nil {
		return err
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	fmt.Println("ready")
	<-ch
	fmt.Println("term")
	time.Sleep(d)
	os.Exit(0)
	return nil
}

func forkbomb(args []string) error {
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		return fmt.Errorf("bad count %q", args[0])
	}
	ok := 0
	for ; ok < n; ok++ {
		if _, errno := forkSleeper(); errno != 0 {
			fmt.Printf("fork %d: %v\n", ok+1, errno)
			break
		}
	}
	fmt.Printf("forked %d of %d\n", ok, n)
	sleepForever()
	return nil
}

// forkSleeper forks a child that does nothing but sleep in ppoll: one pid, one thread, so a
// pids.max limit counts exactly the forks. The child runs only raw syscalls (no Go runtime:
// its other threads did not survive the fork) and must not grow its stack, hence nosplit.
//
//go:norace
//go:nosplit
func forkSleeper() (int, syscall.Errno) {
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 || pid != 0 {
		return int(pid), errno
	}
	for {
		syscall.RawSyscall6(syscall.SYS_PPOLL, 0, 0, 0, 0, 0, 0)
	}
}

func hostname([]string) error {
	h, err := os.Hostname()
	if err != nil {
		return err
	}
	return printOut(h + "\n")
}

// ips prints "IFACE ADDR/PREFIX" for every address of every interface.
func ips([]string) error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			return fmt.Errorf("%s: %w", ifc.Name, err)
		}
		for _, a := range addrs {
			fmt.Printf("%s %s\n", ifc.Name, a)
		}
	}
	return nil
}

func sleep(args []string) error {
	d, err := seconds(args[0])
	if err != nil {
		return err
	}
	time.Sleep(d)
	return nil
}

func exit(args []string) error {
	code, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("bad exit code %q", args[0])
	}
	os.Exit(code)
	return nil
}

var cgroupFiles = []string{"cpu.weight", "cpu.max", "memory.max", "pids.max"}

// cgroup prints /proc/self/cgroup, then "FILE: VALUE" for the limits in /sys/fs/cgroup when a
// cgroup2 filesystem is mounted there ("FILE: <absent>" for a missing controller).
func cgroup([]string) error {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err
	}
	fmt.Print(string(b))
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		fmt.Println("/sys/fs/cgroup: not a cgroup2 mount")
		return nil
	}
	for _, f := range cgroupFiles {
		v, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", f))
		val := strings.TrimSpace(string(v))
		if err != nil {
			val = "<absent>"
		}
		fmt.Printf("%s: %s\n", f, val)
	}
	return nil
}

func get(args []string) error {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(args[0])
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return errors.New(resp.Status)
	}
	return nil
}

// write writes TEXT and a newline to FILE (created or truncated, mode 0644).
func write(args []string) error {
	return os.WriteFile(args[0], []byte(args[1]+"\n"), 0o644)
}
