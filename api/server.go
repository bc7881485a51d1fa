// Package api is podd's API server: HTTP/1.1 over a root-only unix socket, on Kubernetes-shaped
// paths (/api/v1/namespaces/{ns}/pods/...), in front of a Backend (the runtime). Errors go out
// as the metav1.Status of an apimachinery error. The client is package api/client, which
// imports neither this package nor the manifest validation it uses.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/podd/podd/internal/inflight"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podd/podd/podopts"
)

// Backend is implemented by podd's runtime. Errors that carry a Kubernetes status
// (apierrors.APIStatus: apierrors.NewNotFound, NewInvalid, ...) choose the HTTP status and the
// body; any other error is a 500.
type Backend interface {
	// Apply creates or updates a pod; it returns when the containers are started (or failed).
	// An update changes what Kubernetes lets a pod update change (labels, annotations,
	// images); any other change is a 422.
	Apply(ctx context.Context, pod *corev1.Pod) (out *corev1.Pod, result podopts.ApplyResult, err error)
	// Create is Apply of a pod that must not exist (AlreadyExists otherwise).
	Create(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	// Update is Apply's update of an existing pod (NotFound when there is none): a PATCH.
	Update(ctx context.Context, pod *corev1.Pod) (out *corev1.Pod, result podopts.ApplyResult, err error)
	Get(namespace, name string) (*corev1.Pod, error)
	// List returns the pods of a namespace, or of all namespaces when namespace is "".
	List(namespace string) ([]corev1.Pod, error)
	// Delete returns when the pod is gone; grace nil means the pod's own grace period.
	Delete(ctx context.Context, namespace, name string, grace *int64) error
	Logs(ctx context.Context, namespace, name string, opts podopts.LogOptions, w io.Writer) error
	Exec(ctx context.Context, namespace, name string, opts podopts.ExecOptions, stdin io.Reader, stdout, stderr io.Writer) (exitCode int, err error)
	// Events returns the events of a namespace, or of all namespaces when namespace is "".
	Events(namespace string) ([]corev1.Event, error)
	// WatchPods and WatchEvents return every change from now on (each object a copy the
	// receiver keeps: *corev1.Pod, *corev1.Event), and the watch's cancel; the channel closes
	// when the watcher lags too far behind.
	WatchPods() (<-chan watch.Event, func())
	WatchEvents() (<-chan watch.Event, func())
	// Shutdown stops all pods and exits (or powers off as PID 1).
	Shutdown()
}

// PodVisitor is a Backend that can show each pod of a list to f in turn, sorted by namespace
// and name, under that pod's lock and without copying it (f copies what it keeps): a table of
// the pods needs a few fields of each, and 1000 deep copies were two thirds of its cost
// (BenchmarkGetPodsTable1000). Without it a table is made from List's copies.
type PodVisitor interface {
	VisitPods(namespace string, f func(*corev1.Pod)) error
}

// Listen removes a stale socket at path and listens there; the socket is created under umask
// 0177 and chmod'ed 0600 before anything can be accepted.
func Listen(path string) (net.Listener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	return l, nil
}

// removeStale removes a socket left by a previous podd; it refuses to remove anything that is
// not a socket, or a socket someone still answers on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("%s: another server is listening", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// Route is a handler served besides the API's own, such as podctl's commands (package ctl),
// which this package does not link.
type Route struct {
	Pattern string // http.ServeMux's: "POST /podd/v1/podctl"
	Handler http.HandlerFunc
}

// Serve starts serving the API on l in a goroutine and returns the server (Shutdown/Close it to
// stop). Only peers with uid 0 (SO_PEERCRED) are served; others get 403.
func Serve(l net.Listener, b Backend, extra ...Route) *http.Server {
	srv := newServer(b, extra...)
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("api: serve: %v", err)
		}
	}()
	return srv
}

// Limits for slow or hostile clients. There is no global ReadTimeout or WriteTimeout: exec
// streams stdin in its request body and logs -f answers for as long as the container runs;
// the bodies that are read whole (apply, delete options) get their own deadline (bodyTimeout).
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10 // the exec command line travels in the query
)

func newServer(b Backend, extra ...Route) *http.Server {
	return &http.Server{
		Handler:           requireRoot(gateDryRun(routes(b, extra...))),
		ConnContext:       withPeerCred,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

func routes(b Backend, extra ...Route) *http.ServeMux {
	h := &handlers{b: b}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /version", h.version)
	mux.HandleFunc("GET /api/v1/pods", h.getPods)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods", h.getPods)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods", h.applyPod)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}", h.getPods)
	mux.HandleFunc("PATCH /api/v1/namespaces/{ns}/pods/{name}", h.patchPod)
	mux.HandleFunc("DELETE /api/v1/namespaces/{ns}/pods/{name}", h.deletePod)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/log", h.logs)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods/{name}/exec", h.exec)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods/{name}/attach", h.attach)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods/{name}/portforward", h.portForward)
	mux.HandleFunc("GET /api/v1/events", h.listEvents)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/events", h.listEvents)
	mux.HandleFunc("POST /podd/v1/shutdown", h.shutdown)
	imageRoutes(mux, h)
	filesRoutes(mux, h)
	configRoutes(mux, b)
	discoveryRoutes(mux)
	mux.HandleFunc("GET /podd/v1/info", h.info)
	mux.HandleFunc("GET /podd/v1/usage", h.usage)
	mux.HandleFunc("GET /podd/v1/namespaces/{ns}/pods/{name}/probes", h.probes)
	for _, r := range extra {
		mux.HandleFunc(r.Pattern, r.Handler)
	}
	mux.HandleFunc("/", notFound)
	return mux
}

type handlers struct{ b Backend }

func (h *handlers) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, statusError(http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource"))
}

type peerCredKey struct{}

// withPeerCred stores the connecting process's credentials (SO_PEERCRED) in the connection's
// context (nothing when they cannot be read), and the connection for inflight.
func withPeerCred(ctx context.Context, c net.Conn) context.Context {
	ctx = inflight.WithConn(ctx, c) // a body waiting for the budget notices its client hang up
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	cred, err := peerCred(uc)
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, peerCredKey{}, cred)
}

func peerCred(c *net.UnixConn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil {
		return nil, err
	}
	return cred, credErr
}

// checkPeer allows only root peers; cred is nil when the credentials are unknown.
func checkPeer(cred *unix.Ucred) error {
	if cred == nil {
		return apierrors.NewForbidden(schema.GroupResource{}, "", errors.New("podd: cannot read the peer credentials of this connection"))
	}
	if cred.Uid != 0 {
		return apierrors.NewForbidden(schema.GroupResource{}, "", fmt.Errorf("podd: uid %d may not use the API (root only)", cred.Uid))
	}
	return nil
}

func requireRoot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, _ := r.Context().Value(peerCredKey{}).(*unix.Ucred)
		if err := checkPeer(cred); err != nil {
			writeError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	writeJSONAs(w, "application/json", code, v)
}

// writeJSONAs writes v as JSON with the media type contentType (a JSON one).
func writeJSONAs(w http.ResponseWriter, contentType string, code int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the peer may be gone; nothing to do then
}

func writeError(w http.ResponseWriter, err error) {
	st := failureStatus(err)
	writeJSON(w, int(st.Code), st)
}
