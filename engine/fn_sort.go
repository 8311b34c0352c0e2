package engine

import (
	"sort"
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// LogScale's limits for sort/head/tail/table.
const (
	defaultRowLimit = 200
	maxRowLimit     = 200000
)

// tailStage compiles a stage of the serial part. For an aggregate it also
// returns its plan, which lets workers build partial states when the stage
// is the first of the serial part.
func (c *compiler) tailStage(s cql.Stage, p *Program) (tailFactory, *aggPlan) {
	if as, ok := s.(*cql.AssignStage); ok && isAggregate(s) {
		// foo := count() is count(as=foo)
		call := *as.Value.(*cql.CallExpr).Call
		call.Args = append(append([]cql.Arg(nil), call.Args...), cql.Arg{At: as.At, Name: "as", Value: &cql.FieldRef{At: as.At, Name: as.Field}})
		s = &cql.CallStage{Call: &call}
	}
	if cs, ok := s.(*cql.CallStage); ok {
		c.checkArgs(cs.Call)
		call := cs.Call
		switch strings.ToLower(call.Name) {
		case "sort":
			keys := c.sortKeys(call, "field", "_count")
			limit := c.intArg(call, "limit", defaultRowLimit, maxRowLimit)
			if p.LimitNote == "" {
				p.LimitNote = "sort(limit=" + limitText(limit) + ")"
			}
			return func(next Sink, _ *runState) Sink { return newTopK(keys, limit, next) }, nil
		case "table":
			fields := c.fieldsArg(call, "fields")
			if len(fields) == 0 {
				c.failf(call.At, "table() needs a list of fields")
			}
			keys := c.sortKeys(call, "sortby", "@timestamp")
			limit := c.intArg(call, "limit", defaultRowLimit, maxRowLimit)
			if p.LimitNote == "" {
				p.LimitNote = "table(limit=" + limitText(limit) + ")"
			}
			sel := c.callStage(&cql.Call{At: call.At, Name: "select", Args: []cql.Arg{{Value: &cql.ArrayExpr{Elems: fieldRefs(fields)}}}})
			return func(next Sink, _ *runState) Sink {
				return newTopK(keys, limit, &stepSink{steps: []step{sel}, next: next})
			}, nil
		case "head":
			n := c.intArg(call, "limit", defaultRowLimit, maxRowLimit)
			if p.LimitNote == "" {
				p.LimitNote = "head(" + strconv.Itoa(n) + ")"
			}
			return func(next Sink, _ *runState) Sink { return &headSink{n: n, next: next} }, nil
		case "tail":
			n := c.intArg(call, "limit", defaultRowLimit, maxRowLimit)
			if p.LimitNote == "" {
				p.LimitNote = "tail(" + strconv.Itoa(n) + ")"
			}
			return func(next Sink, _ *runState) Sink { return &tailSink{n: n, next: next} }, nil
		}
		if f := c.joinStage(call); f != nil {
			return f, nil
		}
		if plan := c.aggPlan(call); plan != nil {
			return func(next Sink, rs *runState) Sink { return newAggSink(plan, next, rs) }, plan
		}
	}
	if call := stageCall(s); call != nil {
		if fan := c.fanStage(call); fan != nil {
			return func(next Sink, _ *runState) Sink { return &fanSink{fan: fan, next: next} }, nil
		}
	}
	st := c.stage(s)
	return func(next Sink, _ *runState) Sink { return &stepSink{steps: []step{st}, next: next} }, nil
}

// fanSink runs a fan-out stage on rows of the serial part.
type fanSink struct {
	fan  fanStep
	next Sink
}

func (f *fanSink) Push(e *event.Event) { f.fan(e, f.next.Push) }
func (f *fanSink) Flush()              { f.next.Flush() }

func limitText(n int) string {
	if n < 0 {
		return "none"
	}
	return strconv.Itoa(n)
}

func fieldRefs(names []string) []cql.Expr {
	out := make([]cql.Expr, len(names))
	for i, n := range names {
		out[i] = &cql.FieldRef{Name: n}
	}
	return out
}

// stepSink runs per-event steps on rows of the serial part.
type stepSink struct {
	steps []step
	next  Sink
}

func (s *stepSink) Push(e *event.Event) {
	if runSteps(s.steps, e) {
		s.next.Push(e)
	}
}
func (s *stepSink) Flush() { s.next.Flush() }

// headSink passes the first n rows in stream order.
type headSink struct {
	n, seen int
	next    Sink
}

func (h *headSink) Push(e *event.Event) {
	if h.seen < h.n {
		h.next.Push(e)
	}
	h.seen++
}
func (h *headSink) Flush() { h.next.Flush() }

// tailSink keeps the last n rows in a ring.
type tailSink struct {
	n    int
	ring []*event.Event
	pos  int
	full bool
	next Sink
}

func (t *tailSink) Push(e *event.Event) {
	if t.n == 0 {
		return
	}
	if len(t.ring) < t.n {
		t.ring = append(t.ring, e)
		return
	}
	t.ring[t.pos] = e
	t.pos = (t.pos + 1) % t.n
	t.full = true
}

func (t *tailSink) Flush() {
	if t.full {
		t.ring = append(t.ring[t.pos:], t.ring[:t.pos]...)
	}
	for _, e := range t.ring {
		t.next.Push(e)
	}
	t.ring = nil
	t.next.Flush()
}

// ---- sort ----

type sortType int

const (
	sortNumber sortType = iota
	sortString
	sortHex
)

type sortKey struct {
	get  getter
	desc bool
	typ  sortType
}

func (c *compiler) sortKeys(call *cql.Call, param, def string) []sortKey {
	fields := c.fieldsArg(call, param)
	if len(fields) == 0 {
		fields = []string{def}
	}
	orders := c.listArg(call, "order", "desc")
	types := c.listArg(call, "type", "number")
	if c.boolArg(call, "reverse", false) {
		for i := range orders {
			if orders[i] == "desc" {
				orders[i] = "asc"
			} else {
				orders[i] = "desc"
			}
		}
	}
	keys := make([]sortKey, len(fields))
	for i, f := range fields {
		o := orders[min(i, len(orders)-1)]
		t := types[min(i, len(types)-1)]
		k := sortKey{get: fieldGetter(f)}
		switch strings.ToLower(o) {
		case "desc", "descending":
			k.desc = true
		case "asc", "ascending":
		default:
			c.failf(call.At, "%s(): order is asc or desc, found %q", call.Name, o)
		}
		switch strings.ToLower(t) {
		case "number", "any":
			k.typ = sortNumber
		case "string":
			k.typ = sortString
		case "hex":
			k.typ = sortHex
		default:
			c.failf(call.At, "%s(): type is number, string or hex, found %q", call.Name, t)
		}
		keys[i] = k
	}
	return keys
}

func (c *compiler) listArg(call *cql.Call, name, def string) []string {
	a, ok := call.Arg(name)
	if !ok {
		return []string{def}
	}
	ns := namesOf(a)
	if len(ns) == 0 {
		return []string{def}
	}
	return ns
}

// sortVal is a precomputed key: numbers parsed once per row.
type sortVal struct {
	s       string
	f       float64
	missing bool // missing, or not a number under type=number/hex
}

type sortRow struct {
	e    *event.Event
	keys []sortVal
	seq  uint64
}

// topK keeps the best `limit` rows seen so far. It buffers up to twice the
// limit, then sorts and cuts back, so memory stays O(limit) and the cost
// O(n log limit). Ties keep input order (seq), so the sort is stable.
type topK struct {
	keys  []sortKey
	limit int
	rows  []sortRow
	seq   uint64
	next  Sink
	// In and Out count rows received and emitted (for "N left out").
	In, Out int64
}

func newTopK(keys []sortKey, limit int, next Sink) *topK {
	return &topK{keys: keys, limit: limit, next: next}
}

func (t *topK) key(e *event.Event) []sortVal {
	out := make([]sortVal, len(t.keys))
	for i, k := range t.keys {
		v, ok := k.get(e)
		sv := sortVal{s: v, missing: !ok}
		if ok {
			switch k.typ {
			case sortNumber:
				f, isNum := cql.ParseNumber(strings.TrimSpace(v))
				sv.f, sv.missing = f, !isNum
			case sortHex:
				h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "0x"), "0X")
				n, err := strconv.ParseUint(h, 16, 64)
				sv.f, sv.missing = float64(n), err != nil
			}
		}
		out[i] = sv
	}
	return out
}

func (t *topK) less(a, b *sortRow) bool {
	for i, k := range t.keys {
		x, y := a.keys[i], b.keys[i]
		if x.missing != y.missing {
			return !x.missing // missing sorts last in either order
		}
		if x.missing {
			continue
		}
		var c int
		if k.typ == sortString {
			c = strings.Compare(x.s, y.s)
		} else if x.f < y.f {
			c = -1
		} else if x.f > y.f {
			c = 1
		}
		if c != 0 {
			if k.desc {
				return c > 0
			}
			return c < 0
		}
	}
	return a.seq < b.seq
}

func (t *topK) Push(e *event.Event) {
	t.In++
	if t.limit == 0 {
		return
	}
	t.rows = append(t.rows, sortRow{e: e, keys: t.key(e), seq: t.seq})
	t.seq++
	if t.limit > 0 && len(t.rows) >= 2*t.limit+1024 {
		t.cut()
	}
}

func (t *topK) cut() {
	sort.Slice(t.rows, func(i, j int) bool { return t.less(&t.rows[i], &t.rows[j]) })
	if t.limit >= 0 && len(t.rows) > t.limit {
		for i := t.limit; i < len(t.rows); i++ {
			t.rows[i] = sortRow{}
		}
		t.rows = t.rows[:t.limit]
	}
}

func (t *topK) Flush() {
	t.cut()
	for _, r := range t.rows {
		t.Out++
		t.next.Push(r.e)
	}
	t.rows = nil
	t.next.Flush()
}
