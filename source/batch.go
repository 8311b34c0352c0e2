package source

import (
	"context"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

// eventBatcher collects the events a structured reader (EVTX, XML, CSV,
// JSON streams) decodes and normalises, and sends them as engine batches of
// pre-decoded Events. Such batches skip the engine's raw-bytes prefilter,
// which is what keeps it sound: normalised records hold fields that are not
// in their raw bytes.
type eventBatcher struct {
	r       *Reader
	ctx     context.Context
	out     chan<- *engine.Batch
	file    string
	format  string
	family  normalize.Family // Unknown: detect per record
	evs     []*event.Event
	probs   []engine.Problem
	size    int
	line    int64
	stopped bool
}

const batchEvents = 1024

func (r *Reader) newBatcher(ctx context.Context, out chan<- *engine.Batch, file, format string, fam normalize.Family) *eventBatcher {
	return &eventBatcher{r: r, ctx: ctx, out: out, file: file, format: format, family: fam}
}

// add normalises e (its original fields already counted in NOrig) and
// queues it. It reports false when the run was cancelled.
func (b *eventBatcher) add(e *event.Event, size int) bool {
	e.Origin.File = b.file
	e.Origin.Format = b.format
	b.r.norm.Event(e, b.family)
	if len(b.evs) == 0 && len(b.probs) == 0 {
		b.line = e.Origin.Line
	}
	b.evs = append(b.evs, e)
	b.size += size
	if len(b.evs) >= batchEvents || b.size >= b.r.opts.BatchSize {
		return b.flush()
	}
	return !b.stopped
}

// problem records a skipped record.
func (b *eventBatcher) problem(line int64, reason string) bool {
	b.probs = append(b.probs, engine.Problem{File: b.file, Line: line, Reason: reason})
	if len(b.probs) >= batchEvents {
		return b.flush()
	}
	return !b.stopped
}

// flush sends what is queued.
func (b *eventBatcher) flush() bool {
	if b.stopped {
		return false
	}
	if len(b.evs) == 0 && len(b.probs) == 0 {
		return true
	}
	bt := &engine.Batch{Seq: b.r.seq, File: b.file, Format: b.format, Line: b.line,
		Events: b.evs, Problems: b.probs, Records: int64(len(b.evs) + len(b.probs))}
	b.r.seq++
	b.evs, b.probs, b.size = nil, nil, 0
	select {
	case b.out <- bt:
		return true
	case <-b.ctx.Done():
		b.stopped = true
		return false
	}
}
