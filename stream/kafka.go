package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/source"
)

// KafkaOptions configure ConsumeKafka.
type KafkaOptions struct {
	Brokers []string
	Topics  []string
	Group   string
	// InstanceID makes the member static (KIP-345): a restarted process
	// with the same id takes its partitions back without a rebalance.
	InstanceID string
	// Start is where a group with no committed offset starts: "earliest"
	// (default) or "latest".
	Start string
	// SessionTimeout: a member not heard from for this long is dead and
	// its partitions move (default 45s, the client's default).
	SessionTimeout time.Duration
	// MaxRecords bounds the records of one poll (default 10000).
	MaxRecords int
	Decoding   *Decoding
	Logger     *slog.Logger
	Metrics    *Metrics
	// CommitDelay pauses between writing a poll's alerts and committing
	// its offsets. For tests: it widens the window in which a crash makes
	// records be read again.
	CommitDelay time.Duration
}

// KafkaStats is what a consumer did.
type KafkaStats struct {
	Records int64 // records taken from Kafka
	Polls   int64
	Commits int64
}

// ConsumeKafka consumes the topics as a member of the consumer group and
// runs every record through p. Partitions are split between the group's
// members and move when one joins or dies. Offsets are committed only
// after the alerts of the records before them are durably written to every
// sink (for aggregating rules: after their window closed), so a crash
// replays records but never loses an alert.
//
// It stops reading when ctx ends, finishes what it holds with work (which
// bounds the drain), commits, and leaves the group.
func ConsumeKafka(ctx, work context.Context, opts KafkaOptions, p *Processor) (*KafkaStats, error) {
	if opts.MaxRecords <= 0 {
		opts.MaxRecords = 10000
	}
	if opts.Decoding == nil {
		opts.Decoding = &Decoding{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics()
	}
	log, m := opts.Logger, opts.Metrics
	st := &KafkaStats{}

	// pending are, per partition, the last records whose per-event alerts
	// are written but whose window is still open.
	var mu sync.Mutex
	pending := map[string]map[int32]*kgo.Record{}
	var cl *kgo.Client
	commit := func(cctx context.Context, recs []*kgo.Record) error {
		if len(recs) == 0 {
			return nil
		}
		if opts.CommitDelay > 0 {
			time.Sleep(opts.CommitDelay)
		}
		if err := cl.CommitRecords(cctx, recs...); err != nil {
			m.Error("kafka_commit")
			return err
		}
		st.Commits++
		m.Commits.Add(1)
		return nil
	}
	takePending := func() []*kgo.Record {
		var recs []*kgo.Record
		for _, parts := range pending {
			for _, r := range parts {
				recs = append(recs, r)
			}
		}
		pending = map[string]map[int32]*kgo.Record{}
		return recs
	}
	// flushAndCommit closes the open window and commits what it covered.
	flushAndCommit := func(cctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if err := p.FlushWindow(work); err != nil {
			return err
		}
		return commit(cctx, takePending())
	}

	start := kgo.NewOffset().AtStart()
	switch opts.Start {
	case "", "earliest":
	case "latest":
		start = kgo.NewOffset().AtEnd()
	default:
		return nil, fmt.Errorf("--kafka-start %q: earliest or latest", opts.Start)
	}
	kopts := []kgo.Opt{
		kgo.SeedBrokers(opts.Brokers...),
		kgo.ConsumerGroup(opts.Group),
		kgo.ConsumeTopics(opts.Topics...),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(start),
		kgo.FetchMaxWait(time.Second),
		kgo.WithLogger(kgoLogger{log}),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, assigned map[string][]int32) {
			log.Info("partitions assigned", "partitions", fmt.Sprint(assigned))
		}),
		kgo.OnPartitionsRevoked(func(cctx context.Context, _ *kgo.Client, revoked map[string][]int32) {
			// Called while no polled records are in hand: the window's
			// records are the only ones not yet committed.
			if err := flushAndCommit(cctx); err != nil {
				log.Warn("commit before giving partitions up failed; their records will be read again", "err", err)
			}
			for t, ps := range revoked {
				for _, part := range ps {
					m.Lag(t, part, -1)
				}
			}
			if len(revoked) > 0 {
				log.Info("partitions revoked", "partitions", fmt.Sprint(revoked))
			}
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
			mu.Lock()
			for t, ps := range lost {
				for _, part := range ps {
					delete(pending[t], part)
					m.Lag(t, part, -1)
				}
			}
			mu.Unlock()
			log.Warn("partitions lost (session expired); their uncommitted records will be read again by their new owner", "partitions", fmt.Sprint(lost))
		}),
	}
	if opts.SessionTimeout > 0 {
		kopts = append(kopts, kgo.SessionTimeout(opts.SessionTimeout), kgo.HeartbeatInterval(max(opts.SessionTimeout/10, 100*time.Millisecond)))
	}
	if opts.InstanceID != "" {
		kopts = append(kopts, kgo.InstanceID(opts.InstanceID))
	}
	var err error
	cl, err = kgo.NewClient(kopts...)
	if err != nil {
		return nil, err
	}
	var runErr error
	for ctx.Err() == nil {
		wait := time.Second
		if p.Windowed() {
			wait = max(10*time.Millisecond, min(wait, p.NextWindow(time.Now())))
		}
		pctx, cancel := context.WithTimeout(ctx, wait)
		fetches := cl.PollRecords(pctx, opts.MaxRecords)
		cancel()
		if fetches.IsClientClosed() {
			break
		}
		st.Polls++
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled) {
				continue
			}
			m.Error("kafka_fetch")
			log.Warn("fetch error", "topic", fe.Topic, "partition", fe.Partition, "err", fe.Err)
		}
		var last []*kgo.Record
		var batches []*engine.Batch
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) == 0 {
				return
			}
			lr := fp.Records[len(fp.Records)-1]
			last = append(last, lr)
			m.Lag(fp.Topic, fp.Partition, max(0, fp.HighWatermark-lr.Offset-1))
			st.Records += int64(len(fp.Records))
			batches = append(batches, recordBatches(opts.Decoding, fp.Topic, fp.Partition, fp.Records)...)
		})
		if len(batches) > 0 {
			if err := p.Process(work, batches); err != nil {
				runErr = err
				break
			}
		}
		if p.Windowed() {
			mu.Lock()
			for _, r := range last {
				if pending[r.Topic] == nil {
					pending[r.Topic] = map[int32]*kgo.Record{}
				}
				pending[r.Topic][r.Partition] = r
			}
			mu.Unlock()
			if p.WindowDue(time.Now()) {
				if err := flushAndCommit(work); err != nil {
					if work.Err() != nil {
						runErr = err
						break
					}
					log.Warn("commit failed; the records will be read again", "err", err)
				}
			}
		} else if err := commit(work, last); err != nil {
			if work.Err() != nil {
				runErr = err
				break
			}
			log.Warn("commit failed; the records will be read again", "err", err)
		}
		cl.AllowRebalance()
	}
	if runErr == nil {
		if err := flushAndCommit(work); err != nil {
			runErr = err
		}
	}
	if runErr != nil {
		// Leave without committing what is not written: it is read again.
		mu.Lock()
		pending = map[string]map[int32]*kgo.Record{}
		mu.Unlock()
	}
	cl.AllowRebalance()
	lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := cl.LeaveGroupContext(lctx); err != nil && runErr == nil {
		log.Warn("leaving the group", "err", err)
	}
	cancel()
	cl.Close()
	return st, runErr
}

// recordBatches turns one partition's records into engine batches. The
// origin of an event is "kafka:TOPIC/PARTITION" and its line the record's
// offset + 1.
func recordBatches(d *Decoding, topic string, partition int32, recs []*kgo.Record) []*engine.Batch {
	name := fmt.Sprintf("kafka:%s/%d", topic, partition)
	var out []*engine.Batch
	var cur *engine.Batch
	var next int64 = -1
	var left int // bytes of the records not yet batched: sizes the next batch
	for _, r := range recs {
		left += len(r.Value) + 1
	}
	for _, r := range recs {
		left -= len(r.Value) + 1
		v := bytes.TrimRight(r.Value, "\r\n")
		if len(bytes.TrimSpace(v)) == 0 {
			continue
		}
		format := rawFormat(d, v)
		multi := bytes.IndexByte(v, '\n') >= 0
		if format == "" || multi {
			f := format
			if f == "" {
				f = d.forced()
			}
			if isRaw(f) {
				out = append(out, &engine.Batch{File: name, Format: f, Line: r.Offset + 1, Data: append(append([]byte(nil), v...), '\n')})
			} else {
				out = append(out, d.read(name, r.Offset+1, v, f)...)
			}
			cur, next = nil, -1
			continue
		}
		if cur == nil || r.Offset != next || cur.Format != format || len(cur.Data) >= subBatch {
			cur = &engine.Batch{File: name, Format: format, Line: r.Offset + 1, Data: make([]byte, 0, min(subBatch+64<<10, left+len(v)+1))}
			out = append(out, cur)
		}
		cur.Data = append(append(cur.Data, v...), '\n')
		next = r.Offset + 1
	}
	return out
}

var simpleName = []byte(`event_simpleName"`)

// rawFormat says whether a record goes to the engine as a raw line: its
// raw format name, or "" when the source reader must decode it.
func rawFormat(d *Decoding, v []byte) string {
	if f := d.forced(); f != "" {
		if isRaw(f) {
			return f
		}
		return ""
	}
	if bytes.Contains(v, simpleName) {
		return source.FormatFalcon
	}
	if f := source.Sniff(v, true); isRaw(f) {
		return f
	}
	return ""
}

// kgoLogger sends the Kafka client's warnings and errors to slog.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel {
	if k.l.Enabled(context.Background(), slog.LevelDebug) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelInfo
	switch level {
	case kgo.LogLevelError:
		lv = slog.LevelError
	case kgo.LogLevelWarn:
		lv = slog.LevelWarn
	case kgo.LogLevelDebug:
		lv = slog.LevelDebug
	}
	k.l.Log(context.Background(), lv, "kafka: "+msg, keyvals...)
}
