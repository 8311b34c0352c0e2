package engine

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// Joins and lookups: defineTable() with match()/readFile() over its table,
// join(), selfJoinFilter(), and match()/readFile() over CSV and JSON lookup
// files from --lookup-dir.
//
// A subquery (defineTable, join) runs over the same input, in the same pass,
// as an extra program. The stage that needs its result (join, match over a
// defined table) is a barrier: the events that reach it wait in a spool
// until the input is read and the table is complete.

// table is the rows of a lookup file or of a subquery.
type table struct {
	name  string
	rows  []*event.Event
	cols  []string
	index map[string]map[string][]int // key columns → key → rows
}

func (t *table) addCols(e *event.Event) {
	for _, k := range e.Keys {
		if !contains(t.cols, k) {
			t.cols = append(t.cols, k)
		}
	}
}

// lookup returns the rows whose columns cols hold vals (exact match).
func (t *table) lookup(cols []string, vals []string) []int {
	name := strings.Join(cols, "\x00")
	if t.index == nil {
		t.index = map[string]map[string][]int{}
	}
	idx, ok := t.index[name]
	if !ok {
		idx = map[string][]int{}
	rows:
		for i, r := range t.rows {
			kv := make([]string, len(cols))
			for j, c := range cols {
				v, ok := r.Get(c)
				if !ok {
					continue rows
				}
				kv[j] = v
			}
			k := joinKey(kv)
			idx[k] = append(idx[k], i)
		}
		t.index[name] = idx
	}
	return idx[joinKey(vals)]
}

func joinKey(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

// tableDef is a defineTable() or join() subquery.
type tableDef struct {
	name    string
	include []string
}

// tableSink collects a subquery's rows into a table of the run.
type tableSink struct {
	rs      *runState
	t       *table
	include []string
	limit   int
	cut     bool
	what    string
}

func (s *tableSink) Push(e *event.Event) {
	if s.limit >= 0 && len(s.t.rows) >= s.limit {
		s.cut = true
		return
	}
	r := e
	if len(s.include) > 0 {
		r = &event.Event{}
		for _, f := range s.include {
			if v, ok := e.Get(f); ok {
				r.Set(f, v)
			}
		}
	}
	r.Origin = event.Origin{}
	s.t.addCols(r)
	s.t.rows = append(s.t.rows, r)
}

func (s *tableSink) Flush() {
	if s.cut {
		s.rs.warnf("%s: the subquery gave more than %d rows; the rest were left out (raise limit=)", s.what, s.limit)
	}
}

// subquery compiles a { … } argument into a subprogram writing table name.
func (c *compiler) subquery(a cql.Expr, what, name string, include []string, limit int) {
	sq, ok := a.(*cql.SubqueryExpr)
	if !ok {
		c.failf(a.Position(), "%s needs a subquery in { }", what)
	}
	sub := c.program(c.expandSaved(sq.Stages), false)
	sub.output = func(rs *runState) Sink {
		t := &table{name: name}
		rs.tables[name] = t
		return &tableSink{rs: rs, t: t, include: include, limit: limit, what: what}
	}
	c.subs = append(c.subs, sub)
}

// preamble registers the leading defineTable() calls and returns the rest.
func (c *compiler) preamble(stages []cql.Stage) []cql.Stage {
	for len(stages) > 0 {
		cs, ok := stages[0].(*cql.CallStage)
		if !ok || !strings.EqualFold(cs.Call.Name, "defineTable") {
			break
		}
		call := cs.Call
		c.checkArgs(call)
		name := c.wordArg(call, "name", "")
		if name == "" {
			c.failf(call.At, "defineTable() needs name=")
		}
		if c.tables == nil {
			c.tables = map[string]*tableDef{}
		}
		if c.tables[name] != nil {
			c.failf(call.At, "defineTable(): table %q is defined twice", name)
		}
		include := c.fieldsArg(call, "include")
		q, ok := call.Arg("query")
		if !ok {
			c.failf(call.At, "defineTable() needs query={ … }")
		}
		c.subquery(q, "defineTable(name="+strconv.Quote(name)+")", name, include, -1)
		c.tables[name] = &tableDef{name: name, include: include}
		stages = stages[1:]
	}
	for _, s := range stages {
		if cs, ok := s.(*cql.CallStage); ok && strings.EqualFold(cs.Call.Name, "defineTable") {
			c.failf(cs.Call.At, "defineTable() must come before the main query (at its start)")
		}
	}
	return stages
}

// matchesTable reports whether match()/readFile() reads a defined table.
func (c *compiler) matchesTable(call *cql.Call) bool {
	name := c.fileArg(call)
	return c.tables[name] != nil
}

func (c *compiler) fileArg(call *cql.Call) string {
	a, ok := call.Arg("file")
	if !ok {
		a, ok = call.Arg("table")
	}
	if !ok {
		return ""
	}
	ns := namesOf(a)
	if len(ns) == 0 {
		return ""
	}
	return ns[0]
}

// lookupFile loads a CSV or JSON lookup file from --lookup-dir.
func (c *compiler) lookupFile(call *cql.Call, name string) *table {
	if c.opts.LookupDir == "" {
		c.failf(call.At, "%s(): lookup file %q: give the folder that holds it with --lookup-dir DIR", call.Name, name)
	}
	clean := filepath.Clean("/" + name)[1:]
	path := filepath.Join(c.opts.LookupDir, clean)
	f, err := os.Open(path)
	if err != nil {
		c.failf(call.At, "%s(): lookup file %q not found in --lookup-dir %s", call.Name, name, c.opts.LookupDir)
	}
	defer f.Close()
	t := &table{name: name}
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		err = readJSONTable(f, t)
	} else {
		err = readCSVTable(f, t)
	}
	if err != nil {
		c.failf(call.At, "%s(): lookup file %s: %v", call.Name, path, err)
	}
	return t
}

func readCSVTable(r io.Reader, t *table) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("no header row: %v", err)
	}
	for i := range head {
		head[i] = strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))
	}
	t.cols = head
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e := &event.Event{}
		for i, v := range rec {
			if i < len(head) {
				e.Set(head[i], v)
			}
		}
		t.rows = append(t.rows, e)
	}
}

// readJSONTable reads an array of objects, or one object per line.
func readJSONTable(r io.Reader, t *table) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	add := func(o map[string]any) {
		e := &event.Event{}
		flattenAny(o, "", e)
		t.addCols(e)
		t.rows = append(t.rows, e)
	}
	for {
		var v any
		if err := d.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				if o, ok := x.(map[string]any); ok {
					add(o)
				}
			}
		case map[string]any:
			add(v)
		default:
			return fmt.Errorf("expected JSON objects")
		}
	}
}

func flattenAny(v any, name string, e *event.Event) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sortStable(keys, func(a, b string) bool { return a < b })
		for _, k := range keys {
			n := k
			if name != "" {
				n = name + "." + k
			}
			flattenAny(v[k], n, e)
		}
	case []any:
		for i, x := range v {
			flattenAny(x, name+"["+strconv.Itoa(i)+"]", e)
		}
	case nil:
	case string:
		e.Set(name, v)
	case bool:
		e.Set(name, boolStr(v))
	case json.Number:
		e.Set(name, v.String())
	default:
		e.Set(name, fmt.Sprint(v))
	}
}

// matcher compiles match()'s key test and output over a table; the table
// may be filled later (defined tables).
type tableMatch struct {
	fields  []getter
	cols    []string
	include []string // nil: every column
	strict  bool
	mode    string
	fold    bool
	tests   []func(string) bool // glob and cidr modes: one per row
}

// prepare compiles the row patterns of glob and cidr modes.
func (m *tableMatch) prepare(t *table) {
	m.tests = nil
	if m.mode == "string" {
		t.lookup(m.cols, make([]string, len(m.cols))) // build the index now: workers only read it
		return
	}
	for _, r := range t.rows {
		pat, ok := r.Get(m.cols[0])
		if !ok {
			m.tests = append(m.tests, func(string) bool { return false })
			continue
		}
		if m.mode == "glob" {
			m.tests = append(m.tests, compileGlob(pat, m.fold).MatchString)
			continue
		}
		p, err := netip.ParsePrefix(strings.TrimSpace(pat))
		if err != nil {
			a, err2 := netip.ParseAddr(strings.TrimSpace(pat))
			if err2 != nil {
				m.tests = append(m.tests, func(string) bool { return false })
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		p = p.Masked()
		m.tests = append(m.tests, func(v string) bool {
			a, err := netip.ParseAddr(strings.TrimSpace(v))
			return err == nil && p.Contains(a.Unmap())
		})
	}
}

func (c *compiler) tableMatch(call *cql.Call) *tableMatch {
	fields := c.fieldsArg(call, "field")
	if len(fields) == 0 {
		c.failf(call.At, "match() needs field=")
	}
	cols := c.fieldsArg(call, "column")
	if len(cols) == 0 {
		cols = fields
	}
	if len(cols) != len(fields) {
		c.failf(call.At, "match(): field and column must have the same length")
	}
	m := &tableMatch{fields: getters(fields), cols: cols, include: c.fieldsArg(call, "include"),
		strict: c.boolArg(call, "strict", true), mode: strings.ToLower(c.wordArg(call, "mode", "string")),
		fold: c.boolArg(call, "ignoreCase", false)}
	if c.boolArg(call, "glob", false) {
		m.mode = "glob"
	}
	switch m.mode {
	case "string", "glob", "cidr":
	default:
		c.failf(call.At, "match(): mode is string, glob or cidr")
	}
	if m.mode != "string" && len(cols) != 1 {
		c.failf(call.At, "match(mode=%s) takes one field", m.mode)
	}
	return m
}

// find returns the matching row (the last one when several match).
func (m *tableMatch) find(t *table, e *event.Event) *event.Event {
	vals := make([]string, len(m.fields))
	for i, g := range m.fields {
		v, ok := g(e)
		if !ok {
			return nil
		}
		if m.fold {
			v = strings.ToLower(v)
		}
		vals[i] = v
	}
	if m.mode == "string" {
		rows := t.lookup(m.cols, vals)
		if len(rows) == 0 {
			return nil
		}
		return t.rows[rows[len(rows)-1]]
	}
	var hit *event.Event
	for i, test := range m.tests {
		if test(vals[0]) {
			hit = t.rows[i]
		}
	}
	return hit
}

func (m *tableMatch) apply(row *event.Event, e *event.Event) {
	if m.include == nil {
		for i, k := range row.Keys {
			e.Set(k, row.Vals[i])
		}
		return
	}
	for _, k := range m.include {
		if v, ok := row.Get(k); ok {
			e.Set(k, v)
		}
	}
}

// lookupStage compiles match() over a lookup file as a per-event step, or
// returns nil for other calls.
func (c *compiler) lookupStage(call *cql.Call) step {
	if !strings.EqualFold(call.Name, "match") {
		return nil
	}
	name := c.fileArg(call)
	if name == "" {
		c.failf(call.At, "match() needs file=")
	}
	m := c.tableMatch(call)
	t := c.lookupFile(call, name)
	if m.fold {
		t = foldedCopy(t, m.cols)
	}
	m.prepare(t)
	return func(e *event.Event) bool {
		row := m.find(t, e)
		if row == nil {
			return !m.strict
		}
		m.apply(row, e)
		return true
	}
}

// foldedCopy lower-cases the key columns of a table (ignoreCase=true).
func foldedCopy(t *table, cols []string) *table {
	ft := &table{name: t.name, cols: t.cols}
	for _, r := range t.rows {
		x := r.Clone()
		for _, c := range cols {
			if v, ok := x.Get(c); ok {
				x.Set(c, strings.ToLower(v))
			}
		}
		ft.rows = append(ft.rows, x)
	}
	return ft
}

// lookupFilter is !match(…) / match() used as a filter: whether the event
// has a row in a lookup file.
func (c *compiler) lookupFilter(call *cql.Call) predicate {
	name := c.fileArg(call)
	if c.tables[name] != nil {
		c.failf(call.At, "match() over the table %q cannot be negated or combined with and/or; write it as a step (strict=false keeps events without a row)", name)
	}
	m := c.tableMatch(call)
	t := c.lookupFile(call, name)
	if m.fold {
		t = foldedCopy(t, m.cols)
	}
	m.prepare(t)
	return func(e *event.Event) bool { return m.find(t, e) != nil }
}

// joinStage compiles the barrier stages of the serial part: join,
// selfJoinFilter, match() over a defined table, readFile(); nil otherwise.
func (c *compiler) joinStage(call *cql.Call) tailFactory {
	switch strings.ToLower(call.Name) {
	case "join":
		return c.joinFn(call)
	case "selfjoinfilter":
		return c.selfJoinFn(call)
	case "match":
		name := c.fileArg(call)
		if c.tables[name] == nil {
			return nil
		}
		m := c.tableMatch(call)
		if m.fold {
			c.failf(call.At, "match(ignoreCase=true) over a defined table is not supported")
		}
		return func(next Sink, rs *runState) Sink {
			return &barrier{next: next, rs: rs, flush: func(sp *spool, emit func(*event.Event)) error {
				t := rs.tables[name]
				mm := *m
				mm.prepare(t)
				return sp.each(func(e *event.Event) {
					row := mm.find(t, e)
					if row == nil {
						if !mm.strict {
							emit(e)
						}
						return
					}
					mm.apply(row, e)
					emit(e)
				})
			}}
		}
	case "readfile":
		return c.readFileFn(call)
	case "definetable":
		c.failf(call.At, "defineTable() must come before the main query (at its start)")
	}
	return nil
}

// barrier buffers events until the input is read, then runs flush.
type barrier struct {
	sp    spool
	next  Sink
	flush func(sp *spool, emit func(*event.Event)) error
	rs    *runState
}

func (b *barrier) Push(e *event.Event) { b.sp.add(e) }
func (b *barrier) Flush() {
	if err := b.flush(&b.sp, b.next.Push); err != nil && b.rs != nil {
		b.rs.warnf("a join's buffer file failed: %v; some events were lost", err)
	}
	b.next.Flush()
}

// joinFn: join({subquery}, field, key=field, include, mode=inner, limit,
// max=1, suffix).
func (c *compiler) joinFn(call *cql.Call) tailFactory {
	fields := c.fieldsArg(call, "field")
	if len(fields) == 0 {
		c.failf(call.At, "join() needs field=")
	}
	keys := c.fieldsArg(call, "key")
	if len(keys) == 0 {
		keys = fields
	}
	if len(keys) != len(fields) {
		c.failf(call.At, "join(): field and key must have the same length")
	}
	include := c.fieldsArg(call, "include")
	mode := strings.ToLower(c.wordArg(call, "mode", "inner"))
	if mode != "inner" && mode != "left" {
		c.failf(call.At, "join(): mode is inner or left")
	}
	limit := c.intArg(call, "limit", 100000, 200000)
	maxRows := c.intArg(call, "max", 1, 200000)
	suffix := c.wordArg(call, "suffix", "")
	for _, p := range []string{"repo", "view", "start", "end", "live"} {
		if hasArg(call, p) {
			c.warnf("join(): %s= is ignored; the subquery reads the same input as the query", p)
		}
	}
	q, ok := call.Arg("query")
	if !ok {
		c.failf(call.At, "join() needs a subquery: join({ … }, field=…)")
	}
	name := fmt.Sprintf("\x00join%d", len(c.subs))
	c.subquery(q, "join()", name, nil, limit)
	gets := getters(fields)
	return func(next Sink, rs *runState) Sink {
		return &barrier{next: next, rs: rs, flush: func(sp *spool, emit func(*event.Event)) error {
			t := rs.tables[name]
			return sp.each(func(e *event.Event) {
				vals := make([]string, len(gets))
				for i, g := range gets {
					v, ok := g(e)
					if !ok {
						if mode == "left" {
							emit(e)
						}
						return
					}
					vals[i] = v
				}
				rows := t.lookup(keys, vals)
				if len(rows) == 0 {
					if mode == "left" {
						emit(e)
					}
					return
				}
				if maxRows >= 0 && len(rows) > maxRows {
					rows = rows[len(rows)-maxRows:]
				}
				for i, ri := range rows {
					x := e
					if i < len(rows)-1 {
						x = e.Clone()
					}
					row := t.rows[ri]
					for _, f := range include {
						v, _ := row.Get(f)
						x.Set(f+suffix, v)
					}
					emit(x)
				}
			})
		}}
	}
}

// selfJoinFn: selfJoinFilter(field=[…], where=[{…}, {…}], prefilter=false):
// keeps the events whose key has, somewhere in the input, an event for
// each where clause.
func (c *compiler) selfJoinFn(call *cql.Call) tailFactory {
	fields := c.fieldsArg(call, "field")
	if len(fields) == 0 {
		c.failf(call.At, "selfJoinFilter() needs field=")
	}
	a, ok := call.Arg("where")
	if !ok {
		c.failf(call.At, "selfJoinFilter() needs where=[{…}, {…}]")
	}
	var clauses [][]step
	var pure []bool
	elems := []cql.Expr{a}
	if arr, isArr := a.(*cql.ArrayExpr); isArr {
		elems = arr.Elems
	}
	for _, el := range elems {
		sq, ok := el.(*cql.SubqueryExpr)
		if !ok {
			c.failf(el.Position(), "selfJoinFilter(): each where clause is a filter in { }")
		}
		p := true
		for _, s := range sq.Stages {
			fs, isF := s.(*cql.FilterStage)
			if !isF || extracts(fs.Filter) {
				p = false
			}
		}
		clauses = append(clauses, c.steps(sq.Stages))
		pure = append(pure, p)
	}
	if len(clauses) > 63 {
		c.failf(call.At, "selfJoinFilter(): at most 63 where clauses")
	}
	prefilter := c.boolArg(call, "prefilter", false)
	gets := getters(fields)
	full := uint64(1)<<len(clauses) - 1
	return func(next Sink, rs *runState) Sink {
		masks := map[string]uint64{}
		b := &barrier{next: next, rs: rs}
		key := func(e *event.Event) (string, bool) {
			vals := make([]string, len(gets))
			for i, g := range gets {
				v, ok := g(e)
				if !ok {
					return "", false
				}
				vals[i] = v
			}
			return joinKey(vals), true
		}
		push := func(e *event.Event) {
			k, ok := key(e)
			if !ok {
				return
			}
			var m uint64
			for i, cl := range clauses {
				x := e
				if !pure[i] {
					x = e.Clone()
				}
				if runSteps(cl, x) {
					m |= 1 << i
				}
			}
			if m != 0 {
				if old, ok := masks[k]; ok {
					masks[k] = old | m
				} else {
					masks[strings.Clone(k)] = m
				}
			}
			if prefilter && m == 0 {
				return
			}
			b.sp.add(e)
		}
		b.flush = func(sp *spool, emit func(*event.Event)) error {
			return sp.each(func(e *event.Event) {
				if k, ok := key(e); ok && masks[k] == full {
					emit(e)
				}
			})
		}
		return &funcSink{push: push, flush: b.Flush}
	}
}

type funcSink struct {
	push  func(*event.Event)
	flush func()
}

func (f *funcSink) Push(e *event.Event) { f.push(e) }
func (f *funcSink) Flush()              { f.flush() }

// readFileFn: readFile(file=[…], include, limit): the rows of lookup files
// or defined tables replace the events.
func (c *compiler) readFileFn(call *cql.Call) tailFactory {
	a, ok := call.Arg("file")
	if !ok {
		a, ok = call.Arg("table")
	}
	if !ok {
		c.failf(call.At, "readFile() needs the file or table name")
	}
	names := namesOf(a)
	include := c.fieldsArg(call, "include")
	limit := c.intArg(call, "limit", -1, maxGroupLimit)
	files := map[string]*table{}
	for _, n := range names {
		if c.tables[n] == nil {
			files[n] = c.lookupFile(call, n)
		}
	}
	return func(next Sink, rs *runState) Sink {
		return &funcSink{push: func(*event.Event) {}, flush: func() {
			n := 0
			for _, name := range names {
				t := files[name]
				if t == nil {
					t = rs.tables[name]
				}
				if t == nil {
					continue
				}
				for _, r := range t.rows {
					if limit >= 0 && n >= limit {
						break
					}
					x := r.Clone()
					if len(include) > 0 {
						y := &event.Event{}
						for _, f := range include {
							if v, ok := x.Get(f); ok {
								y.Set(f, v)
							}
						}
						x = y
					}
					next.Push(x)
					n++
				}
			}
			next.Flush()
		}}
	}
}

// ---- saved searches ----

// savedPath is where --saved DIR must hold a saved search.
func savedPath(call string) string {
	name := strings.TrimPrefix(call, "$")
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i] + "/" + name[i+1:] + ".cql"
	}
	return name + ".cql"
}

// expandSaved replaces $name(…) calls with the stages of the saved search
// (from --saved DIR), with the call's arguments as its parameters.
func (c *compiler) expandSaved(stages []cql.Stage) []cql.Stage {
	var out []cql.Stage
	for _, s := range stages {
		cs, ok := s.(*cql.CallStage)
		if !ok || !strings.HasPrefix(cs.Call.Name, "$") {
			out = append(out, s)
			continue
		}
		call := cs.Call
		rel := savedPath(call.Name)
		if c.opts.SavedDir == "" {
			c.failf(call.At, "saved search %s() is not defined: give a folder of saved searches with --saved DIR (it would read DIR/%s)", call.Name, rel)
		}
		path := filepath.Join(c.opts.SavedDir, filepath.FromSlash(filepath.Clean("/" + rel)[1:]))
		b, err := os.ReadFile(path)
		if err != nil {
			c.failf(call.At, "saved search %s() not found: %s does not exist (--saved %s)", call.Name, path, c.opts.SavedDir)
		}
		if c.savedDepth > 10 {
			c.failf(call.At, "saved search %s(): saved searches call each other too deeply", call.Name)
		}
		params := map[string]string{}
		for _, a := range call.Args {
			if a.Name == "" {
				c.failf(a.At, "saved search %s(): name its arguments (param=value)", call.Name)
			}
			params[a.Name] = strings.Join(namesOf(a.Value), ",")
		}
		q, err := cql.ParseWith(string(b), cql.Options{Params: params})
		if err != nil {
			c.failf(call.At, "saved search %s (%s): %v", call.Name, path, err)
		}
		c.savedDepth++
		out = append(out, c.expandSaved(q.Stages)...)
		c.savedDepth--
	}
	return out
}
