package engine

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// The aggregate functions: count, sum, avg, min, max, collect, selectLast,
// selectFromMax, selectFromMin, series, percentile, stdDev, stats, and
// composite { filter | aggregate | row steps } functions.

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseNum reads a number the way aggregates do (surrounding spaces allowed).
func parseNum(s string) (float64, bool) {
	return cql.ParseNumber(strings.TrimSpace(s))
}

// LogScale's limits.
const (
	defaultGroupLimit   = 20000
	maxGroupLimit       = 1000000
	defaultCollectLimit = 2000
)

// aggFns compiles a function= argument: one call, an array of them, or a
// composite { … } pipeline.
func (c *compiler) aggFns(x cql.Expr) []aggFn {
	switch x := x.(type) {
	case *cql.ArrayExpr:
		var out []aggFn
		for _, el := range x.Elems {
			out = append(out, c.aggFns(el)...)
		}
		return out
	case *cql.CallExpr:
		return []aggFn{c.aggFn(x.Call)}
	case *cql.SubqueryExpr:
		return []aggFn{c.compositeFn(x)}
	}
	c.failf(x.Position(), "expected an aggregate function such as count() or [count(), max(x)], found %s", x.String())
	return nil
}

// aggFn compiles one aggregate function call.
func (c *compiler) aggFn(call *cql.Call) aggFn {
	c.checkArgs(call)
	name := strings.ToLower(call.Name)
	as := func(def string) string { return c.wordArg(call, "as", def) }
	field := func() getter { return fieldGetter(c.fieldArg(call, "field", "")) }
	switch name {
	case "count":
		f := &countFn{as: as("_count"), distinct: c.boolArg(call, "distinct", false)}
		if _, ok := call.Arg("field"); ok {
			f.get = field()
		} else if f.distinct {
			c.failf(call.At, "count(distinct=true) needs a field")
		}
		return f
	case "sum", "avg", "min", "max", "stddev":
		return &numFn{kind: name, get: field(), as: as("_" + name)}
	case "collect":
		fields := c.fieldsArg(call, "fields")
		if len(fields) == 0 {
			c.failf(call.At, "collect() needs fields")
		}
		return &collectFn{fields: fields, gets: getters(fields),
			limit: c.intArg(call, "limit", defaultCollectLimit, maxGroupLimit),
			sep:   c.wordArg(call, "separator", "\n")}
	case "selectlast":
		fields := c.fieldsArg(call, "fields")
		if len(fields) == 0 {
			c.failf(call.At, "selectLast() needs fields")
		}
		return &lastFn{fields: fields, gets: getters(fields)}
	case "selectfrommax", "selectfrommin":
		fname := c.fieldArg(call, "field", "@timestamp")
		include := c.fieldsArg(call, "include")
		if len(include) == 0 {
			include = []string{fname}
		}
		return &selectFn{get: fieldGetter(fname), max: name == "selectfrommax", fields: include, gets: getters(include)}
	case "series":
		fields := c.fieldsArg(call, "collect")
		if len(fields) == 0 {
			c.failf(call.At, "series() needs the fields to collect")
		}
		limit := int64(1024)
		if a, ok := call.Arg("memlimit"); ok {
			n, ok := parseBytes(c.wordArg(call, "memlimit", ""))
			if !ok {
				c.failf(a.Position(), "series(): memlimit is a size such as 1KiB or 64KiB")
			}
			limit = n
		}
		return &seriesFn{fields: fields, gets: getters(fields), sep: c.wordArg(call, "separator", "\n"), limit: limit}
	case "percentile":
		ps := []float64{50, 75, 99}
		if a, ok := call.Arg("percentiles"); ok {
			ps = nil
			for _, s := range namesOf(a) {
				f, ok := parseNum(s)
				if !ok || f < 0 || f > 100 {
					c.failf(a.Position(), "percentile(): %q is not a percentile between 0 and 100", s)
				}
				ps = append(ps, f)
			}
		}
		return &percentileFn{get: field(), ps: ps, as: as("")}
	case "stats":
		a, ok := call.Arg("function")
		if !ok {
			c.failf(call.At, "stats() needs functions: stats([count(), max(x)])")
		}
		return &multiFn{fns: c.aggFns(a)}
	}
	spec := cql.Lookup(call.Name)
	if spec == nil {
		c.failf(call.At, "unknown function %s", call.Name)
	}
	c.failf(call.At, "%s() cannot be used as a function of an aggregate here", spec.Name)
	return nil
}

func getters(fields []string) []getter {
	out := make([]getter, len(fields))
	for i, f := range fields {
		out[i] = fieldGetter(f)
	}
	return out
}

// ---- count ----

type countFn struct {
	get      getter // nil: count events
	distinct bool
	as       string
}

type countState struct {
	f   *countFn
	n   int64
	set map[string]struct{}
}

func (f *countFn) newState() aggState { return &countState{f: f} }

func (s *countState) add(e *event.Event) {
	if s.f.get == nil {
		s.n++
		return
	}
	v, ok := s.f.get(e)
	if !ok {
		return
	}
	if !s.f.distinct {
		s.n++
		return
	}
	if s.set == nil {
		s.set = map[string]struct{}{}
	}
	s.set[v] = struct{}{}
}

func (s *countState) merge(o aggState) {
	t := o.(*countState)
	s.n += t.n
	if len(t.set) > 0 && s.set == nil {
		s.set = make(map[string]struct{}, len(t.set))
	}
	for k := range t.set {
		if _, ok := s.set[k]; !ok {
			s.set[strings.Clone(k)] = struct{}{}
		}
	}
}

func (s *countState) emit(row *event.Event, _ *runState) {
	n := s.n
	if s.f.distinct {
		n = int64(len(s.set))
	}
	row.Set(s.f.as, strconv.FormatInt(n, 10))
}

// ---- sum, avg, min, max, stdDev ----

type numFn struct {
	kind string
	get  getter
	as   string
}

// numState sums integers in an int64 and other numbers exactly (in a big
// integer scaled by 2^1074), so a sum does not depend on the order in which
// partial states merge: parallel runs give the sequential result bit for bit.
type numState struct {
	f      *numFn
	n      int64
	isum   int64
	intOK  bool // isum holds every value so far
	fsum   exactSum
	sq     exactSum // stdDev only
	lo, hi float64
}

// exactSum is an exact sum of float64 values: every finite double is an
// integer multiple of 2^-1074.
type exactSum struct{ i big.Int }

func (x *exactSum) add(f float64) {
	if f == 0 {
		return
	}
	mant, exp := math.Frexp(f)
	m := int64(mant * (1 << 53))
	var v big.Int
	v.SetInt64(m)
	if sh := exp - 53 + 1074; sh >= 0 {
		v.Lsh(&v, uint(sh))
	} else {
		v.Rsh(&v, uint(-sh))
	}
	x.i.Add(&x.i, &v)
}

func (x *exactSum) merge(o *exactSum) { x.i.Add(&x.i, &o.i) }

func (x *exactSum) float() float64 {
	var f big.Float
	f.SetInt(&x.i)
	f.SetMantExp(&f, -1074)
	r, _ := f.Float64()
	return r
}

func (f *numFn) newState() aggState { return &numState{f: f, intOK: true} }

func (s *numState) addNum(x float64) {
	if s.n == 0 || x < s.lo {
		s.lo = x
	}
	if s.n == 0 || x > s.hi {
		s.hi = x
	}
	s.n++
	if s.f.kind == "stddev" {
		s.sq.add(x * x)
	}
	if s.f.kind == "min" || s.f.kind == "max" {
		return
	}
	if s.intOK && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		r := s.isum + int64(x)
		if !((int64(x) > 0 && r < s.isum) || (int64(x) < 0 && r > s.isum)) {
			s.isum = r
			return
		}
	}
	s.toExact()
	s.fsum.add(x)
}

// toExact moves an integer sum into the exact float sum.
func (s *numState) toExact() {
	if !s.intOK {
		return
	}
	s.intOK = false
	var v big.Int
	v.SetInt64(s.isum)
	v.Lsh(&v, 1074)
	s.fsum.i.Add(&s.fsum.i, &v)
	s.isum = 0
}

func (s *numState) add(e *event.Event) {
	v, ok := s.f.get(e)
	if !ok {
		return
	}
	if x, ok := parseNum(v); ok {
		s.addNum(x)
	}
}

func (s *numState) merge(o aggState) {
	t := o.(*numState)
	if t.n == 0 {
		return
	}
	if s.n == 0 || t.lo < s.lo {
		s.lo = t.lo
	}
	if s.n == 0 || t.hi > s.hi {
		s.hi = t.hi
	}
	s.n += t.n
	s.sq.merge(&t.sq)
	if s.intOK && t.intOK {
		r := s.isum + t.isum
		if !((t.isum > 0 && r < s.isum) || (t.isum < 0 && r > s.isum)) {
			s.isum = r
			return
		}
	}
	s.toExact()
	if t.intOK {
		var v big.Int
		v.SetInt64(t.isum)
		v.Lsh(&v, 1074)
		s.fsum.i.Add(&s.fsum.i, &v)
		return
	}
	s.fsum.merge(&t.fsum)
}

func (s *numState) sum() float64 {
	if s.intOK {
		return float64(s.isum)
	}
	return s.fsum.float()
}

func (s *numState) emit(row *event.Event, _ *runState) {
	switch s.f.kind {
	case "sum":
		if s.intOK {
			row.Set(s.f.as, strconv.FormatInt(s.isum, 10))
			return
		}
		row.Set(s.f.as, cql.FormatNumber(s.sum()))
	case "avg":
		if s.n > 0 {
			row.Set(s.f.as, cql.FormatNumber(s.sum()/float64(s.n)))
		}
	case "min":
		if s.n > 0 {
			row.Set(s.f.as, cql.FormatNumber(s.lo))
		}
	case "max":
		if s.n > 0 {
			row.Set(s.f.as, cql.FormatNumber(s.hi))
		}
	case "stddev":
		if s.n > 0 {
			m := s.sum() / float64(s.n)
			v := s.sq.float()/float64(s.n) - m*m
			if v < 0 {
				v = 0
			}
			row.Set(s.f.as, cql.FormatNumber(math.Sqrt(v)))
		}
	}
}

// ---- collect ----

type collectFn struct {
	fields []string
	gets   []getter
	limit  int
	sep    string
}

type collectState struct {
	f    *collectFn
	vals [][]string
	seen []map[string]struct{}
	cut  bool
}

func (f *collectFn) newState() aggState {
	return &collectState{f: f, vals: make([][]string, len(f.fields)), seen: make([]map[string]struct{}, len(f.fields))}
}

func (s *collectState) put(i int, v string, own bool) {
	if s.seen[i] == nil {
		s.seen[i] = map[string]struct{}{}
	}
	if _, ok := s.seen[i][v]; ok {
		return
	}
	if s.f.limit >= 0 && len(s.vals[i]) >= s.f.limit {
		s.cut = true
		return
	}
	if own {
		v = strings.Clone(v)
	}
	s.seen[i][v] = struct{}{}
	s.vals[i] = append(s.vals[i], v)
}

func (s *collectState) add(e *event.Event) {
	for i, g := range s.f.gets {
		if v, ok := g(e); ok {
			s.put(i, v, false)
		}
	}
}

func (s *collectState) merge(o aggState) {
	t := o.(*collectState)
	for i := range t.vals {
		for _, v := range t.vals[i] {
			s.put(i, v, true)
		}
	}
	s.cut = s.cut || t.cut
}

func (s *collectState) emit(row *event.Event, rs *runState) {
	for i, f := range s.f.fields {
		if len(s.vals[i]) > 0 {
			row.Set(f, strings.Join(s.vals[i], s.f.sep))
		}
	}
	if s.cut {
		rs.warnf("collect(%s): more than %d distinct values in a group; the rest were left out (raise limit=)", strings.Join(s.f.fields, ", "), s.f.limit)
	}
}

// ---- selectLast ----

type lastFn struct {
	fields []string
	gets   []getter
}

type lastState struct {
	f    *lastFn
	vals []string
	has  []bool
}

func (f *lastFn) newState() aggState {
	return &lastState{f: f, vals: make([]string, len(f.fields)), has: make([]bool, len(f.fields))}
}

func (s *lastState) add(e *event.Event) {
	for i, g := range s.f.gets {
		if v, ok := g(e); ok {
			s.vals[i], s.has[i] = v, true
		}
	}
}

func (s *lastState) merge(o aggState) {
	t := o.(*lastState)
	for i := range t.vals {
		if t.has[i] {
			s.vals[i], s.has[i] = strings.Clone(t.vals[i]), true
		}
	}
}

func (s *lastState) emit(row *event.Event, _ *runState) {
	for i, f := range s.f.fields {
		if s.has[i] {
			row.Set(f, s.vals[i])
		}
	}
}

// ---- selectFromMax / selectFromMin ----

type selectFn struct {
	get    getter
	max    bool
	fields []string
	gets   []getter
}

type selectState struct {
	f    *selectFn
	best float64
	any  bool
	vals []string
	has  []bool
}

func (f *selectFn) newState() aggState {
	return &selectState{f: f, vals: make([]string, len(f.fields)), has: make([]bool, len(f.fields))}
}

func (s *selectState) better(x float64) bool {
	if !s.any {
		return true
	}
	if s.f.max {
		return x > s.best
	}
	return x < s.best
}

func (s *selectState) add(e *event.Event) {
	v, ok := s.f.get(e)
	if !ok {
		return
	}
	x, ok := parseNum(v)
	if !ok || !s.better(x) {
		return
	}
	s.best, s.any = x, true
	for i, g := range s.f.gets {
		s.vals[i], s.has[i] = g(e)
	}
}

func (s *selectState) merge(o aggState) {
	t := o.(*selectState)
	if !t.any || !s.better(t.best) {
		return
	}
	s.best, s.any = t.best, true
	for i := range t.vals {
		s.vals[i], s.has[i] = strings.Clone(t.vals[i]), t.has[i]
	}
}

func (s *selectState) emit(row *event.Event, _ *runState) {
	for i, f := range s.f.fields {
		if s.has[i] {
			row.Set(f, s.vals[i])
		}
	}
}

// ---- series ----

type seriesFn struct {
	fields []string
	gets   []getter
	sep    string
	limit  int64 // bytes per group (memlimit)
}

type seriesState struct {
	f    *seriesFn
	vals [][]string
	size int64
	cut  bool
}

func (f *seriesFn) newState() aggState {
	return &seriesState{f: f, vals: make([][]string, len(f.fields))}
}

func (s *seriesState) put(i int, v string, own bool) {
	if s.size+int64(len(v)) > s.f.limit {
		s.cut = true
		return
	}
	s.size += int64(len(v))
	if own {
		v = strings.Clone(v)
	}
	s.vals[i] = append(s.vals[i], v)
}

func (s *seriesState) add(e *event.Event) {
	for i, g := range s.f.gets {
		if v, ok := g(e); ok {
			s.put(i, v, false)
		}
	}
}

func (s *seriesState) merge(o aggState) {
	t := o.(*seriesState)
	for i := range t.vals {
		for _, v := range t.vals[i] {
			s.put(i, v, true)
		}
	}
	s.cut = s.cut || t.cut
}

func (s *seriesState) emit(row *event.Event, rs *runState) {
	for i, f := range s.f.fields {
		if len(s.vals[i]) > 0 {
			row.Set(f, strings.Join(s.vals[i], s.f.sep))
		}
	}
	if s.cut {
		rs.warnf("series(%s): more than %d bytes of values in a group; the rest were left out (raise memlimit=)", strings.Join(s.f.fields, ", "), s.f.limit)
	}
}

// ---- percentile ----

type percentileFn struct {
	get getter
	ps  []float64
	as  string
}

type percentileState struct {
	f    *percentileFn
	vals []float64
}

func (f *percentileFn) newState() aggState { return &percentileState{f: f} }

func (s *percentileState) add(e *event.Event) {
	if v, ok := s.f.get(e); ok {
		if x, ok := parseNum(v); ok {
			s.vals = append(s.vals, x)
		}
	}
}

func (s *percentileState) merge(o aggState) {
	s.vals = append(s.vals, o.(*percentileState).vals...)
}

// emit gives the nearest-rank percentiles, exact.
func (s *percentileState) emit(row *event.Event, _ *runState) {
	if len(s.vals) == 0 {
		return
	}
	v := append([]float64(nil), s.vals...)
	sort.Float64s(v)
	for _, p := range s.f.ps {
		rank := int(math.Ceil(p / 100 * float64(len(v))))
		if rank < 1 {
			rank = 1
		}
		name := "_" + cql.FormatNumber(p)
		if s.f.as != "" {
			name = s.f.as + name
		}
		row.Set(name, cql.FormatNumber(v[rank-1]))
	}
}

// ---- stats([…]) ----

type multiFn struct{ fns []aggFn }

type multiState struct{ states []aggState }

func (f *multiFn) newState() aggState {
	s := &multiState{states: make([]aggState, len(f.fns))}
	for i, g := range f.fns {
		s.states[i] = g.newState()
	}
	return s
}

func (s *multiState) add(e *event.Event) {
	for _, st := range s.states {
		st.add(e)
	}
}

func (s *multiState) merge(o aggState) {
	t := o.(*multiState)
	for i, st := range s.states {
		st.merge(t.states[i])
	}
}

func (s *multiState) emit(row *event.Event, rs *runState) {
	for _, st := range s.states {
		st.emit(row, rs)
	}
}

// ---- composite { filters | aggregate | row steps } ----

type compositeFn struct {
	pre    []step
	mutate bool // pre steps change the event: run them on a copy
	inner  aggFn
	post   []step
}

type compositeState struct {
	f     *compositeFn
	inner aggState
}

func (c *compiler) compositeFn(x *cql.SubqueryExpr) aggFn {
	f := &compositeFn{}
	i := 0
	for ; i < len(x.Stages); i++ {
		if isAggregate(x.Stages[i]) {
			break
		}
		if _, ok := x.Stages[i].(*cql.FilterStage); !ok || extracts(x.Stages[i].(*cql.FilterStage).Filter) {
			f.mutate = true
		}
		f.pre = append(f.pre, c.stage(x.Stages[i]))
	}
	if i == len(x.Stages) {
		c.failf(x.At, "a function { … } needs an aggregate such as count()")
	}
	switch s := x.Stages[i].(type) {
	case *cql.CallStage:
		f.inner = c.aggFn(s.Call)
	case *cql.AssignStage:
		call := *s.Value.(*cql.CallExpr).Call
		call.Args = append(append([]cql.Arg(nil), call.Args...), cql.Arg{Name: "as", Value: &cql.FieldRef{Name: s.Field}})
		f.inner = c.aggFn(&call)
	}
	for _, s := range x.Stages[i+1:] {
		if c.isBarrier(s) {
			c.failf(s.Position(), "only one aggregate is allowed in a function { … }")
		}
		f.post = append(f.post, c.stage(s))
	}
	return f
}

func (f *compositeFn) newState() aggState {
	return &compositeState{f: f, inner: f.inner.newState()}
}

func (s *compositeState) add(e *event.Event) {
	if len(s.f.pre) > 0 {
		if s.f.mutate {
			e = e.Clone()
		}
		if !runSteps(s.f.pre, e) {
			return
		}
	}
	s.inner.add(e)
}

func (s *compositeState) merge(o aggState) { s.inner.merge(o.(*compositeState).inner) }

func (s *compositeState) emit(row *event.Event, rs *runState) {
	tmp := &event.Event{}
	s.inner.emit(tmp, rs)
	if !runSteps(s.f.post, tmp) {
		return
	}
	for i, k := range tmp.Keys {
		row.Set(k, tmp.Vals[i])
	}
}

// sortStable sorts a slice stably with less.
func sortStable[T any](s []T, less func(a, b T) bool) {
	sort.SliceStable(s, func(i, j int) bool { return less(s[i], s[j]) })
}

// parseBytes reads a size: 1024, 1KiB, 64KB, 1MiB.
func parseBytes(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	switch strings.ToLower(strings.TrimSpace(s[i:])) {
	case "", "b":
		return n, true
	case "k", "kb", "kib":
		return n << 10, true
	case "m", "mb", "mib":
		return n << 20, true
	case "g", "gb", "gib":
		return n << 30, true
	}
	return 0, false
}
