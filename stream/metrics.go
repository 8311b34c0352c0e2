package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metrics are the counters /metrics shows, in Prometheus text format.
type Metrics struct {
	EventsIn   atomic.Int64 // records read and decoded
	Skipped    atomic.Int64 // bad records skipped
	Suppressed atomic.Int64 // alerts the tuning suppressed
	Commits    atomic.Int64 // input positions committed (Kafka commits)
	start      time.Time

	mu         sync.Mutex
	perRule    map[string]int64
	sinkAlerts map[string]int64
	sinkErrs   map[string]int64
	sinkSecs   map[string]float64
	errors     map[string]int64
	lag        map[string]int64 // topic/partition → records behind
}

// NewMetrics returns zeroed metrics.
func NewMetrics() *Metrics {
	return &Metrics{start: time.Now(), perRule: map[string]int64{}, sinkAlerts: map[string]int64{},
		sinkErrs: map[string]int64{}, sinkSecs: map[string]float64{}, errors: map[string]int64{}, lag: map[string]int64{}}
}

// Rule registers a rule so its count shows as 0 before it fires.
func (m *Metrics) Rule(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.perRule[id]; !ok {
		m.perRule[id] = 0
	}
}

// Alert counts one alert of a rule.
func (m *Metrics) Alert(rule string) {
	m.mu.Lock()
	m.perRule[rule]++
	m.mu.Unlock()
}

// AlertsOut is the number of alerts written.
func (m *Metrics) AlertsOut() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, v := range m.perRule {
		n += v
	}
	return n
}

// SinkWrite counts a successful write.
func (m *Metrics) SinkWrite(name string, n int, d time.Duration) {
	m.mu.Lock()
	m.sinkAlerts[name] += int64(n)
	m.sinkSecs[name] += d.Seconds()
	m.mu.Unlock()
}

// SinkError counts a failed write attempt.
func (m *Metrics) SinkError(name string) {
	m.mu.Lock()
	m.sinkErrs[name]++
	m.errors["sink"]++
	m.mu.Unlock()
}

// Error counts an error of a kind (kafka_fetch, kafka_commit, read…).
func (m *Metrics) Error(kind string) {
	m.mu.Lock()
	m.errors[kind]++
	m.mu.Unlock()
}

// Lag sets the consumer lag of a partition; a negative lag removes it.
func (m *Metrics) Lag(topic string, partition int32, lag int64) {
	k := fmt.Sprintf("%s\x00%d", topic, partition)
	m.mu.Lock()
	if lag < 0 {
		delete(m.lag, k)
	} else {
		m.lag[k] = lag
	}
	m.mu.Unlock()
}

// TotalLag is the sum of the partitions' lags.
func (m *Metrics) TotalLag() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, v := range m.lag {
		n += v
	}
	return n
}

func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// WriteText writes the metrics in Prometheus text exposition format.
func (m *Metrics) WriteText(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var total int64
	for _, v := range m.perRule {
		total += v
	}
	p := func(name, typ, help string) { fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ) }
	p("lanner_events_in_total", "counter", "Records read and decoded.")
	fmt.Fprintf(w, "lanner_events_in_total %d\n", m.EventsIn.Load())
	p("lanner_records_skipped_total", "counter", "Bad records skipped.")
	fmt.Fprintf(w, "lanner_records_skipped_total %d\n", m.Skipped.Load())
	p("lanner_alerts_out_total", "counter", "Alerts written to every sink.")
	fmt.Fprintf(w, "lanner_alerts_out_total %d\n", total)
	p("lanner_rule_alerts_total", "counter", "Alerts written, per rule.")
	for _, k := range sortedKeys(m.perRule) {
		fmt.Fprintf(w, "lanner_rule_alerts_total{rule=\"%s\"} %d\n", esc(k), m.perRule[k])
	}
	p("lanner_alerts_suppressed_total", "counter", "Alerts suppressed by tuning exclusions.")
	fmt.Fprintf(w, "lanner_alerts_suppressed_total %d\n", m.Suppressed.Load())
	p("lanner_sink_alerts_total", "counter", "Alerts a sink took.")
	for _, k := range sortedKeys(m.sinkAlerts) {
		fmt.Fprintf(w, "lanner_sink_alerts_total{sink=\"%s\"} %d\n", esc(k), m.sinkAlerts[k])
	}
	p("lanner_sink_write_seconds_total", "counter", "Time spent in successful sink writes.")
	for _, k := range sortedKeys(m.sinkSecs) {
		fmt.Fprintf(w, "lanner_sink_write_seconds_total{sink=\"%s\"} %g\n", esc(k), m.sinkSecs[k])
	}
	p("lanner_sink_errors_total", "counter", "Failed sink write attempts (each is retried).")
	for _, k := range sortedKeys(m.sinkErrs) {
		fmt.Fprintf(w, "lanner_sink_errors_total{sink=\"%s\"} %d\n", esc(k), m.sinkErrs[k])
	}
	p("lanner_errors_total", "counter", "Errors by kind.")
	for _, k := range sortedKeys(m.errors) {
		fmt.Fprintf(w, "lanner_errors_total{kind=\"%s\"} %d\n", esc(k), m.errors[k])
	}
	p("lanner_kafka_commits_total", "counter", "Offset commits after the alerts were written.")
	fmt.Fprintf(w, "lanner_kafka_commits_total %d\n", m.Commits.Load())
	p("lanner_kafka_consumer_lag", "gauge", "Records between the last one read and the partition's end.")
	for _, k := range sortedKeys(m.lag) {
		topic, part, _ := strings.Cut(k, "\x00")
		fmt.Fprintf(w, "lanner_kafka_consumer_lag{topic=\"%s\",partition=\"%s\"} %d\n", esc(topic), part, m.lag[k])
	}
	p("lanner_uptime_seconds", "gauge", "Seconds since the start.")
	fmt.Fprintf(w, "lanner_uptime_seconds %g\n", time.Since(m.start).Seconds())
}

// ServeHTTP serves /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.WriteText(w)
}

// ErrNotLoopback refuses a metrics address off the loopback interface.
var ErrNotLoopback = errors.New("--metrics-addr must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT): /metrics is not meant to be exposed; put a proxy in front of it to publish it")

// LoopbackAddr checks that addr is HOST:PORT with a loopback host and
// returns it with localhost resolved to 127.0.0.1.
func LoopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--metrics-addr %q: %v", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("%w (got %q)", ErrNotLoopback, addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}

// ServeMetrics listens on a loopback address and serves /metrics until ctx
// ends. It returns the address it listens on.
func ServeMetrics(ctx context.Context, addr string, m *Metrics, log *slog.Logger) (string, error) {
	addr, err := LoopbackAddr(addr)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return ln.Addr().String(), nil
}
