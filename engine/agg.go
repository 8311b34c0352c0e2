package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/lanner-dev/lanner/event"
)

// Aggregation.
//
// An aggregate (groupBy, stats, count, top, timeChart, bucket…) is an
// aggPlan: how to key an event into a group, and the functions (count,
// sum, collect…) that each group runs. Its state is a groupState, and every
// function state can merge a state built from later events. That is what
// makes aggregation parallel and still exact: workers build a partial state
// per batch, and the collector merges the partials in input order, which
// gives the same groups, in the same order, with the same values as one
// sequential pass. Partial states borrow strings from the events; the
// merged state copies what it keeps, so memory is bounded by the groups and
// the functions' limits, not by the events.

// runState is what one run of a program (and its subqueries) shares:
// warnings and the tables of defineTable().
type runState struct {
	mu       sync.Mutex
	warnings []string
	warned   map[string]bool
	tables   map[string]*table
}

func newRunState() *runState {
	return &runState{warned: map[string]bool{}, tables: map[string]*table{}}
}

func (rs *runState) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if !rs.warned[msg] {
		rs.warned[msg] = true
		rs.warnings = append(rs.warnings, msg)
	}
}

// aggFn is a compiled aggregate function.
type aggFn interface {
	newState() aggState
}

// aggState accumulates one group's events for one function.
type aggState interface {
	add(e *event.Event)
	// merge folds in o, built from events that come after this state's
	// events. It copies the strings it keeps.
	merge(o aggState)
	// emit writes the function's output fields into row.
	emit(row *event.Event, rs *runState)
}

// aggPlan is a compiled aggregate stage.
type aggPlan struct {
	name     string // the function, for messages
	keys     []getter
	keyNames []string
	fns      []aggFn
	limit    int    // most groups; <0: no limit
	limitArg string // what raises the limit, for the warning
	bucket   *bucketSpec
	// finish orders or cuts the rows (top, timeChart).
	finish func(rows []*event.Event, groups []*group, rs *runState) []*event.Event
	// always: without keys, one row even when no event came.
	always bool
}

// bucketSpec keys events by the time bucket of @timestamp.
type bucketSpec struct {
	span    int64 // fixed span in ms, or 0 for auto
	buckets int   // auto: at most this many buckets
}

type group struct {
	key    []string
	ts     int64 // bucket start (ms)
	n      int64 // events
	states []aggState
}

// groupState is the state of an aggregate: its groups in first-seen order.
type groupState struct {
	plan  *aggPlan
	own   bool  // copies strings and applies the group limit (merged state)
	span  int64 // current bucket span
	index map[string]*group
	order []*group
	full  bool  // the group limit was reached
	lost  int64 // events left out by the limit
	n     int64 // events added (partials)
	buf   []byte
	kv    []string
	// buckets counts groups per bucket start (automatic spans).
	buckets map[int64]int
}

// insert registers a new group under key k (already copied).
func (s *groupState) insert(k string, g *group) {
	s.index[k] = g
	s.order = append(s.order, g)
	if s.plan.bucket != nil {
		if s.buckets == nil {
			s.buckets = map[int64]int{}
		}
		s.buckets[g.ts]++
	}
}

func (p *aggPlan) newState(own bool) *groupState {
	s := &groupState{plan: p, own: own, index: map[string]*group{}}
	if p.bucket != nil {
		s.span = p.bucket.span
		if s.span == 0 {
			s.span = spanLadder[0]
		}
	}
	return s
}

func (s *groupState) newGroup(key []string, ts int64) *group {
	g := &group{key: key, ts: ts, states: make([]aggState, len(s.plan.fns))}
	for i, f := range s.plan.fns {
		g.states[i] = f.newState()
	}
	return g
}

// keyOf returns the lookup key of key values and a bucket; the string may
// alias s.buf and must be copied to be stored.
func (s *groupState) keyOf(kv []string, ts int64) (string, bool) {
	if s.plan.bucket == nil && len(kv) == 1 {
		return kv[0], false
	}
	b := s.buf[:0]
	if s.plan.bucket != nil {
		b = strconv.AppendInt(b, ts, 10)
		b = append(b, 0)
	}
	for _, v := range kv {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
	}
	s.buf = b
	return unsafeString(b), true
}

func (s *groupState) add(e *event.Event) {
	kv := s.kv[:0]
	for _, g := range s.plan.keys {
		v, ok := g(e)
		if !ok {
			return // groupBy drops events that lack a key field
		}
		kv = append(kv, v)
	}
	s.kv = kv
	var ts int64
	if s.plan.bucket != nil {
		t, ok := eventTime(e)
		if !ok {
			return
		}
		ts = floorTo(t, s.span)
	}
	k, aliased := s.keyOf(kv, ts)
	g := s.index[k]
	if g == nil {
		if s.own && s.plan.limit >= 0 && len(s.order) >= s.plan.limit {
			s.full = true
			s.lost++
			return
		}
		key := append([]string(nil), kv...)
		if s.own {
			for i := range key {
				key[i] = strings.Clone(key[i])
			}
			k = strings.Clone(k)
		} else if aliased {
			k = strings.Clone(k)
		}
		g = s.newGroup(key, ts)
		s.insert(k, g)
	}
	g.n++
	s.n++
	for _, st := range g.states {
		st.add(e)
	}
	s.coarsen()
}

// merge folds in o (later events).
func (s *groupState) merge(o *groupState) {
	if s.plan.bucket != nil && s.plan.bucket.span == 0 {
		if o.span > s.span {
			s.rekey(o.span)
		} else if o.span < s.span {
			o.rekey(s.span)
		}
	}
	for _, og := range o.order {
		k, _ := s.keyOf(og.key, og.ts)
		g := s.index[k]
		if g == nil {
			if s.own && s.plan.limit >= 0 && len(s.order) >= s.plan.limit {
				s.full = true
				s.lost += og.n
				continue
			}
			k = strings.Clone(k)
			key := make([]string, len(og.key))
			for i, v := range og.key {
				key[i] = strings.Clone(v)
			}
			g = s.newGroup(key, og.ts)
			s.insert(k, g)
		}
		g.n += og.n
		for i, st := range g.states {
			st.merge(og.states[i])
		}
	}
	s.full = s.full || o.full
	s.lost += o.lost
	s.coarsen()
}

// spanLadder are the automatic bucket spans; each is a multiple of the one
// before, so buckets of one span merge exactly into the next.
var spanLadder = []int64{
	1000, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
	7200000, 21600000, 43200000, 86400000, 604800000, 2419200000,
}

// coarsen widens an automatic span while there are too many buckets.
func (s *groupState) coarsen() {
	b := s.plan.bucket
	if b == nil || b.span != 0 {
		return
	}
	for len(s.buckets) > b.buckets {
		next := s.span * 2
		for _, sp := range spanLadder {
			if sp > s.span {
				next = sp
				break
			}
		}
		s.rekey(next)
	}
}

// rekey moves every group to the bucket of a wider span, merging groups
// that fall together (in first-seen order).
func (s *groupState) rekey(span int64) {
	old := s.order
	s.span = span
	s.index = map[string]*group{}
	s.order = nil
	s.buckets = nil
	for _, g := range old {
		ts := floorTo(g.ts, span)
		k, _ := s.keyOf(g.key, ts)
		if h := s.index[k]; h != nil {
			h.n += g.n
			for i, st := range h.states {
				st.merge(g.states[i])
			}
			continue
		}
		g.ts = ts
		s.insert(strings.Clone(k), g)
	}
}

func floorTo(t, span int64) int64 {
	if span <= 0 {
		return t
	}
	q := t / span
	if t%span != 0 && t < 0 {
		q--
	}
	return q * span
}

// eventTime reads @timestamp (epoch milliseconds; seconds are recognised).
func eventTime(e *event.Event) (int64, bool) {
	v, ok := e.Get("@timestamp")
	if !ok {
		return 0, false
	}
	return parseEpoch(v, "auto")
}

// rows renders the groups as rows.
func (s *groupState) rows(rs *runState) []*event.Event {
	p := s.plan
	var rows []*event.Event
	if len(s.order) == 0 && p.always && len(p.keys) == 0 && p.bucket == nil {
		s.order = append(s.order, s.newGroup(nil, 0))
	}
	for _, g := range s.order {
		row := &event.Event{}
		if p.bucket != nil {
			row.Set("_bucket", strconv.FormatInt(g.ts, 10))
		}
		for i, name := range p.keyNames {
			row.Set(name, g.key[i])
		}
		for _, st := range g.states {
			st.emit(row, rs)
		}
		rows = append(rows, row)
	}
	if s.full {
		rs.warnf("%s: the limit of %d groups was reached; %d events of further groups were left out (raise it with %s)", p.name, p.limit, s.lost, p.limitArg)
	}
	if p.finish != nil {
		rows = p.finish(rows, s.order, rs)
	}
	return rows
}

// aggSink runs an aggregate in the serial part, or merges the partial
// states the workers built.
type aggSink struct {
	plan  *aggPlan
	state *groupState
	cur   *groupState
	next  Sink
	rs    *runState
}

// partialEvents is how many serially pushed events a partial takes before
// it is merged.
const partialEvents = 4096

func newAggSink(p *aggPlan, next Sink, rs *runState) *aggSink {
	return &aggSink{plan: p, state: p.newState(true), next: next, rs: rs}
}

func (a *aggSink) Push(e *event.Event) {
	if a.cur == nil {
		a.cur = a.plan.newState(false)
	}
	a.cur.add(e)
	if a.cur.n >= partialEvents {
		a.state.merge(a.cur)
		a.cur = nil
	}
}

func (a *aggSink) mergePartial(p *groupState) {
	if a.cur != nil {
		a.state.merge(a.cur)
		a.cur = nil
	}
	a.state.merge(p)
}

func (a *aggSink) Flush() {
	if a.cur != nil {
		a.state.merge(a.cur)
		a.cur = nil
	}
	for _, r := range a.state.rows(a.rs) {
		a.next.Push(r)
	}
	a.state = a.plan.newState(true)
	a.next.Flush()
}

// sortRowsBy sorts rows stably by a numeric field, descending or not;
// rows without it go last.
func sortRowsBy(rows []*event.Event, field string, desc bool) {
	key := func(e *event.Event) (float64, bool) {
		v, ok := e.Get(field)
		if !ok {
			return 0, false
		}
		return parseNum(v)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, oka := key(rows[i])
		b, okb := key(rows[j])
		if oka != okb {
			return oka
		}
		if desc {
			return a > b
		}
		return a < b
	})
}
