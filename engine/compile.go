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
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// Options tune compilation.
type Options struct {
	// LiftLimits removes the limits of trailing sort/head/tail stages
	// (`lanner detect --all`).
	LiftLimits bool
	// Now is the time now() returns; the zero value means time.Now().
	Now time.Time
}

// step is a per-event stage: it may change the event and reports whether
// the event goes on.
type step func(e *event.Event) bool

// Sink receives rows.
type Sink interface {
	Push(e *event.Event)
	Flush()
}

// tailFactory builds a fresh serial stage writing to next.
type tailFactory func(next Sink) Sink

// Program is a compiled query.
type Program struct {
	Query *cql.Query
	steps []step
	tail  []tailFactory
	// Fields is the output column order when the query ends in a projection
	// (select, table, fields), else nil: rows carry whatever fields they have.
	Fields []string
	// Warnings are notes for the user (backtracking regexes, dialect forms).
	Warnings []string
	pre      *prefilter
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
		c.warnf("%s: regex /%s/ needs a backtracking engine (look-around or back-references); it runs with a %v timeout per match", at, pattern, backtrackTimeout)
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
	p = &Program{Query: q}
	stages := q.Stages
	if opts.LiftLimits {
		stages = liftLimits(stages)
	}
	i := 0
	for ; i < len(stages); i++ {
		if isAggregate(stages[i]) {
			break
		}
		p.steps = append(p.steps, c.stage(stages[i]))
	}
	p.Aggregates = i < len(stages)
	for ; i < len(stages); i++ {
		p.tail = append(p.tail, c.tailStage(stages[i], p))
	}
	p.Fields = outputFields(stages)
	p.pre = derivePrefilter(c, q.Stages)
	p.Warnings = c.warnings
	return p, nil
}

// CompileString parses and compiles.
func CompileString(src string, popts cql.Options, opts Options) (*Program, error) {
	q, err := cql.ParseWith(src, popts)
	if err != nil {
		return nil, err
	}
	return Compile(q, opts)
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

func (c *compiler) stage(s cql.Stage) step {
	switch s := s.(type) {
	case *cql.FilterStage:
		p := c.filter(s.Filter, true)
		return step(p)
	case *cql.AssignStage:
		f := c.expr(s.Value)
		name := s.Field
		return func(e *event.Event) bool {
			if v, ok := f(e); ok {
				e.Set(name, v)
			}
			return true
		}
	case *cql.CallStage:
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
		if isAggregate(s) {
			c.failf(s.Position(), "%s cannot be used here: only per-event stages are allowed inside case and match", s.String())
		}
		out = append(out, c.stage(s))
	}
	return out
}

func runSteps(steps []step, e *event.Event) bool {
	for _, s := range steps {
		if !s(e) {
			return false
		}
	}
	return true
}

func (c *compiler) caseStage(s *cql.CaseStage) step {
	branches := make([][]step, len(s.Branches))
	for i, b := range s.Branches {
		branches[i] = c.steps(b)
	}
	return func(e *event.Event) bool {
		for _, b := range branches {
			try := e.Clone()
			if runSteps(b, try) {
				e.Keys, e.Vals, e.NOrig = try.Keys, try.Vals, try.NOrig
				return true
			}
		}
		return false
	}
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
