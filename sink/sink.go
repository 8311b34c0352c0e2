// Package sink writes alerts where they are wanted: stdout, an NDJSON file,
// a SQLite alert store, a webhook, a Kafka topic. One file per sink.
//
// A sink's Write returns only when the alerts are durably written (fsync'd,
// committed, acknowledged by the receiver): the streaming pipeline commits
// its input positions only after every sink said so. Writes are retried
// with the same alerts after an error, so sinks must tolerate seeing an
// alert twice; each alert carries a deterministic id to deduplicate on.
package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Alert is one alert as the sinks see it: a few columns to index and
// list, the OCSF Detection Finding and the rule's output row.
type Alert struct {
	ID       string // deterministic: rule id + the source event
	Rule     string // the rule's id
	Title    string // the rule's title
	Severity string // critical, high, medium, low, informational
	Time     int64  // the event's time, epoch milliseconds
	Host     string
	User     string
	Message  string
	// Finding is the OCSF Detection Finding (class 2004), one JSON object.
	Finding json.RawMessage
	// Row is the rule's output row as `lanner detect --format ndjson`
	// writes it: "rule" first, then the rule's fields.
	Row json.RawMessage
}

// Sink takes alerts.
type Sink interface {
	// Name is the sink as given: "sqlite:alerts.db".
	Name() string
	// Write returns nil once every alert is durably written. After an
	// error the caller may write the same alerts again.
	Write(ctx context.Context, alerts []*Alert) error
	// Close releases the sink.
	Close() error
}

// Options configure the sinks Open makes.
type Options struct {
	// Stdout is where the stdout sink writes (default os.Stdout).
	Stdout io.Writer
	// KafkaBrokers are the seed brokers of the kafka sink.
	KafkaBrokers []string
	// WebhookQueue bounds the alerts a webhook holds (default 1024);
	// WebhookWorkers posts in parallel (default 4); WebhookTimeout bounds
	// one POST (default 10s).
	WebhookQueue   int
	WebhookWorkers int
	WebhookTimeout time.Duration
	// DefaultStore is the SQLite file of "sqlite" without a target.
	DefaultStore string
	Logger       *slog.Logger
	// OnError, when set, is told about every failed attempt (for metrics).
	OnError func(sink string, err error)
	// Version is lanner's version (User-Agent of the webhook).
	Version string
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o.Logger
}

func (o *Options) onError(name string, err error) {
	if o.OnError != nil {
		o.OnError(name, err)
	}
}

// Kinds are the sink kinds Open knows.
var Kinds = []string{"stdout", "ndjson:FILE", "sqlite[:FILE]", "webhook:URL", "kafka:TOPIC"}

// ErrUsage marks a sink spec that is wrong (exit 2).
var ErrUsage = errors.New("bad --sink")

// Open makes the sink a spec names: KIND[:TARGET].
func Open(spec string, opts Options) (Sink, error) {
	kind, target, _ := strings.Cut(spec, ":")
	usage := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s (sinks: %s)", ErrUsage, spec, fmt.Sprintf(format, args...), strings.Join(Kinds, ", "))
	}
	switch strings.ToLower(kind) {
	case "stdout":
		if target != "" {
			return nil, usage("stdout takes no target")
		}
		w := opts.Stdout
		if w == nil {
			w = os.Stdout
		}
		return NewStdout(w), nil
	case "ndjson", "file":
		if target == "" {
			return nil, usage("give the file: ndjson:FILE")
		}
		return OpenNDJSON(target)
	case "sqlite":
		if target == "" {
			target = opts.DefaultStore
		}
		if target == "" {
			return nil, usage("give the file: sqlite:FILE")
		}
		if dir := filepath.Dir(target); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
		}
		return OpenStore(target)
	case "webhook":
		if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
			return nil, usage("give the URL: webhook:https://…")
		}
		return NewWebhook(target, opts), nil
	case "kafka":
		if target == "" {
			return nil, usage("give the topic: kafka:TOPIC")
		}
		if len(opts.KafkaBrokers) == 0 {
			return nil, usage("the kafka sink needs --kafka-brokers")
		}
		return NewKafka(target, opts)
	}
	return nil, usage("unknown kind %q", kind)
}

// backoff is the wait before retry n (from 0): 100ms doubling to max.
func backoff(n int, max time.Duration) time.Duration {
	d := 100 * time.Millisecond
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}
