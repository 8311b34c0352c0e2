// Package engine compiles a CQL syntax tree into a pipeline of stages and
// runs it over events.
//
// A query splits into two parts. The per-event prefix (filters,
// assignments, field functions) runs in parallel on batches of records;
// from the first aggregating stage (sort, head, tail, table, groupBy…) on,
// rows flow through the serial tail in input order, so a parallel run gives
// exactly the sequential result.
package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/rawscan"
)

// Options tune compilation.
type Options struct {
	// LiftLimits removes the limits of trailing sort/head/tail stages
	// (`lanner detect --all`).
	LiftLimits bool
	// Now is the time now() returns; the zero value means time.Now().
	Now time.Time
	// Since and Until bound @timestamp (Since inclusive, Until exclusive)
	// and are what start() and end() return. Zero values: no bound; start()
	// is then 0 and end() is Now.
	Since, Until time.Time
	// LookupDir is where match(file=…) and readFile() find CSV and JSON
	// lookup files (--lookup-dir).
	LookupDir string
	// SavedDir is where $name() and $package:name() find saved searches:
	// name.cql and package/name.cql (--saved).
	SavedDir string
}

// step is a per-event stage: it may change the event and reports whether
// the event goes on.
type step func(e *event.Event) bool

// fanStep is a per-event stage that may turn one event into several
// (regex(repeat=true), split()). It calls emit for each event that goes
// on, in order; emit may be called with e itself.
type fanStep func(e *event.Event, emit func(*event.Event))

// op is one compiled per-event stage: a step, or a fan-out.
type op struct {
	st  step
	fan fanStep
}

// Sink receives rows.
type Sink interface {
	Push(e *event.Event)
	Flush()
}

// tailFactory builds a fresh serial stage writing to next, for one run.
type tailFactory func(next Sink, rs *runState) Sink

// Program is a compiled query.
type Program struct {
	Query *cql.Query
	ops   []op
	steps []step // ops when none fans out (the fast path)
	tail  []tailFactory
	// part is set when the first serial stage is an aggregate whose partial
	// states merge: workers aggregate each batch and the collector merges
	// the partials in input order.
	part *aggPlan
	// subs are the subqueries (defineTable, join) that read the same input
	// in the same pass; they finish before this program does.
	subs []*Program
	// output, for a subquery, is where its rows go (a table).
	output func(rs *runState) Sink
	// noInput: the query reads a table or file (readFile()), not events.
	noInput bool
	// slow are the regexes on the backtracking engine (timeouts are reported).
	slow []*Regex
	// checks report run-time warnings of per-event stages ("" = none).
	checks []func() string
	// Fields is the output column order when the query ends in a projection
	// (select, table, fields), else nil: rows carry whatever fields they have.
	Fields []string
	// Warnings are notes for the user (backtracking regexes, dialect forms).
	Warnings []string
	pre      *prefilter
	cand     *preKey // the prefilter node Candidates searches with
	// candNeedle is cand's first key, prepared for rawscan.
	candNeedle rawscan.Needle
	candNodes  []*preKey  // the checks cand may be; pickCandidate chooses
	pick       *sync.Once // the choice is made once, on the first batch
	// Aggregates reports whether the query has a serial tail.
	Aggregates bool
	// Limit describes the first limiting stage of the tail (for "N left out").
	LimitNote string
}

// CompileError is a compile error at a query position.
type CompileError = cql.Error

type compiler struct {
	opts     Options
	warnings []string
	warned   map[string]bool
	// tables are the defineTable() names seen so far, and the subqueries
	// that build them.
	tables   map[string]*tableDef
	subs     []*Program
	slow     []*Regex
	slowSeen map[string]bool
	checks   []func() string
	// savedDepth guards recursive saved searches.
	savedDepth int
}

func (c *compiler) failf(pos cql.Pos, format string, args ...any) {
	panic(&cql.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	if !c.warned[msg] {
		c.warned[msg] = true
		c.warnings = append(c.warnings, msg)
	}
}

func (c *compiler) regex(pattern, flags string, at cql.Pos) *Regex {
	re, err := CompileRegex(pattern, flags)
	if err != nil {
		c.failf(at, "%v", err)
	}
	if re.Backtracking {
		c.slow = append(c.slow, re)
		key := flags + "/" + pattern
		if c.slowSeen == nil {
			c.slowSeen = map[string]bool{}
		}
		if !c.slowSeen[key] {
			c.slowSeen[key] = true
			if len(c.slowSeen) == 1 {
				c.warnf("%s: regex /%s/ needs a backtracking engine (look-around or back-references); it runs with a %v timeout per match", at, pattern, backtrackTimeout)
			}
		}
	}
	return re
}

// Compile turns a parsed query into a program.
func Compile(q *cql.Query, opts Options) (p *Program, err error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	c := &compiler{opts: opts}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*cql.Error); ok {
				p, err = nil, e
				return
			}
			panic(r)
		}
	}()
	stages := c.expandSaved(q.Stages)
	stages = c.preamble(stages)
	p = c.program(stages, opts.LiftLimits)
	p.Query = q
	p.subs = c.subs
	if len(c.slowSeen) > 1 {
		c.warnings = append(c.warnings, fmt.Sprintf("%d more regexes need the backtracking engine", len(c.slowSeen)-1))
	}
	p.slow = c.slow
	p.checks = c.checks
	p.Warnings = c.warnings
	return p, nil
}

// program compiles a pipeline: the per-event prefix, then the serial part
// from the first aggregating stage on.
func (c *compiler) program(stages []cql.Stage, lift bool) *Program {
	p := &Program{}
	if lift {
		stages = liftLimits(stages)
	}
	if len(stages) > 0 && isReadFile(stages[0]) {
		p.noInput = true
	}
	if bound := c.timeBound(); bound != nil && !p.noInput {
		p.ops = append(p.ops, op{st: bound})
	}
	i := 0
	for ; i < len(stages); i++ {
		if c.isBarrier(stages[i]) {
			break
		}
		p.ops = append(p.ops, c.op(stages[i]))
	}
	p.steps = make([]step, 0, len(p.ops))
	for _, o := range p.ops {
		if o.fan != nil {
			p.steps = nil
			break
		}
		p.steps = append(p.steps, o.st)
	}
	p.Aggregates = i < len(stages)
	for j := i; j < len(stages); j++ {
		f, plan := c.tailStage(stages[j], p)
		if j == i && plan != nil {
			p.part = plan
		}
		p.tail = append(p.tail, f)
	}
	p.Fields = outputFields(stages)
	if !p.noInput {
		p.pre = derivePrefilter(c, prefilterStages(stages))
		p.candNodes = candidateNodes(p.pre)
		p.pick = new(sync.Once)
		if len(p.candNodes) > 0 {
			p.setCandidate(p.candNodes[0])
		}
	}
	return p
}

// CompileString parses and compiles.
func CompileString(src string, popts cql.Options, opts Options) (*Program, error) {
	q, err := cql.ParseWith(src, popts)
	if err != nil {
		return nil, err
	}
	return Compile(q, opts)
}

// prefilterStages are the leading filters the raw-bytes prefilter may use:
// they stop after a filter that adds fields (named regex groups), since the
// filters after it may test those fields, which the raw record lacks.
func prefilterStages(stages []cql.Stage) []cql.Stage {
	for i, s := range stages {
		fs, ok := s.(*cql.FilterStage)
		if !ok {
			return stages[:i]
		}
		if extracts(fs.Filter) {
			return stages[:i+1]
		}
	}
	return stages
}

// isBarrier reports whether a stage starts the serial part: an aggregate,
// or a per-event stage that needs the whole input first (join,
// selfJoinFilter, match() over a defineTable() table).
func (c *compiler) isBarrier(s cql.Stage) bool {
	if isAggregate(s) {
		return true
	}
	if cs, ok := s.(*cql.CallStage); ok && strings.EqualFold(cs.Call.Name, "match") {
		return c.matchesTable(cs.Call)
	}
	return false
}

func isReadFile(s cql.Stage) bool {
	cs, ok := s.(*cql.CallStage)
	return ok && strings.EqualFold(cs.Call.Name, "readFile")
}

func isAggregate(s cql.Stage) bool {
	switch s := s.(type) {
	case *cql.CallStage:
		spec := cql.Lookup(s.Call.Name)
		return spec != nil && spec.Aggregate
	case *cql.AssignStage:
		if ce, ok := s.Value.(*cql.CallExpr); ok {
			spec := cql.Lookup(ce.Call.Name)
			return spec != nil && spec.Aggregate
		}
	}
	return false
}

// liftLimits drops the limits of the trailing presentation stages.
func liftLimits(stages []cql.Stage) []cql.Stage {
	out := append([]cql.Stage(nil), stages...)
	for i := len(out) - 1; i >= 0; i-- {
		cs, ok := out[i].(*cql.CallStage)
		if !ok {
			if isAggregate(out[i]) {
				break
			}
			continue
		}
		switch strings.ToLower(cs.Call.Name) {
		case "sort", "table":
			call := *cs.Call
			call.Args = nil
			for _, a := range cs.Call.Args {
				if a.Name != "limit" {
					call.Args = append(call.Args, a)
				}
			}
			call.Args = append(call.Args, cql.Arg{Name: "limit", Value: &cql.FieldRef{Name: "unlimited"}})
			out[i] = &cql.CallStage{Call: &call}
		case "head", "tail":
			out = append(out[:i], out[i+1:]...)
		case "select", "drop", "rename":
		default:
			return out
		}
	}
	return out
}

// outputFields finds the projection that decides the output columns.
func outputFields(stages []cql.Stage) []string {
	var fields []string
	for _, s := range stages {
		switch s := s.(type) {
		case *cql.CallStage:
			switch strings.ToLower(s.Call.Name) {
			case "select", "table":
				if a, ok := s.Call.Arg("fields"); ok {
					fields = namesOf(a)
				}
			case "drop":
				if fields != nil {
					if a, ok := s.Call.Arg("fields"); ok {
						drop := map[string]bool{}
						for _, n := range namesOf(a) {
							drop[n] = true
						}
						var kept []string
						for _, f := range fields {
							if !drop[f] {
								kept = append(kept, f)
							}
						}
						fields = kept
					}
				}
			case "sort", "head", "tail":
			default:
				if spec := cql.Lookup(s.Call.Name); spec != nil && spec.Aggregate {
					fields = nil
				}
			}
		case *cql.AssignStage:
			if fields != nil && !contains(fields, s.Field) {
				fields = append(fields, s.Field)
			}
		}
	}
	return fields
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func namesOf(e cql.Expr) []string {
	switch e := e.(type) {
	case *cql.ArrayExpr:
		var out []string
		for _, el := range e.Elems {
			out = append(out, namesOf(el)...)
		}
		return out
	case *cql.FieldRef:
		return []string{e.Name}
	case *cql.StrLit:
		return []string{e.Value}
	case *cql.NumLit:
		return []string{e.Text}
	}
	return nil
}

// ---- argument helpers ----

func (c *compiler) fieldArg(call *cql.Call, name string, def string) string {
	a, ok := call.Arg(name)
	if !ok {
		if def == "" {
			c.failf(call.At, "%s() needs %s=", call.Name, name)
		}
		return def
	}
	ns := namesOf(a)
	if len(ns) != 1 {
		c.failf(a.Position(), "%s() takes one field name for %s", call.Name, name)
	}
	return ns[0]
}

func (c *compiler) fieldsArg(call *cql.Call, name string) []string {
	a, ok := call.Arg(name)
	if !ok {
		return nil
	}
	ns := namesOf(a)
	if len(ns) == 0 {
		c.failf(a.Position(), "%s() needs field names for %s", call.Name, name)
	}
	return ns
}

func (c *compiler) wordArg(call *cql.Call, name, def string) string {
	a, ok := call.Arg(name)
	if !ok {
		return def
	}
	switch a := a.(type) {
	case *cql.FieldRef:
		return a.Name
	case *cql.StrLit:
		return a.Value
	case *cql.NumLit:
		return a.Text
	case *cql.BoolLit:
		return boolStr(a.Value)
	}
	c.failf(a.Position(), "%s() wants a word or string for %s, found %s", call.Name, name, a.String())
	return ""
}

func (c *compiler) boolArg(call *cql.Call, name string, def bool) bool {
	v := c.wordArg(call, name, boolStr(def))
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	a, _ := call.Arg(name)
	c.failf(a.Position(), "%s() wants true or false for %s, found %q", call.Name, name, v)
	return false
}

// intArg reads a limit; "max" gives maxV, "unlimited" (internal) gives -1.
func (c *compiler) intArg(call *cql.Call, name string, def, maxV int) int {
	a, ok := call.Arg(name)
	if !ok {
		return def
	}
	v := c.wordArg(call, name, "")
	if v == "unlimited" {
		return -1
	}
	if v == "max" {
		return maxV
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		c.failf(a.Position(), "%s() wants a whole number for %s, found %q", call.Name, name, v)
	}
	// LogScale caps limits (200,000 rows for sort); lanner streams from
	// disk and accepts larger ones.
	return n
}

// checkArgs refuses parameters the function does not have.
func (c *compiler) checkArgs(call *cql.Call) {
	spec := cql.Lookup(call.Name)
	if spec == nil {
		return
	}
	for _, a := range call.Args {
		if a.Name != "" && !spec.HasParam(a.Name) {
			c.failf(a.At, "%s() has no parameter %q (parameters: %s)", spec.Name, a.Name, strings.Join(spec.Params, ", "))
		}
	}
}

// ---- stages ----

// op compiles a per-event stage, which may fan out.
func (c *compiler) op(s cql.Stage) op {
	if call := stageCall(s); call != nil {
		if fan := c.fanStage(call); fan != nil {
			return op{fan: fan}
		}
	}
	return op{st: c.stage(s)}
}

// stageCall returns the call of a stage that is a lone function call
// (a call step, or a filter that is just a filter function).
func stageCall(s cql.Stage) *cql.Call {
	switch s := s.(type) {
	case *cql.CallStage:
		return s.Call
	case *cql.FilterStage:
		if cf, ok := s.Filter.(*cql.CallFilter); ok {
			return cf.Call
		}
	}
	return nil
}

// stage compiles a per-event stage that does not fan out.
func (c *compiler) stage(s cql.Stage) step {
	switch s := s.(type) {
	case *cql.FilterStage:
		if call := stageCall(s); call != nil && c.fanStage(call) != nil {
			c.failf(s.Position(), "%s emits several events per event and cannot be used inside case, match or a function argument", call.String())
		}
		p := c.filter(s.Filter, true)
		return step(p)
	case *cql.AssignStage:
		if ce, ok := s.Value.(*cql.CallExpr); ok {
			if st := c.assignCall(s.Field, ce.Call); st != nil {
				return st
			}
		}
		f := c.expr(s.Value)
		name := s.Field
		return func(e *event.Event) bool {
			if v, ok := f(e); ok {
				e.Set(name, v)
			}
			return true
		}
	case *cql.CallStage:
		if c.fanStage(s.Call) != nil {
			c.failf(s.Position(), "%s emits several events per event and cannot be used inside case, match or a function argument", s.Call.String())
		}
		return c.callStage(s.Call)
	case *cql.CaseStage:
		return c.caseStage(s)
	case *cql.MatchStage:
		return c.matchStage(s)
	}
	c.failf(s.Position(), "unsupported stage %s", s.String())
	return nil
}

func (c *compiler) steps(stages []cql.Stage) []step {
	var out []step
	for _, s := range stages {
		if c.isBarrier(s) {
			c.failf(s.Position(), "%s cannot be used here: only per-event stages are allowed inside case and match", s.String())
		}
		out = append(out, c.stage(s))
	}
	return out
}

// runOps runs the per-event stages over e and calls emit for every event
// that comes out (none, e itself, or several after a fan-out).
func runOps(ops []op, e *event.Event, emit func(*event.Event)) {
	for i, o := range ops {
		if o.fan != nil {
			rest := ops[i+1:]
			o.fan(e, func(x *event.Event) { runOps(rest, x, emit) })
			return
		}
		if !o.st(e) {
			return
		}
	}
	emit(e)
}

func runSteps(steps []step, e *event.Event) bool {
	for _, s := range steps {
		if !s(e) {
			return false
		}
	}
	return true
}

// caseStage: branches are tried in order; the first whose pipeline lets the
// event through wins and its output replaces the event; no match drops it.
// Leading filters that change nothing are tested on the event itself, so
// only a branch that gets past them pays for a copy.
func (c *compiler) caseStage(s *cql.CaseStage) step {
	type branch struct {
		guard []step // pure filters
		body  []step
	}
	branches := make([]branch, len(s.Branches))
	for i, b := range s.Branches {
		j := 0
		for ; j < len(b); j++ {
			fs, ok := b[j].(*cql.FilterStage)
			if !ok || extracts(fs.Filter) {
				break
			}
		}
		branches[i] = branch{guard: c.steps(b[:j]), body: c.steps(b[j:])}
	}
	return func(e *event.Event) bool {
		for _, b := range branches {
			if !runSteps(b.guard, e) {
				continue
			}
			if len(b.body) == 0 {
				return true
			}
			try := e.Clone()
			if runSteps(b.body, try) {
				e.Keys, e.Vals, e.NOrig = try.Keys, try.Vals, try.NOrig
				return true
			}
		}
		return false
	}
}

// extracts reports whether a filter may add fields (named regex groups).
func extracts(f cql.Filter) bool {
	s := f.String()
	return strings.Contains(s, "(?<") || strings.Contains(s, "(?P<")
}

func (c *compiler) matchStage(s *cql.MatchStage) step {
	type arm struct {
		test func(e *event.Event) bool
		body []step
	}
	get := fieldGetter(s.Field)
	var arms []arm
	for _, a := range s.Arms {
		var test func(e *event.Event) bool
		switch a.Guard.Kind {
		case cql.GuardAny:
			test = func(*event.Event) bool { return true }
		case cql.GuardCall:
			call := *a.Guard.Call
			call.Args = append([]cql.Arg{{Name: "field", Value: &cql.FieldRef{Name: s.Field}}}, call.Args...)
			p := c.callFilter(&call, false)
			test = p
		default:
			vt := c.valueTest(a.Guard.Value, a.At, false)
			test = func(e *event.Event) bool {
				v, ok := get(e)
				return ok && vt(v)
			}
		}
		arms = append(arms, arm{test, c.steps(a.Body)})
	}
	return func(e *event.Event) bool {
		for _, a := range arms {
			if a.test(e) {
				if len(a.body) == 0 {
					return true
				}
				try := e.Clone()
				if runSteps(a.body, try) {
					e.Keys, e.Vals, e.NOrig = try.Keys, try.Vals, try.NOrig
					return true
				}
				return false
			}
		}
		return false
	}
}
