// Command nfsd is the VM tier's NFS server (scripts ask for it with "#vm:helper nfsd"): an
// NFSv3 server with its MOUNT program (github.com/willscott/go-nfs, test-only) exporting DIR,
// and a portmapper on port 111 that registers both programs at -port, as rpcbind does for a
// real server. With -v4 mismatch, port 2049 answers every call with PROG_MISMATCH (3 to 3), as
// a Linux server with NFSv4 turned off does (go-nfs itself ignores the version of a call); with
// -v4 none nothing listens there. Either way a client's NFSv4 attempt fails (EPROTONOSUPPORT,
// ECONNREFUSED) and it falls back to v3 through the portmapper, as mount.nfs does. It prints
// "nfsd: ready" once everything listens.
//
// With -silent it is a server that hangs: it takes connections on 111 and 2049, reads what
// comes and never answers.
//
//	nfsd [-addr 127.0.0.1] [-port 20048] [-v4 mismatch|none] DIR
//	nfsd -silent [-addr 127.0.0.1]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	nfs "github.com/willscott/go-nfs"
	nfshelper "github.com/willscott/go-nfs/helpers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 20048, "port of the NFS and MOUNT programs")
	v4 := flag.String("v4", "mismatch", "what answers NFSv4 on 2049: mismatch or none")
	silent := flag.Bool("silent", false, "a server that takes connections on 111 and 2049 and never answers")
	flag.Parse()
	if *silent {
		serveSilent(*addr)
	}
	if flag.NArg() != 1 {
		log.Fatal("usage: nfsd [-addr A] [-port P] DIR")
	}
	nfsL, err := net.Listen("tcp", net.JoinHostPort(*addr, strconv.Itoa(*port)))
	if err != nil {
		log.Fatal(err)
	}
	pmapL, err := net.Listen("tcp", net.JoinHostPort(*addr, "111"))
	if err != nil {
		log.Fatal(err)
	}
	go serveRPC(pmapL, func(call []byte) []byte { return portmapReply(call, uint32(*port)) })
	if *v4 == "mismatch" {
		v4L, err := net.Listen("tcp", net.JoinHostPort(*addr, "2049"))
		if err != nil {
			log.Fatal(err)
		}
		go serveRPC(v4L, mismatchReply)
	}
	fs := changeFS{osfs.New(flag.Arg(0))}
	handler := nfshelper.NewCachingHandler(nfshelper.NewNullAuthHandler(fs), 1024)
	fmt.Printf("nfsd: ready: %s on %s, portmapper on %s, NFSv4: %s\n", flag.Arg(0), nfsL.Addr(), pmapL.Addr(), *v4)
	log.Fatal(nfs.Serve(nfsL, handler))
}

// changeFS adds billy.Change (SETATTR: chmod, chown, times) to the OS filesystem, as go-nfs's
// osnfs example does.
type changeFS struct{ billy.Filesystem }

func (fs changeFS) path(name string) string { return fs.Join(fs.Root(), name) }

func (fs changeFS) Chmod(name string, mode os.FileMode) error { return os.Chmod(fs.path(name), mode) }

func (fs changeFS) Lchown(name string, uid, gid int) error {
	return os.Lchown(fs.path(name), uid, gid)
}

func (fs changeFS) Chown(name string, uid, gid int) error { return os.Chown(fs.path(name), uid, gid) }

func (fs changeFS) Chtimes(name string, atime, mtime time.Time) error {
	return os.Chtimes(fs.path(name), atime, mtime)
}

// serveSilent takes connections on addr's ports 111 and 2049 and reads them without answering.
func serveSilent(addr string) {
	for _, port := range []string{"111", "2049"} {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, port))
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					log.Fatal(err)
				}
				go func() { _, _ = io.Copy(io.Discard, c) }()
			}
		}()
	}
	fmt.Printf("nfsd: ready: silent on %s ports 111 and 2049\n", addr)
	select {}
}
