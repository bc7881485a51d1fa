// Package metrics serves podd's Prometheus metrics (podd --metrics-address): cAdvisor's
// container metrics under the names kubectl top and dashboards use, read from the cgroups at
// scrape time, podd's own counters, and the process and Go runtime metrics.
package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/podd/podd/podopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
)

// Source is what the metrics are read from: podd's runtime.
type Source interface {
	Usage(namespace string) podopts.UsageList
	List(namespace string) ([]corev1.Pod, error)
}

// Metrics holds podd's registry.
type Metrics struct {
	reg         *prometheus.Registry
	oomKills    *prometheus.CounterVec
	probes      *prometheus.CounterVec
	probeTiming *prometheus.HistogramVec
}

var ctrLabels = []string{"namespace", "pod", "container"}

// New registers the container collector over src, podd's counters and the process and Go
// collectors.
func New(src Source) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		oomKills: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "podd_container_oom_kills_total",
			Help: "Processes of the container the kernel OOM killer killed."}, ctrLabels),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "podd_probe_total",
			Help: "Probe runs by probe type (liveness, readiness, startup) and result."}, []string{"probe_type", "result"}),
		probeTiming: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "podd_probe_duration_seconds",
			Help:    "Time a probe run took (stage total, podd's timing) and its TCP connection took to be established (stage connect: SYN sent to ESTABLISHED from eBPF, else podd's connect(2) to writable).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}, []string{"probe_type", "stage"})}
	m.reg.MustRegister(newContainerCollector(src), m.oomKills, m.probes, m.probeTiming,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return m
}

// OOMKilled counts one OOM kill in a container.
func (m *Metrics) OOMKilled(namespace, pod, container string) {
	m.oomKills.WithLabelValues(namespace, pod, container).Inc()
}

// ProbeResult counts one probe run ("Liveness", "success", 1.2ms).
func (m *Metrics) ProbeResult(kind, result string, took time.Duration) {
	kind = strings.ToLower(kind)
	m.probes.WithLabelValues(kind, result).Inc()
	m.probeTiming.WithLabelValues(kind, "total").Observe(took.Seconds())
}

// ProbeConnect times one probe connection's establishment ("Liveness", 0.4ms).
func (m *Metrics) ProbeConnect(kind string, connect time.Duration) {
	m.probeTiming.WithLabelValues(strings.ToLower(kind), "connect").Observe(connect.Seconds())
}

// Handler serves the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Serve listens on addr (HOST:PORT) and serves /metrics until the process ends.
func (m *Metrics) Serve(addr string) (net.Addr, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-address %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Printf("metrics: %v\n", err)
		}
	}()
	return l.Addr(), nil
}

// containerCollector reads the running containers' cgroups and statuses at each scrape.
type containerCollector struct {
	src                Source
	cpu, mem, restarts *prometheus.Desc
}

func newContainerCollector(src Source) *containerCollector {
	return &containerCollector{src: src,
		cpu: prometheus.NewDesc("container_cpu_usage_seconds_total",
			"Cumulative cpu time consumed in seconds.", ctrLabels, nil),
		mem: prometheus.NewDesc("container_memory_working_set_bytes",
			"Current working set in bytes.", ctrLabels, nil),
		restarts: prometheus.NewDesc("podd_container_restarts_total",
			"Times podd restarted the container (its status' restartCount).", ctrLabels, nil),
	}
}

func (c *containerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.cpu
	ch <- c.mem
	ch <- c.restarts
}

func (c *containerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.src.Usage("").Pods {
		for _, u := range p.Containers {
			ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, float64(u.CPUUsec)/1e6, p.Namespace, p.Name, u.Name)
			ch <- prometheus.MustNewConstMetric(c.mem, prometheus.GaugeValue, float64(u.WorkingSet), p.Namespace, p.Name, u.Name)
		}
	}
	pods, err := c.src.List("")
	if err != nil {
		return
	}
	for _, p := range pods {
		for _, s := range p.Status.ContainerStatuses {
			ch <- prometheus.MustNewConstMetric(c.restarts, prometheus.CounterValue, float64(s.RestartCount), p.Namespace, p.Name, s.Name)
		}
	}
}
