package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/output"
	"github.com/lanner-dev/lanner/sink"
)

// Config configures a Processor.
type Config struct {
	Rules      []*detect.Rule
	Exclusions []*detect.Exclusion
	// Window is the length of the tumbling windows (by arrival time) that
	// rules whose alerting part aggregates run over; 0 refuses such rules.
	Window time.Duration
	Sinks  []sink.Sink
	// NewDecoder decodes raw NDJSON lines (source.DecoderFactory).
	NewDecoder func() engine.Decoder
	// NoPrefilter turns the engine's raw-bytes prefilter off (needed with
	// lookups, which fill fields the raw record lacks).
	NoPrefilter bool
	Workers     int
	Logger      *slog.Logger
	Metrics     *Metrics
	Version     string // lanner's version, in the OCSF metadata
}

// WindowError lists the rules that aggregate when no window was given.
type WindowError struct{ Rules []string }

func (e *WindowError) Error() string {
	return fmt.Sprintf("%s aggregate%s in %s alerting part (%s): on a stream such a rule needs a window; run it with --window D (e.g. --window 5m), or leave it out with --rule",
		plural(len(e.Rules), "rule", "rules"), map[bool]string{true: "s", false: ""}[len(e.Rules) == 1], map[bool]string{true: "its", false: "their"}[len(e.Rules) == 1], strings.Join(e.Rules, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Processor runs the rules over chunks of input and writes the alerts to
// every sink. Its methods are safe for concurrent use; they run one at a
// time.
type Processor struct {
	cfg      Config
	log      *slog.Logger
	m        *Metrics
	mu       sync.Mutex
	perEvent *detect.Set // rules that alert per event
	windowed *detect.Set // rules that aggregate, over windows
	win      *window
}

// window is one run of the aggregating rules, fed chunk by chunk.
type window struct {
	set   *detect.Set
	in    chan *engine.Batch
	done  chan struct{}
	err   error
	seq   uint64
	start time.Time
}

// NewProcessor compiles the rules: their alerting part, i.e. the query
// with the limits of its trailing sort/head/tail lifted.
func NewProcessor(cfg Config) (*Processor, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	var flat, agg []*detect.Rule
	var need []string
	for _, r := range cfg.Rules {
		sh, err := Analyze(r.Query)
		if err != nil {
			return nil, &detect.CompileError{Rule: r, Err: err}
		}
		switch {
		case !sh.Aggregates:
			flat = append(flat, r)
		case cfg.Window > 0:
			agg = append(agg, r)
		default:
			need = append(need, r.ID+": "+sh.Stage)
		}
	}
	if len(need) > 0 {
		return nil, &WindowError{Rules: need}
	}
	p := &Processor{cfg: cfg, log: cfg.Logger, m: cfg.Metrics}
	opts := detect.Options{Engine: engine.Options{LiftLimits: true}, Exclusions: cfg.Exclusions}
	var err error
	if p.perEvent, err = detect.Prepare(flat, opts); err != nil {
		return nil, err
	}
	if len(agg) > 0 {
		if p.windowed, err = detect.Prepare(agg, opts); err != nil {
			return nil, err
		}
	}
	for _, s := range []*detect.Set{p.perEvent, p.windowed} {
		if s == nil {
			continue
		}
		for _, w := range s.Warnings() {
			p.log.Warn(w)
		}
		for _, c := range s.Rules {
			for _, w := range c.Warnings {
				p.log.Warn("rule warning", "rule", c.Rule.ID, "warning", w)
			}
			if cfg.NoPrefilter {
				c.Match.DisablePrefilter()
			}
			p.m.Rule(c.Rule.ID)
		}
	}
	return p, nil
}

// Rules returns the ids of the rules that alert per event and of those
// that run over windows.
func (p *Processor) Rules() (perEvent, windowed []string) {
	for _, c := range p.perEvent.Rules {
		perEvent = append(perEvent, c.Rule.ID)
	}
	if p.windowed != nil {
		for _, c := range p.windowed.Rules {
			windowed = append(windowed, c.Rule.ID)
		}
	}
	return
}

// Windowed reports whether some rules run over windows: input positions
// are then final only when the window that read them closed.
func (p *Processor) Windowed() bool { return p.windowed != nil }

// WindowDue reports whether the open window has lasted its length.
func (p *Processor) WindowDue(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.win != nil && now.Sub(p.win.start) >= p.cfg.Window
}

// NextWindow is how long until the open window is due (the window length
// when none is open).
func (p *Processor) NextWindow(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.win == nil {
		return p.cfg.Window
	}
	return max(0, p.cfg.Window-now.Sub(p.win.start))
}

// Process runs the rules over one chunk of input. It returns once the
// alerts of the per-event rules are durably written to every sink (the
// aggregating rules' alerts come when their window closes); an error means
// ctx ended first and the chunk's alerts may not all be written.
func (p *Processor) Process(ctx context.Context, batches []*engine.Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	batches = split(batches)
	if len(batches) == 0 {
		return nil
	}
	if p.windowed != nil {
		if err := p.feedWindow(ctx, batches); err != nil {
			return err
		}
	}
	if len(p.perEvent.Rules) == 0 {
		// Only windows: still count the input.
		var n int64
		for _, b := range batches {
			n += b.Records + int64(bytes.Count(b.Data, []byte{'\n'}))
		}
		p.m.EventsIn.Add(n)
		return nil
	}
	set, err := p.perEvent.Again(detect.Options{Exclusions: p.cfg.Exclusions, Now: time.Now()})
	if err != nil {
		return err
	}
	in := make(chan *engine.Batch, len(batches))
	for i, b := range batches {
		b.Seq = uint64(i)
		in <- b
	}
	close(in)
	st, err := engine.RunAll(ctx, set.Programs(), in, p.cfg.NewDecoder, engine.RunOptions{Workers: p.cfg.Workers, OnProblem: p.problem}, set.Sinks())
	if err != nil {
		return err
	}
	if len(st) > 0 {
		p.m.EventsIn.Add(st[0].Records - st[0].Skipped)
		p.m.Skipped.Add(st[0].Skipped)
		for _, s := range st {
			for _, w := range s.Warnings {
				p.log.Warn(w)
			}
		}
	}
	res, err := set.Results()
	if err != nil {
		return err
	}
	return p.deliver(ctx, res)
}

func (p *Processor) problem(pr engine.Problem) {
	p.log.Warn("record skipped", "where", pr.String())
}

// feedWindow sends clones of the batches to the open window (opening one).
func (p *Processor) feedWindow(ctx context.Context, batches []*engine.Batch) error {
	if p.win == nil {
		set, err := p.windowed.Again(detect.Options{Exclusions: p.cfg.Exclusions, Now: time.Now()})
		if err != nil {
			return err
		}
		w := &window{set: set, in: make(chan *engine.Batch, 16), done: make(chan struct{}), start: time.Now()}
		go func() {
			defer close(w.done)
			_, w.err = engine.RunAll(context.Background(), set.Programs(), w.in, p.cfg.NewDecoder, engine.RunOptions{Workers: p.cfg.Workers}, set.Sinks())
			for range w.in {
			}
		}()
		p.win = w
	}
	for _, b := range batches {
		nb := *b
		nb.Seq = p.win.seq
		p.win.seq++
		if len(b.Events) > 0 {
			nb.Events = make([]*event.Event, len(b.Events))
			for i, e := range b.Events {
				nb.Events[i] = e.Clone()
			}
		}
		nb.Release = nil
		select {
		case p.win.in <- &nb:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// FlushWindow closes the open window, if any, and writes its alerts.
// Every chunk processed before it is then final.
func (p *Processor) FlushWindow(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.win
	if w == nil {
		return nil
	}
	close(w.in)
	select {
	case <-w.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.win = nil
	if w.err != nil {
		return w.err
	}
	res, err := w.set.Results()
	if err != nil {
		return err
	}
	p.log.Debug("window closed", "opened", w.start.UTC().Format(time.RFC3339), "batches", w.seq)
	return p.deliver(ctx, res)
}

// deliver turns results into sink alerts and writes them to every sink.
func (p *Processor) deliver(ctx context.Context, res []*detect.Result) error {
	var in []*detect.Alert
	for _, r := range res {
		if n := r.NSuppressed(); n > 0 {
			p.m.Suppressed.Add(int64(n))
		}
		in = append(in, r.Alerts...)
	}
	if len(in) == 0 {
		return nil
	}
	alerts, err := p.convertAll(in)
	if err != nil {
		return err
	}
	if err := p.write(ctx, alerts); err != nil {
		return err
	}
	for _, a := range alerts {
		p.m.Alert(a.Rule)
		p.log.Info("alert", "id", a.ID, "rule", a.Rule, "severity", a.Severity, "host", a.Host, "message", a.Message)
	}
	return nil
}

// write writes the alerts to every sink in parallel, retrying each sink
// with backoff until it takes them (back-pressure: nothing is dropped) or
// ctx ends.
func (p *Processor) write(ctx context.Context, alerts []*sink.Alert) error {
	errs := make([]error, len(p.cfg.Sinks))
	var wg sync.WaitGroup
	for i, s := range p.cfg.Sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				start := time.Now()
				err := s.Write(ctx, alerts)
				if err == nil {
					p.m.SinkWrite(s.Name(), len(alerts), time.Since(start))
					return
				}
				if ctx.Err() != nil {
					errs[i] = fmt.Errorf("%s: %d alerts not written: %w", s.Name(), len(alerts), ctx.Err())
					return
				}
				p.m.SinkError(s.Name())
				if attempt&(attempt+1) == 0 {
					p.log.Error("sink write failed; retrying (input held back until it succeeds)", "sink", s.Name(), "alerts", len(alerts), "attempt", attempt+1, "err", err)
				}
				d := time.Duration(100<<min(attempt, 6)) * time.Millisecond
				select {
				case <-time.After(min(d, 5*time.Second)):
				case <-ctx.Done():
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// convertAll renders alerts for the sinks, in parallel (building and
// encoding OCSF findings costs more than finding the matches).
func (p *Processor) convertAll(in []*detect.Alert) ([]*sink.Alert, error) {
	out := make([]*sink.Alert, len(in))
	workers := p.cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, (len(in)+63)/64)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(in); i += workers {
				sa, err := p.convert(in[i])
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = sa
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// convert renders a detect alert for the sinks.
func (p *Processor) convert(a *detect.Alert) (*sink.Alert, error) {
	f := output.Finding(a, output.OCSFOptions{Version: p.cfg.Version})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	get := func(k string) string { v, _ := a.Event.Get(k); return v }
	sa := &sink.Alert{
		ID: a.UID, Rule: a.Rule.ID, Title: a.Rule.Title, Severity: a.Level,
		Host: get("ComputerName"), User: get("UserName"),
		Finding: bytes.TrimRight(buf.Bytes(), "\n"),
		Row:     output.AppendRow(nil, a.Rule.ID, true, a.Row),
	}
	if t, ok := f["time"].(int64); ok {
		sa.Time = t
	}
	if m, ok := f["message"].(string); ok {
		sa.Message = m
	}
	return sa, nil
}

// Close flushes the open window and closes the sinks.
func (p *Processor) Close(ctx context.Context) error {
	err := p.FlushWindow(ctx)
	for _, s := range p.cfg.Sinks {
		if e := s.Close(); e != nil && err == nil {
			err = fmt.Errorf("%s: %w", s.Name(), e)
		}
	}
	return err
}
