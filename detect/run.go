package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/source"
)

// Runner reads the inputs once and pushes the events each program lets
// through into that program's sink. The CLI passes its own (the one
// `lanner detect` reads with); SourceRunner is the plain default.
type Runner func(progs []*engine.Program, inputs []source.Input, sinks []engine.Sink) error

// SourceRunner reads the inputs with the source package's defaults: each
// file's format recognised from its content, gzip/zstd undone, records
// normalised to Falcon names.
func SourceRunner(progs []*engine.Program, inputs []source.Input, sinks []engine.Sink) error {
	ctx := context.Background()
	rd := source.NewReader(source.Options{})
	batches := make(chan *engine.Batch, 8)
	go rd.Run(ctx, inputs, batches)
	_, err := engine.RunAll(ctx, progs, batches, source.NewNDJSONDecoder, engine.RunOptions{}, sinks)
	for range batches {
	}
	if err != nil {
		return err
	}
	if len(rd.Errors) > 0 {
		return rd.Errors[0]
	}
	return nil
}

// Compiled is a rule ready to run. Its query is split in two:
//
//   - Match, the per-event part up to the first stage that reshapes or
//     aggregates (fields/select, drop, rename, table, sort, head, groupBy…),
//     runs over the input and keeps each matching event whole: every source
//     field plus what the query computed (suspicion_level…);
//   - the rest (projection, sort, limit) runs over the events the tuning
//     leaves and gives the rows the user sees.
//
// So an alert keeps its source event even when the query projects fields,
// exclusions can test any field of the event, and suppressed events do not
// take places under the rule's own limit. Matches stream through the tuning
// and the presentation in batches: where the rest is a projection followed
// by sort/head/tail on projected fields (the seed's shape), the sort runs
// first, on whole events, and keeps only its top rows, so memory stays
// bounded by the rule's limit, not by the number of matches.
type Compiled struct {
	Rule     *Rule
	Match    *engine.Program
	Warnings []string

	set     *Set
	opts    engine.Options
	rest    []cql.Stage // the stages after the split
	pres    *engine.Program
	proj    []cql.Stage // projection applied after pres (swapped order), or nil
	swapped bool

	excl      []*Exclusion // active exclusions that cover the rule
	pending   []*event.Event
	matched   int64
	seq       uint64
	in        chan *engine.Batch
	done      chan struct{}
	rows      engine.Collect
	presStats *engine.Stats
	ctx       map[*event.Event]*event.Event // row → source event, when not swapped
	suppEv    []*event.Event
	suppBy    []*Exclusion
	suppCount map[*Exclusion]int
	err       error // from the tuning
	presErr   error // from the presentation pipeline
	flushed   bool
}

// batchSize is how many matches go through tuning and presentation at once.
const batchSize = 512

// Push implements engine.Sink: it takes a matched event.
func (c *Compiled) Push(e *event.Event) {
	c.matched++
	c.pending = append(c.pending, e)
	if len(c.pending) >= batchSize {
		c.process()
	}
}

// Flush implements engine.Sink: the input is done.
func (c *Compiled) Flush() {
	if c.flushed {
		return
	}
	c.flushed = true
	c.process()
	if c.in != nil {
		close(c.in)
		<-c.done
	}
}

// process sends the pending matches through the tuning, then the kept
// ones to the presentation pipeline.
func (c *Compiled) process() {
	evs := c.pending
	c.pending = nil
	if len(evs) == 0 || c.err != nil {
		return
	}
	by := make([]*Exclusion, len(evs))
	for _, x := range c.excl {
		var idx []int
		var open []*event.Event
		for i, e := range evs {
			if by[i] == nil {
				idx = append(idx, i)
				open = append(open, e)
			}
		}
		if len(open) == 0 {
			break
		}
		hit, err := filterEvents(c.set.exclProgs[x], open)
		if err != nil {
			c.err = err
			return
		}
		for j, h := range hit {
			if h {
				by[idx[j]] = x
			}
		}
	}
	var kept []*event.Event
	for i, e := range evs {
		if by[i] == nil {
			cl := e.Clone()
			if c.ctx != nil {
				c.ctx[cl] = e
			}
			kept = append(kept, cl)
			continue
		}
		c.suppCount[by[i]]++
		if c.set.opts.KeepSuppressed {
			c.suppEv = append(c.suppEv, e)
			c.suppBy = append(c.suppBy, by[i])
		}
	}
	if len(kept) == 0 {
		return
	}
	if c.in == nil {
		c.in = make(chan *engine.Batch, 4)
		c.done = make(chan struct{})
		go func() {
			defer close(c.done)
			st, err := engine.RunAll(context.Background(), []*engine.Program{c.pres}, c.in, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, []engine.Sink{&c.rows})
			c.presErr = err
			if len(st) > 0 {
				c.presStats = st[0]
			}
			for range c.in {
			}
		}()
	}
	c.in <- &engine.Batch{Seq: c.seq, Events: kept, Records: int64(len(kept)), Format: "event"}
	c.seq++
}

// Set is the rules of one run, with the tuning that applies to it.
type Set struct {
	Rules []*Compiled

	opts      Options
	warnings  []string
	exclProgs map[*Exclusion]*engine.Program
}

// Options configure a run of rules.
type Options struct {
	Engine engine.Options // LiftLimits lifts the rules' trailing sort/limit (`detect --all`)
	// Exclusions apply when enabled, unexpired at Now and covering the rule.
	Exclusions []*Exclusion
	Now        time.Time // zero: time.Now()
	// KeepSuppressed keeps suppressed alerts for listing; otherwise they
	// are only counted.
	KeepSuppressed bool
}

// CompileError is a rule whose query does not compile.
type CompileError struct {
	Rule *Rule
	Err  error
}

func (e *CompileError) Error() string { return e.Rule.Source + "/query.cql: " + e.Err.Error() }
func (e *CompileError) Unwrap() error { return e.Err }

// Prepare compiles the rules and the exclusions for one run. Warnings()
// then names the exclusions that expired.
func Prepare(rules []*Rule, opts Options) (*Set, error) {
	compiled := make([]*Compiled, len(rules))
	for i, r := range rules {
		c, err := compileRule(r, opts.Engine)
		if err != nil {
			return nil, &CompileError{Rule: r, Err: err}
		}
		compiled[i] = c
	}
	return newSet(compiled, opts)
}

// Again returns a new set for another run of the same rules, with other
// tuning; the compiled queries are reused (opts.Engine is ignored).
func (s *Set) Again(opts Options) (*Set, error) {
	opts.Engine = s.opts.Engine
	return newSet(s.Rules, opts)
}

func newSet(compiled []*Compiled, opts Options) (*Set, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	s := &Set{opts: opts, exclProgs: map[*Exclusion]*engine.Program{}}
	var active []*Exclusion
	for _, x := range opts.Exclusions {
		if !x.IsEnabled() {
			continue
		}
		if x.ExpiredAt(opts.Now) {
			s.warnings = append(s.warnings, fmt.Sprintf("exclusion %s (%s) expired on %s and no longer applies; renew or remove it", x.Name, x.Source, x.Expires))
			continue
		}
		p, err := x.Compile()
		if err != nil {
			return nil, fmt.Errorf("%s: exclusion %s: %v", x.Source, x.Name, err)
		}
		active = append(active, x)
		s.exclProgs[x] = p
	}
	for _, base := range compiled {
		r := base.Rule
		c := &Compiled{Rule: r, Match: base.Match, Warnings: base.Warnings, opts: base.opts,
			rest: base.rest, pres: base.pres, proj: base.proj, swapped: base.swapped}
		if !c.swapped {
			c.ctx = map[*event.Event]*event.Event{}
		}
		c.set = s
		c.suppCount = map[*Exclusion]int{}
		for _, x := range active {
			if x.AppliesTo(r.ID) {
				c.excl = append(c.excl, x)
			}
		}
		s.Rules = append(s.Rules, c)
	}
	return s, nil
}

// Warnings names the exclusions that expired.
func (s *Set) Warnings() []string { return s.warnings }

func compileRule(r *Rule, opts engine.Options) (*Compiled, error) {
	q, err := cql.Parse(r.Query)
	if err != nil {
		return nil, err
	}
	k := SplitPoint(q.Stages)
	match, err := engine.Compile(&cql.Query{Stages: q.Stages[:k], Source: q.Source}, opts)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Rule: r, Match: match, rest: q.Stages[k:], opts: opts}
	full, err := engine.Compile(&cql.Query{Stages: c.rest}, opts)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(append(c.Warnings, match.Warnings...), full.Warnings...)
	if proj, order, ok := swappable(c.rest); ok {
		c.swapped, c.proj = true, proj
		if c.pres, err = engine.Compile(&cql.Query{Stages: order}, opts); err != nil {
			return nil, err
		}
	} else {
		c.pres = full
		c.ctx = map[*event.Event]*event.Event{}
	}
	return c, nil
}

// swappable reports whether the presentation stages are a projection
// (select/drop) followed only by sort/head/tail whose keys the projection
// keeps; then sorting whole events first and projecting after gives the
// same rows.
func swappable(rest []cql.Stage) (proj, order []cql.Stage, ok bool) {
	i := 0
	kept := map[string]bool{}
	selected := false
	for ; i < len(rest); i++ {
		cs, isCall := rest[i].(*cql.CallStage)
		if !isCall {
			break
		}
		switch strings.ToLower(cs.Call.Name) {
		case "select":
			a, ok := cs.Call.Arg("fields")
			if !ok {
				return nil, nil, false
			}
			names, ok := fieldNames(a)
			if !ok {
				return nil, nil, false
			}
			kept = map[string]bool{}
			for _, n := range names {
				kept[n] = true
			}
			selected = true
			continue
		case "drop":
			a, ok := cs.Call.Arg("fields")
			if !ok {
				return nil, nil, false
			}
			names, ok := fieldNames(a)
			if !ok {
				return nil, nil, false
			}
			for _, n := range names {
				if !selected {
					return nil, nil, false // cannot tell what is left
				}
				delete(kept, n)
			}
			continue
		}
		break
	}
	if i == 0 || !selected {
		return nil, nil, false
	}
	for _, s := range rest[i:] {
		cs, isCall := s.(*cql.CallStage)
		if !isCall {
			return nil, nil, false
		}
		switch strings.ToLower(cs.Call.Name) {
		case "head", "tail":
		case "sort":
			a, ok := cs.Call.Arg("field")
			if !ok {
				return nil, nil, false
			}
			names, ok := fieldNames(a)
			if !ok {
				return nil, nil, false
			}
			for _, n := range names {
				if !kept[strings.TrimPrefix(strings.TrimPrefix(n, "-"), "+")] {
					return nil, nil, false
				}
			}
		default:
			return nil, nil, false
		}
	}
	return rest[:i], rest[i:], true
}

func fieldNames(e cql.Expr) ([]string, bool) {
	switch e := e.(type) {
	case *cql.FieldRef:
		return []string{e.Name}, true
	case *cql.ArrayExpr:
		var out []string
		for _, x := range e.Elems {
			f, ok := x.(*cql.FieldRef)
			if !ok {
				return nil, false
			}
			out = append(out, f.Name)
		}
		return out, true
	}
	return nil, false
}

// SplitPoint is the index of the first stage after which an event no
// longer holds all its fields, or is no longer handled on its own: a
// projection (select/fields, table, drop, rename) or an aggregating stage.
func SplitPoint(stages []cql.Stage) int {
	for i, s := range stages {
		switch s := s.(type) {
		case *cql.CallStage:
			switch strings.ToLower(s.Call.Name) {
			case "select", "drop", "rename", "table":
				return i
			}
			if spec := cql.Lookup(s.Call.Name); spec != nil && spec.Aggregate {
				return i
			}
		case *cql.AssignStage:
			if ce, ok := s.Value.(*cql.CallExpr); ok {
				if spec := cql.Lookup(ce.Call.Name); spec != nil && spec.Aggregate {
					return i
				}
			}
		}
	}
	return len(stages)
}

// Programs returns the per-event programs to run over the input, one per rule.
func (s *Set) Programs() []*engine.Program {
	out := make([]*engine.Program, len(s.Rules))
	for i, c := range s.Rules {
		out[i] = c.Match
	}
	return out
}

// Sinks returns the sinks that take each rule's matches.
func (s *Set) Sinks() []engine.Sink {
	out := make([]engine.Sink, len(s.Rules))
	for i, c := range s.Rules {
		out[i] = c
	}
	return out
}

// Alert is one alert: the rule, the row the rule outputs, and the whole
// event it came from.
type Alert struct {
	Rule  *Rule
	Row   *event.Event // the rule's output fields; Row.Origin is the source record
	Event *event.Event // every field of the event at the rule's alerting stage
	Level string       // the row's suspicion_level where the rule sets one, else the rule's severity
	UID   string       // deterministic: rule id + the source record
	// SuppressedBy is the exclusion that suppressed the alert, or nil.
	SuppressedBy *Exclusion
}

// Result is what one rule gave.
type Result struct {
	Rule       *Rule
	Fields     []string // output columns; nil: every field of the rows
	Alerts     []*Alert
	Suppressed []*Alert           // listed when Options.KeepSuppressed
	Counts     map[*Exclusion]int // suppressed alerts per exclusion
	Matched    int64              // events the rule matched, before tuning and its own limit
	LeftOut    int64              // events that passed tuning but not the rule's own limit
	LimitNote  string             // the stage that limits, for "N left out by the rule's …"
}

// NSuppressed is the number of alerts the exclusions suppressed.
func (r *Result) NSuppressed() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// Results finishes the run (if the engine did not) and returns each rule's
// alerts.
func (s *Set) Results() ([]*Result, error) {
	uids := map[string]int{}
	var out []*Result
	for _, c := range s.Rules {
		c.Flush()
		if c.err != nil {
			return nil, c.err
		}
		if c.presErr != nil {
			return nil, c.presErr
		}
		full, err := engine.Compile(&cql.Query{Stages: c.rest}, c.opts)
		if err != nil {
			return nil, err
		}
		res := &Result{Rule: c.Rule, Matched: c.matched, Fields: full.Fields, LimitNote: full.LimitNote, Counts: c.suppCount}
		if c.presStats != nil {
			res.LeftOut = c.presStats.Matched - c.presStats.Rows
		}
		rows, ctxOf, err := c.project(c.rows.Rows)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			res.Alerts = append(res.Alerts, newAlert(c.Rule, row, ctxOf[row], nil, uids))
		}
		if len(c.suppEv) > 0 {
			lifted := c.opts
			lifted.LiftLimits = true
			all, err := engine.Compile(&cql.Query{Stages: c.rest}, lifted)
			if err != nil {
				return nil, err
			}
			rows, ctxOf, _, err := present(all, c.suppEv)
			if err != nil {
				return nil, err
			}
			byEvent := map[*event.Event]*Exclusion{}
			for i, e := range c.suppEv {
				byEvent[e] = c.suppBy[i]
			}
			for _, row := range rows {
				res.Suppressed = append(res.Suppressed, newAlert(c.Rule, row, ctxOf[row], byEvent[ctxOf[row]], uids))
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// project turns the presentation's output into rows, each mapped to its
// source event.
func (c *Compiled) project(out []*event.Event) ([]*event.Event, map[*event.Event]*event.Event, error) {
	ctxOf := map[*event.Event]*event.Event{}
	if !c.swapped {
		for _, r := range out {
			ctxOf[r] = c.ctx[r] // nil for an aggregate row
		}
		return out, ctxOf, nil
	}
	p, err := engine.Compile(&cql.Query{Stages: c.proj}, c.opts)
	if err != nil {
		return nil, nil, err
	}
	rows, ctx, _, err := present(p, out)
	if err != nil {
		return nil, nil, err
	}
	return rows, ctx, nil
}

// runEvents pushes already decoded events through a program.
func runEvents(p *engine.Program, evs []*event.Event) ([]*event.Event, *engine.Stats, error) {
	batches := make(chan *engine.Batch, 1)
	batches <- &engine.Batch{Events: evs, Records: int64(len(evs)), Format: "event"}
	close(batches)
	col := &engine.Collect{}
	st, err := engine.RunAll(context.Background(), []*engine.Program{p}, batches, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, []engine.Sink{col})
	if err != nil {
		return nil, nil, err
	}
	return col.Rows, st[0], nil
}

// filterEvents reports which events pass a per-event program (clones go
// through it, so the events themselves are not changed).
func filterEvents(p *engine.Program, evs []*event.Event) ([]bool, error) {
	clones := make([]*event.Event, len(evs))
	pos := make(map[*event.Event]int, len(evs))
	for i, e := range evs {
		clones[i] = e.Clone()
		pos[clones[i]] = i
	}
	rows, _, err := runEvents(p, clones)
	if err != nil {
		return nil, err
	}
	hit := make([]bool, len(evs))
	for _, r := range rows {
		if i, ok := pos[r]; ok {
			hit[i] = true
		}
	}
	return hit, nil
}

// present runs the presentation stages over clones of the events and maps
// each row back to its event.
func present(p *engine.Program, evs []*event.Event) ([]*event.Event, map[*event.Event]*event.Event, *engine.Stats, error) {
	ctx := make(map[*event.Event]*event.Event, len(evs))
	clones := make([]*event.Event, len(evs))
	for i, e := range evs {
		clones[i] = e.Clone()
		ctx[clones[i]] = e
	}
	rows, st, err := runEvents(p, clones)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, r := range rows {
		if _, ok := ctx[r]; !ok {
			ctx[r] = nil // an aggregate row: no single source event
		}
	}
	return rows, ctx, st, nil
}

func newAlert(r *Rule, row, ev *event.Event, by *Exclusion, uids map[string]int) *Alert {
	a := &Alert{Rule: r, Row: row, Event: ev, SuppressedBy: by}
	if a.Event == nil {
		a.Event = row
	}
	a.Level = strings.ToLower(r.Severity)
	for _, e := range []*event.Event{row, a.Event} {
		if v, ok := e.Get("suspicion_level"); ok && SeverityRank(v) > 0 {
			a.Level = strings.ToLower(v)
			break
		}
	}
	uid := alertUID(r.ID, a.Event)
	uids[uid]++
	if n := uids[uid]; n > 1 {
		uid += "-" + strconv.Itoa(n)
	}
	a.UID = uid
	return a
}

// alertUID is a UUID-shaped hash of the rule id and the source record (the
// raw bytes when the reader kept them, else where it was read and its
// fields): the same event gives the same id in every run.
func alertUID(ruleID string, e *event.Event) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	if len(e.Origin.Raw) > 0 {
		h.Write(e.Origin.Raw)
	} else {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", e.Origin.File, e.Origin.Line, e.Origin.Record)
		for i, k := range e.Keys {
			fmt.Fprintf(h, "%s\x00%s\x00", k, e.Vals[i])
		}
	}
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50 // version 5 (name-based, SHA)
	s[8] = s[8]&0x3f | 0x80 // RFC 4122 variant
	x := hex.EncodeToString(s[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// SuppressionCount is how many alerts one exclusion suppressed.
type SuppressionCount struct {
	Exclusion *Exclusion
	Count     int
}

// Suppressions counts suppressed alerts per exclusion, most first, then by name.
func Suppressions(results []*Result) []SuppressionCount {
	m := map[*Exclusion]int{}
	for _, r := range results {
		for x, n := range r.Counts {
			m[x] += n
		}
	}
	var out []SuppressionCount
	for x, n := range m {
		out = append(out, SuppressionCount{x, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Exclusion.Name < out[j].Exclusion.Name
	})
	return out
}
