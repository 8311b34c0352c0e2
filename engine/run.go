package engine

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/lanner-dev/lanner/event"
)

// Decoder turns one raw record into an event. Each worker has its own.
type Decoder interface {
	// Decode fills e from raw. The event's strings may point into memory the
	// decoder reuses on the next call unless Keep is called.
	Decode(raw []byte, e *event.Event) error
	// Keep tells the decoder that the last decoded event is retained.
	Keep()
	// InvalidUTF8 returns how many values had invalid UTF-8 replaced so far.
	InvalidUTF8() int64
}

// Batch is a run of records from one input, in order.
type Batch struct {
	Seq    uint64 // consecutive from 0 over the whole input
	File   string
	Format string
	Line   int64          // line number of the first record in Data
	Data   []byte         // newline-separated raw records, decoded by workers
	Events []*event.Event // records decoded by the source (EVTX, XML, CSV)
	// Problems are records the source skipped (too long, unreadable).
	Problems []Problem
	Records  int64 // records in Events or Problems counted by the source
	Release  func()
}

// Problem is a skipped record.
type Problem struct {
	File   string
	Line   int64
	Reason string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Reason)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Reason)
}

// Stats describes a run.
type Stats struct {
	Records     int64            // records read (good and bad)
	PerFormat   map[string]int64 // records read per input format
	Skipped     int64            // bad records skipped
	Problems    []Problem        // the first few skipped records
	InvalidUTF8 int64            // values with invalid UTF-8 kept with U+FFFD
	Prefiltered int64            // records rejected on raw bytes
	Matched     int64            // events that passed the per-event stages
	Rows        int64            // rows emitted
}

// MaxProblems is how many skipped records a run keeps for its report.
const MaxProblems = 10

// RunOptions configure a run.
type RunOptions struct {
	Workers int // 0 = GOMAXPROCS
	// StrictInput makes the first bad record fatal.
	StrictInput bool
	// OnProblem, when set, is called for each skipped record (sequentially).
	OnProblem func(Problem)
}

// ErrBadRecord is returned under StrictInput.
type ErrBadRecord struct{ Problem Problem }

func (e *ErrBadRecord) Error() string { return "bad record: " + e.Problem.String() }

type result struct {
	seq      uint64
	events   [][]*event.Event // per program
	records  int64
	format   string
	skipped  []Problem
	pre      int64
	firstBad *Problem
}

// Run pushes every batch through the program, in parallel, and the matched
// events through the serial tail into out, in input order.
func (p *Program) Run(ctx context.Context, batches <-chan *Batch, newDecoder func() Decoder, opts RunOptions, out Sink) (*Stats, error) {
	st, err := RunAll(ctx, []*Program{p}, batches, newDecoder, opts, []Sink{out})
	if len(st) == 0 {
		return nil, err
	}
	return st[0], err
}

// RunAll runs several programs in one pass over the input: each record is
// read and decoded once, then offered to every program whose prefilter it
// passes. It returns one Stats per program (the input counts are shared).
func RunAll(ctx context.Context, progs []*Program, batches <-chan *Batch, newDecoder func() Decoder, opts RunOptions, outs []Sink) ([]*Stats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, workers*2)
	var wg sync.WaitGroup
	decoders := make([]Decoder, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		decoders[w] = newDecoder()
		go func(dec Decoder) {
			defer wg.Done()
			for b := range batches {
				r := processBatch(progs, b, dec, opts.StrictInput)
				if b.Release != nil {
					b.Release()
				}
				select {
				case results <- r:
				case <-ctx.Done():
				}
			}
		}(decoders[w])
	}
	go func() { wg.Wait(); close(results) }()

	st := &Stats{PerFormat: map[string]int64{}}
	stats := make([]*Stats, len(progs))
	sinks := make([]Sink, len(progs))
	for k, p := range progs {
		stats[k] = &Stats{}
		var sink Sink = &countSink{next: outs[k], n: &stats[k].Rows}
		for i := len(p.tail) - 1; i >= 0; i-- {
			sink = p.tail[i](sink)
		}
		sinks[k] = sink
	}
	pending := map[uint64]result{}
	var next uint64
	var seq uint64
	var fatal error
	deliver := func(r result) {
		st.Records += r.records
		if r.format != "" {
			st.PerFormat[r.format] += r.records
		}
		st.Prefiltered += r.pre
		for _, pr := range r.skipped {
			st.Skipped++
			if len(st.Problems) < MaxProblems {
				st.Problems = append(st.Problems, pr)
			}
			if opts.OnProblem != nil {
				opts.OnProblem(pr)
			}
		}
		if r.firstBad != nil && opts.StrictInput && fatal == nil {
			fatal = &ErrBadRecord{Problem: *r.firstBad}
			cancel()
		}
		if fatal != nil {
			return
		}
		for k, evs := range r.events {
			for _, e := range evs {
				e.Origin.Seq = seq
				seq++
				stats[k].Matched++
				sinks[k].Push(e)
			}
		}
	}
	for r := range results {
		pending[r.seq] = r
		for {
			nr, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			deliver(nr)
		}
	}
	// Batches that never arrived in order (cancelled runs) are flushed in
	// sequence so counts stay right.
	if len(pending) > 0 {
		keys := make([]uint64, 0, len(pending))
		for k := range pending {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			deliver(pending[k])
		}
	}
	for _, d := range decoders {
		st.InvalidUTF8 += d.InvalidUTF8()
	}
	for k := range stats {
		m, rows := stats[k].Matched, stats[k].Rows
		*stats[k] = *st
		stats[k].Matched, stats[k].Rows = m, rows
	}
	if fatal != nil {
		return stats, fatal
	}
	for k := range sinks {
		sinks[k].Flush()
	}
	return stats, ctx.Err()
}

type countSink struct {
	next Sink
	n    *int64
}

func (c *countSink) Push(e *event.Event) { *c.n++; c.next.Push(e) }
func (c *countSink) Flush()              { c.next.Flush() }

// processBatch runs every program's per-event stages over one batch.
func processBatch(progs []*Program, b *Batch, dec Decoder, strict bool) result {
	r := result{seq: b.Seq, format: b.Format, records: b.Records, skipped: b.Problems}
	r.events = make([][]*event.Event, len(progs))
	if len(b.Problems) > 0 {
		r.firstBad = &b.Problems[0]
	}
	single := len(progs) == 1
	for _, e := range b.Events {
		for k, p := range progs {
			ev := e
			if !single {
				ev = e.Clone()
			}
			if runSteps(p.steps, ev) {
				r.events[k] = append(r.events[k], ev)
			}
		}
	}
	data := b.Data
	line := b.Line
	ev := &event.Event{}
	passed := make([]bool, len(progs))
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var rec []byte
		if i < 0 {
			rec, data = data, nil
		} else {
			rec, data = data[:i], data[i+1:]
		}
		ln := line
		line++
		rec = bytes.TrimRight(rec, "\r")
		if len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		r.records++
		anyPass := false
		for k, p := range progs {
			passed[k] = p.Match(rec)
			anyPass = anyPass || passed[k]
		}
		if !anyPass {
			r.pre++
			continue
		}
		ev.Reset()
		if err := dec.Decode(rec, ev); err != nil {
			pr := Problem{File: b.File, Line: ln, Reason: err.Error()}
			r.skipped = append(r.skipped, pr)
			if r.firstBad == nil {
				r.firstBad = &r.skipped[len(r.skipped)-1]
			}
			if strict {
				return r
			}
			continue
		}
		ev.Origin.File, ev.Origin.Line, ev.Origin.Format = b.File, ln, b.Format
		kept := false
		for k, p := range progs {
			if !passed[k] {
				continue
			}
			x := ev
			if !single {
				x = ev.Clone()
			}
			if runSteps(p.steps, x) {
				kept = true
				r.events[k] = append(r.events[k], x)
			}
		}
		if kept {
			dec.Keep()
			ev = &event.Event{}
		}
	}
	return r
}

// Collect is a sink that keeps every row.
type Collect struct {
	Rows []*event.Event
}

func (c *Collect) Push(e *event.Event) { c.Rows = append(c.Rows, e) }
func (c *Collect) Flush()              {}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(e *event.Event)

func (f SinkFunc) Push(e *event.Event) { f(e) }
func (f SinkFunc) Flush()              {}
