package engine

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/rawscan"
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
	Line   int64  // line number of the first record in Data
	Data   []byte // newline-separated raw records, decoded by workers
	// Continues says that Data goes on from the previous batch's file and
	// that its lines were not counted (Line is 0): the engine numbers them
	// from where that batch ended, which saves the source a pass over the
	// bytes.
	Continues bool
	Events    []*event.Event // records decoded by the source (EVTX, XML, CSV)
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
	// Warnings are things the user must know about the result: a group
	// limit that was hit (rows are missing), a collect() that was cut, a
	// regex that timed out on the backtracking engine.
	Warnings []string
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
	parts    []*groupState    // per program that aggregates in the workers
	matched  []int64          // per program
	records  int64
	format   string
	skipped  []Problem
	pre      int64
	firstBad *Problem
	// Line numbering: the batch's first line (0: continues the previous
	// batch), how many lines it spans, and whether the line numbers in its
	// events and problems are relative (stored negated: -1 is its first line).
	first     int64
	lines     int64
	continues bool
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
//
// Subqueries (defineTable, join) run in the same pass as extra programs and
// finish before the query that uses them.
func RunAll(ctx context.Context, progs []*Program, batches <-chan *Batch, newDecoder func() Decoder, opts RunOptions, outs []Sink) ([]*Stats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Flatten: every program after the subqueries it reads.
	var flat []*Program
	var top []int // index in flat of each of progs
	var states []*runState
	var owner []int // flat index → index in progs
	var addSubs func(p *Program, k int)
	addSubs = func(p *Program, k int) {
		for _, s := range p.subs {
			addSubs(s, k)
			flat = append(flat, s)
			owner = append(owner, k)
		}
	}
	for k, p := range progs {
		states = append(states, newRunState())
		addSubs(p, k)
		top = append(top, len(flat))
		flat = append(flat, p)
		owner = append(owner, k)
	}

	results := make(chan result, workers*2)
	var wg sync.WaitGroup
	decoders := make([]Decoder, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		decoders[w] = newDecoder()
		go func(dec Decoder) {
			defer wg.Done()
			for b := range batches {
				r := processBatch(flat, b, dec, opts.StrictInput)
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
	for k := range progs {
		stats[k] = &Stats{}
	}
	sinks := make([]Sink, len(flat))
	for i, p := range flat {
		rs := states[owner[i]]
		var sink Sink
		if p.output != nil {
			sink = p.output(rs)
		} else {
			k := owner[i]
			sink = &countSink{next: outs[k], n: &stats[k].Rows}
		}
		for j := len(p.tail) - 1; j >= 0; j-- {
			sink = p.tail[j](sink, rs)
		}
		sinks[i] = sink
	}
	isTop := make([]bool, len(flat))
	for _, i := range top {
		isTop[i] = true
	}
	pending := map[uint64]result{}
	var next uint64
	var seq uint64
	var fatal error
	var nextLine int64 // the line after the last batch delivered
	deliver := func(r result) {
		if !r.continues {
			nextLine = r.first
		} else {
			renumber(&r, nextLine)
		}
		nextLine += r.lines
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
		for i := range flat {
			if isTop[i] {
				stats[owner[i]].Matched += r.matched[i]
			}
			if part := r.parts[i]; part != nil {
				sinks[i].(*aggSink).mergePartial(part)
			}
			for _, e := range r.events[i] {
				e.Origin.Seq = seq
				seq++
				sinks[i].Push(e)
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
	if fatal == nil {
		// Subqueries come first in flat, so their tables are complete
		// before the queries that read them flush.
		for i := range sinks {
			sinks[i].Flush()
		}
	}
	for k := range stats {
		m, rows := stats[k].Matched, stats[k].Rows
		*stats[k] = *st
		stats[k].Matched, stats[k].Rows = m, rows
		stats[k].Warnings = states[k].warnings
	}
	for i, p := range flat {
		for _, check := range p.checks {
			if w := check(); w != "" {
				states[owner[i]].warnf("%s", w)
			}
		}
		timeouts := map[string]int64{}
		var order []string
		for _, re := range p.slow {
			if n := re.Timeouts(); n > 0 {
				if _, ok := timeouts[re.Source]; !ok {
					order = append(order, re.Source)
				}
				timeouts[re.Source] += n
			}
		}
		for _, src := range order {
			states[owner[i]].warnf("regex /%s/ timed out on %d values on the backtracking engine (%v per match); they were taken as not matching", src, timeouts[src], backtrackTimeout)
		}
	}
	for k := range stats {
		stats[k].Warnings = states[k].warnings
	}
	if fatal != nil {
		return stats, fatal
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
	r := result{seq: b.Seq, format: b.Format, records: b.Records, skipped: b.Problems, first: b.Line, continues: b.Continues}
	r.events = make([][]*event.Event, len(progs))
	r.parts = make([]*groupState, len(progs))
	r.matched = make([]int64, len(progs))
	if len(b.Problems) > 0 {
		r.firstBad = &b.Problems[0]
	}
	if b.Data == nil {
		r.lines = int64(len(b.Problems)) // each a record the source skipped: one line
	}
	single := len(progs) == 1
	// emits[k] takes an event that came out of program k's per-event stages.
	emits := make([]func(*event.Event), len(progs))
	for k, p := range progs {
		emits[k] = func(out *event.Event) {
			r.matched[k]++
			if p.part != nil {
				if r.parts[k] == nil {
					r.parts[k] = p.part.newState(false)
				}
				r.parts[k].add(out)
				return
			}
			r.events[k] = append(r.events[k], out)
		}
	}
	// offer runs program k over x; it reports whether x (or an event made
	// from it) was kept.
	offer := func(k int, x *event.Event) bool {
		p := progs[k]
		before := r.matched[k]
		if p.steps != nil {
			if runSteps(p.steps, x) {
				emits[k](x)
			}
		} else {
			runOps(p.ops, x, emits[k])
		}
		return r.matched[k] != before
	}
	for _, e := range b.Events {
		for k, p := range progs {
			if p.noInput {
				continue
			}
			ev := e
			if !single {
				ev = e.Clone()
			}
			offer(k, ev)
		}
	}
	data := b.Data
	if len(data) == 0 {
		return r
	}
	// lineNo gives the number of the batch's line li (0-based): relative
	// and negated when the batch continues its file (see renumber).
	lineNo := func(li int) int64 {
		if b.Continues {
			return -int64(li) - 1
		}
		return b.Line + int64(li)
	}
	ev := &event.Event{}
	passed := make([]bool, len(progs))
	esc := &escIndex{}
	// handle runs line li, rec at offset start: the prefilters, then
	// decoding and the programs. With cands, only the programs in mask (bit
	// k: program k) found a candidate place in the line, and only they can
	// pass it. It returns false to stop at a bad record in strict mode.
	handle := func(li, start int, rec []byte, cands bool, mask uint64) bool {
		var trimmed []byte
		if n := len(rec); n >= 2 && rec[0] == '{' && rec[n-1] == '}' {
			trimmed = rec // the common case: nothing to trim
		} else {
			rec = bytes.TrimRight(rec, "\r")
			trimmed = bytes.TrimSpace(rec)
			if len(trimmed) == 0 {
				return true // a blank line is no record
			}
		}
		r.records++
		escU := int8(escUnknown)
		if !cands || mask != 0 {
			escU = esc.state(start, start+len(rec))
		}
		anyPass := false
		for k, p := range progs {
			switch {
			case p.noInput:
				passed[k] = false
			case !cands:
				passed[k] = p.matchLine(rec, escU)
			case k >= 63 && len(progs) > 64:
				// programs from 63 on share the last bit
				passed[k] = mask&(1<<63) != 0 && p.matchLine(rec, escU)
			case mask&(1<<k) != 0:
				passed[k] = p.matchCandidate(rec, escU)
			default:
				passed[k] = false // no candidate place: its required check fails
			}
			anyPass = anyPass || passed[k]
		}
		if !anyPass && looksLikeObject(trimmed) {
			r.pre++
			return true
		}
		ln := lineNo(li)
		ev.Reset()
		if err := dec.Decode(rec, ev); err != nil {
			pr := Problem{File: b.File, Line: ln, Reason: err.Error()}
			r.skipped = append(r.skipped, pr)
			if r.firstBad == nil {
				r.firstBad = &r.skipped[len(r.skipped)-1]
			}
			return !strict
		}
		ev.Origin.File, ev.Origin.Line, ev.Origin.Format = b.File, ln, b.Format
		kept := false
		for k := range progs {
			if !passed[k] {
				continue
			}
			x := ev
			if !single {
				x = ev.Clone()
			}
			if offer(k, x) {
				kept = true
			}
		}
		if kept {
			dec.Keep()
			ev = &event.Event{}
		}
		return true
	}

	// With a prefilter, one pass over the batch (rawscan) finds the line
	// ends, the lines that may not be a JSON object, the \u escapes and the
	// places of the first candidate key. When the programs name the places
	// where a line may pass, only the lines holding one, and the odd lines,
	// are looked at.
	if hasPrefilter(progs) {
		x := scratch.Get().(*rawscan.Index)
		defer scratch.Put(x)
		key := rawscan.Needle{}
		for _, q := range progs {
			if q.pre != nil && q.pick != nil {
				q.pickCandidate(data)
			}
		}
		for _, q := range progs {
			if k := q.CandidateKey(); k != nil {
				key = q.candNeedle
				break
			}
		}
		rawscan.Scan(data, key, x)
		esc = newEscIndex(data, x.Escapes)
		cands := batchCandidates(progs, data, esc.keys, key.Bytes(), x.Keys)
		ends := x.Lines
		lines := len(ends)
		if data[len(data)-1] != '\n' {
			lines++ // a last line without a newline
		}
		r.lines = int64(lines)
		bounds := func(li int) (int, int) {
			start := 0
			if li > 0 {
				start = ends[li-1] + 1
			}
			if li < len(ends) {
				return start, ends[li]
			}
			return start, len(data)
		}
		if cands == nil {
			for li := range lines {
				start, end := bounds(li)
				if !handle(li, start, data[start:end], false, 0) {
					return r
				}
			}
			return r
		}
		visit := linesToVisit(ends, lines, x.Odd, cands)
		for _, v := range visit {
			start, end := bounds(v.line)
			if !handle(v.line, start, data[start:end], true, v.progs) {
				return r
			}
		}
		// Every line not visited is one object without a candidate place.
		quiet := int64(lines - len(visit))
		r.records += quiet
		r.pre += quiet
		return r
	}
	for li := 0; len(data) > 0; li++ {
		start := len(b.Data) - len(data)
		rec := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			rec, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		r.lines++
		if !handle(li, start, rec, false, 0) {
			return r
		}
	}
	return r
}

func hasPrefilter(progs []*Program) bool {
	for _, p := range progs {
		if p.pre != nil {
			return true
		}
	}
	return false
}

// renumber turns the relative line numbers of a batch that continues its
// file into line numbers in the file, whose first line is base.
func renumber(r *result, base int64) {
	abs := func(l int64) int64 {
		if l < 0 {
			return base - l - 1
		}
		return l
	}
	for i := range r.skipped {
		r.skipped[i].Line = abs(r.skipped[i].Line)
	}
	for _, evs := range r.events {
		for _, e := range evs {
			e.Origin.Line = abs(e.Origin.Line)
		}
	}
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

// looksLikeObject is the cheap shape check a prefiltered record (white
// space trimmed) still gets, so that lines that are not JSON objects are
// counted and reported as bad records even when no query could match them.
func looksLikeObject(trimmed []byte) bool {
	return len(trimmed) >= 2 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}'
}

// lineVisit is a line the prefiltered path must look at.
type lineVisit struct {
	line  int
	progs uint64 // bit k: program k has a candidate place here (k ≥ 63: bit 63)
}

// linesToVisit merges the odd lines (which may not be one object, so they
// are looked at to be counted or reported), the last line when it has no
// newline, and the lines holding a candidate place of some program, in
// order. ends are the batch's newline offsets, lines its number of lines,
// cands each program's candidate places (sorted).
func linesToVisit(ends []int, lines int, odd []int, cands [][]int) []lineVisit {
	// keys sort the visits by line: line<<7 | program+1, or 0 in the low
	// bits for an odd or last line, which no program named
	var keys []int
	for k, cs := range cands {
		p := min(k, 63) + 1
		for _, c := range cs {
			li, _ := slices.BinarySearch(ends, c) // the line whose newline is at or after c
			keys = append(keys, li<<7|p)
		}
	}
	for _, li := range odd {
		keys = append(keys, li<<7)
	}
	if lines > len(ends) {
		keys = append(keys, (lines-1)<<7) // the last line, without a newline
	}
	slices.Sort(keys)
	var out []lineVisit
	for _, key := range keys {
		li := key >> 7
		var mask uint64
		if p := key & 127; p > 0 {
			mask = 1 << (p - 1)
		}
		if n := len(out); n > 0 && out[n-1].line == li {
			out[n-1].progs |= mask
			continue
		}
		out = append(out, lineVisit{li, mask})
	}
	return out
}

// batchCandidates gives each program's candidate places in a batch (none
// for a program that reads no input), or nil when some program needs every
// line looked at. found holds every occurrence of key in data.
func batchCandidates(progs []*Program, data []byte, esc []int, key []byte, found []int) [][]int {
	all := make([][]int, len(progs))
	for k, p := range progs {
		if p.noInput {
			continue
		}
		var f []int
		if ck := p.CandidateKey(); ck != nil && bytes.Equal(ck, key) {
			f = found
			if f == nil {
				f = []int{}
			}
		}
		pos, ok := p.Candidates(data, esc, f)
		if !ok {
			return nil
		}
		all[k] = pos
	}
	return all
}

// scratch holds rawscan indexes for reuse between batches.
var scratch = sync.Pool{New: func() any { return new(rawscan.Index) }}
