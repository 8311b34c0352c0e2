package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/sink"
	"github.com/lanner-dev/lanner/source"
)

func builtinRules(t testing.TB) []*detect.Rule {
	packs, err := detect.BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	return detect.RulesOf(packs)
}

// batchAlertIDs is what `lanner detect --all` gives over the data: the
// alert ids.
func batchAlertIDs(t testing.TB, data []byte) []string {
	set, err := detect.Prepare(builtinRules(t), detect.Options{Engine: engine.Options{LiftLimits: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := detect.SourceRunner(set.Programs(), []source.Input{{Path: "batch", Reader: bytes.NewReader(data)}}, set.Sinks()); err != nil {
		t.Fatal(err)
	}
	res, err := set.Results()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range res {
		for _, a := range r.Alerts {
			ids = append(ids, a.UID)
		}
	}
	sort.Strings(ids)
	return ids
}

func lines(data []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}

func newCluster(t testing.TB, partitions int32, topics ...string) *kfake.Cluster {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...), kfake.GroupMinSessionTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	for _, a := range c.ListenAddrs() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("kfake listens off loopback: %s", a)
		}
	}
	return c
}

// produce writes the lines to the topic, keyed by the host (aid), as a
// Falcon forwarder partitions.
func produce(t testing.TB, brokers []string, topic string, ls [][]byte) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, l := range ls {
		key := []byte("none")
		if i := bytes.Index(l, []byte(`"aid":"`)); i >= 0 {
			rest := l[i+7:]
			key = rest[:bytes.IndexByte(rest, '"')]
		}
		recs = append(recs, &kgo.Record{Key: key, Value: l})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestKafkaGroupSplitsAndMatchesBatch: two consumers of one group split the
// partitions; the store then holds exactly the alerts of a batch run.
func TestKafkaGroupSplitsAndMatchesBatch(t *testing.T) {
	data := demo.NDJSON()
	want := batchAlertIDs(t, data)
	c := newCluster(t, 4, "events")
	brokers := c.ListenAddrs()
	ls := lines(data)
	produce(t, brokers, "events", ls[:len(ls)/2])

	dbPath := filepath.Join(t.TempDir(), "alerts.db")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	type member struct {
		st  *KafkaStats
		err error
		m   *Metrics
	}
	members := make([]member, 2)
	var wg sync.WaitGroup
	for i := range members {
		st, err := sink.OpenStore(dbPath)
		if err != nil {
			t.Fatal(err)
		}
		m := NewMetrics()
		members[i].m = m
		p, err := NewProcessor(Config{Rules: builtinRules(t), Sinks: []sink.Sink{st}, NewDecoder: source.NewNDJSONDecoder, Metrics: m, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			members[i].st, members[i].err = ConsumeKafka(ctx, context.Background(), KafkaOptions{Brokers: brokers, Topics: []string{"events"},
				Group: "detector", SessionTimeout: time.Second, MaxRecords: 100, Metrics: m}, p)
			p.Close(context.Background())
		}()
	}
	time.Sleep(300 * time.Millisecond)
	produce(t, brokers, "events", ls[len(ls)/2:])

	store, err := sink.OpenStore(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := store.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if int(n) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()
	var total int64
	for i, m := range members {
		if m.err != nil {
			t.Fatalf("member %d: %v", i, m.err)
		}
		if m.st.Records == 0 {
			t.Errorf("member %d read nothing: the group did not split the partitions", i)
		}
		total += m.st.Records
		t.Logf("member %d: %d records, %d commits, %d alerts", i, m.st.Records, m.st.Commits, m.m.AlertsOut())
	}
	if total < int64(len(ls)) {
		t.Errorf("members read %d records of %d", total, len(ls))
	}
	got, err := store.IDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	compareIDs(t, got, want)
}

func compareIDs(t *testing.T, got, want []string) {
	t.Helper()
	gs := map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	ws := map[string]bool{}
	for _, w := range want {
		ws[w] = true
	}
	var lost, extra []string
	for w := range ws {
		if !gs[w] {
			lost = append(lost, w)
		}
	}
	for g := range gs {
		if !ws[g] {
			extra = append(extra, g)
		}
	}
	if len(lost) > 0 || len(extra) > 0 || len(got) != len(want) {
		t.Fatalf("store has %d alerts, batch %d: %d lost (%.3v), %d extra (%.3v)", len(got), len(want), len(lost), lost, len(extra), extra)
	}
}

// flaky fails its first writes, then takes everything.
type flaky struct {
	mu    sync.Mutex
	fails int
	got   map[string]int
	calls atomic.Int64
}

func (f *flaky) Name() string { return "flaky" }
func (f *flaky) Write(ctx context.Context, alerts []*sink.Alert) error {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("receiver down")
	}
	for _, a := range alerts {
		f.got[a.ID]++
	}
	return nil
}
func (f *flaky) Close() error { return nil }

// TestProcessorRetriesFailingSink: a sink that fails holds Process back
// until it takes the alerts; nothing is lost.
func TestProcessorRetriesFailingSink(t *testing.T) {
	data := demo.NDJSON()
	want := batchAlertIDs(t, data)
	f := &flaky{fails: 3, got: map[string]int{}}
	p, err := NewProcessor(Config{Rules: builtinRules(t), Sinks: []sink.Sink{f}, NewDecoder: source.NewNDJSONDecoder})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Process(context.Background(), []*engine.Batch{{File: "demo", Format: "falcon", Line: 1, Data: data}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for id := range f.got {
		got = append(got, id)
	}
	compareIDs(t, got, want)
	if f.calls.Load() != 4 {
		t.Errorf("%d write attempts, want 4", f.calls.Load())
	}
	// A sink that never recovers: Process gives up only when its context ends.
	f.fails = 1 << 30
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := p.Process(ctx, []*engine.Batch{{File: "demo", Format: "falcon", Line: 1, Data: data}}); err == nil {
		t.Fatal("Process returned nil with a sink that never takes the alerts")
	}
}

// BenchmarkKafkaThroughput: events and alerts per second from a Kafka
// topic (kfake, in process, 4 partitions) through the built-in rules into
// a SQLite store, committing after each poll.
func BenchmarkKafkaThroughput(b *testing.B) {
	data := benchData(b)
	ls := lines(data)
	c := newCluster(b, 4, "events")
	brokers := c.ListenAddrs()
	produce(b, brokers, "events", ls)
	b.ResetTimer()
	var events, alerts int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		st, err := sink.OpenStore(filepath.Join(b.TempDir(), "alerts.db"))
		if err != nil {
			b.Fatal(err)
		}
		m := NewMetrics()
		p, err := NewProcessor(Config{Rules: builtinRules(b), Sinks: []sink.Sink{st}, NewDecoder: source.NewNDJSONDecoder, Metrics: m, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := ConsumeKafka(ctx, context.Background(), KafkaOptions{Brokers: brokers, Topics: []string{"events"}, Group: fmt.Sprintf("bench-%d", i), Metrics: m}, p)
			done <- err
		}()
		for m.EventsIn.Load() < int64(len(ls)) {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed += time.Since(start)
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		p.Close(context.Background())
		events += m.EventsIn.Load()
		alerts += m.AlertsOut()
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(alerts)/elapsed.Seconds(), "alerts/s")
	b.ReportMetric(float64(len(data))*float64(b.N)/elapsed.Seconds()/1e6, "MB/s")
}

// benchData is $LANNER_BENCH_NDJSON, else the demo telemetry repeated with
// each copy's records made distinct.
func benchData(b *testing.B) []byte {
	if p := os.Getenv("LANNER_BENCH_NDJSON"); p != "" {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	var buf bytes.Buffer
	for i := 0; i < 20; i++ {
		buf.Write(bytes.ReplaceAll(demo.NDJSON(), []byte(`"aid":"`), []byte(fmt.Sprintf(`"copy":"%d","aid":"`, i))))
	}
	return buf.Bytes()
}

// TestKafkaWindowedRule: an aggregating rule runs over windows; its
// alerts come when a window closes, and the offsets are committed only
// then (a clean stop closes the open window and commits).
func TestKafkaWindowedRule(t *testing.T) {
	rule := &detect.Rule{ID: "many-ps", Title: "Many PowerShell starts", Severity: "medium", Confidence: "low",
		Query: "#event_simpleName=ProcessRollup2 | FileName=/powershell/i | groupBy([ComputerName], function=count()) | _count > 2 | sort(_count)"}
	if _, err := NewProcessor(Config{Rules: []*detect.Rule{rule}, NewDecoder: source.NewNDJSONDecoder}); err == nil {
		t.Fatal("an aggregating rule ran without a window")
	}
	c := newCluster(t, 2, "events")
	brokers := c.ListenAddrs()
	var ls [][]byte
	for h := 0; h < 3; h++ {
		for i := 0; i < 3+h; i++ {
			ls = append(ls, []byte(fmt.Sprintf(`{"event_simpleName":"ProcessRollup2","aid":"aid%d","ComputerName":"H%d","FileName":"powershell.exe","n":"%d"}`, h, h, i)))
		}
	}
	ls = append(ls, []byte(`{"event_simpleName":"ProcessRollup2","aid":"aid9","ComputerName":"H9","FileName":"powershell.exe","n":"0"}`))
	produce(t, brokers, "events", ls)
	f := &flaky{got: map[string]int{}}
	m := NewMetrics()
	p, err := NewProcessor(Config{Rules: []*detect.Rule{rule}, Window: 300 * time.Millisecond, Sinks: []sink.Sink{f}, NewDecoder: source.NewNDJSONDecoder, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ConsumeKafka(ctx, context.Background(), KafkaOptions{Brokers: brokers, Topics: []string{"events"}, Group: "w", Metrics: m}, p)
		done <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for m.AlertsOut() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(f.got) != 3 || m.EventsIn.Load() != int64(len(ls)) {
		t.Fatalf("%d alerts (want 3, one per host with more than 2 starts), %d events", len(f.got), m.EventsIn.Load())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup("w"), kgo.ConsumeTopics("events"), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	pctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	left := 0
	for pctx.Err() == nil {
		left += len(cl.PollFetches(pctx).Records())
	}
	if left > 0 {
		t.Errorf("%d records left uncommitted", left)
	}
}
