package cql

// The AST. Every node knows its position and prints itself as canonical
// CQL with String(); parse(String(q)) gives back the same tree, which the
// round-trip tests check. Dialect forms are desugared while parsing, so the
// tree only holds LogScale constructs plus the few expression forms that
// have no LogScale spelling (MatchExpr, AND/OR, case() as a function).

// Query is a parsed pipeline.
type Query struct {
	Stages []Stage
	Diags  []Diagnostic
	Source string
}

// Node is anything with a position.
type Node interface {
	Position() Pos
	String() string
}

// Stage is one pipeline step.
type Stage interface {
	Node
	stage()
}

// Filter is a boolean filter over events (filter context semantics).
type Filter interface {
	Node
	filter()
}

// Expr is an expression (expression context semantics).
type Expr interface {
	Node
	expr()
}

// ---- stages ----

// FilterStage drops the events its filter rejects.
type FilterStage struct {
	Filter Filter
}

// AssignStage is `Field := Value`.
type AssignStage struct {
	At    Pos
	Field string
	Value Expr
}

// CallStage is a function call used as a pipeline step.
type CallStage struct {
	Call *Call
}

// CaseStage is `case { branch ; ... }`: the first branch whose pipeline lets
// the event through wins; no match drops the event.
type CaseStage struct {
	At       Pos
	Branches [][]Stage
}

// MatchStage is `Field match { guard => pipeline ; ... }`.
type MatchStage struct {
	At    Pos
	Field string
	Arms  []MatchArm
}

// MatchArm is one guard and its pipeline.
type MatchArm struct {
	At    Pos
	Guard Guard
	Body  []Stage
}

// Guard of a match arm: a value (glob), a regex, a filter function call
// applied to the field, or Any (`*`, `true`).
type Guard struct {
	Kind  GuardKind
	Value Value
	Call  *Call
}

// GuardKind says what a guard tests.
type GuardKind int

const (
	GuardValue GuardKind = iota
	GuardAny
	GuardCall
)

func (*FilterStage) stage() {}
func (*AssignStage) stage() {}
func (*CallStage) stage()   {}
func (*CaseStage) stage()   {}
func (*MatchStage) stage()  {}

func (s *FilterStage) Position() Pos { return s.Filter.Position() }
func (s *AssignStage) Position() Pos { return s.At }
func (s *CallStage) Position() Pos   { return s.Call.At }
func (s *CaseStage) Position() Pos   { return s.At }
func (s *MatchStage) Position() Pos  { return s.At }

// ---- filters ----

// ValueKind distinguishes the right-hand sides of a field filter.
type ValueKind int

const (
	ValueGlob  ValueKind = iota // exact match, '*' is a wildcard
	ValueRegex                  // /pattern/flags, unanchored search
	ValueAny                    // bare '*': the field is present
)

// Value is the right-hand side of a field filter.
type Value struct {
	Kind   ValueKind
	Text   string // glob text or regex pattern
	Flags  string // regex flags
	Quoted bool   // written as "..."
}

// FieldFilter is `Field op Value`, op one of = != < > <= >=.
type FieldFilter struct {
	At    Pos
	Field string
	Op    Kind
	Value Value
}

// FreeText matches any original field containing Text (`*Text*`).
type FreeText struct {
	At     Pos
	Text   string
	Quoted bool
}

// RegexFilter is a bare /regex/ over the raw event and its original fields.
type RegexFilter struct {
	At      Pos
	Pattern string
	Flags   string
}

// AndFilter is `L and R`; Implicit when written by juxtaposition.
type AndFilter struct {
	L, R     Filter
	Implicit bool
}

// OrFilter is `L or R`.
type OrFilter struct{ L, R Filter }

// NotFilter is `not X`.
type NotFilter struct {
	At Pos
	X  Filter
}

// AnyFilter is a bare `*`: it matches every event (the default branch of
// case, or a query that keeps everything).
type AnyFilter struct {
	At Pos
}

// CallFilter is a filter function (in, regex, test, wildcard, cidr…) used as
// a filter, possibly under and/or/not.
type CallFilter struct {
	Call *Call
}

func (*FieldFilter) filter() {}
func (*FreeText) filter()    {}
func (*RegexFilter) filter() {}
func (*AndFilter) filter()   {}
func (*OrFilter) filter()    {}
func (*NotFilter) filter()   {}
func (*CallFilter) filter()  {}
func (*AnyFilter) filter()   {}

func (f *FieldFilter) Position() Pos { return f.At }
func (f *FreeText) Position() Pos    { return f.At }
func (f *RegexFilter) Position() Pos { return f.At }
func (f *AndFilter) Position() Pos   { return f.L.Position() }
func (f *OrFilter) Position() Pos    { return f.L.Position() }
func (f *NotFilter) Position() Pos   { return f.At }
func (f *CallFilter) Position() Pos  { return f.Call.At }
func (f *AnyFilter) Position() Pos   { return f.At }

// ---- expressions ----

// FieldRef is a field name in an expression, or a bare word in a function
// argument (the function decides whether it names a field or is a keyword).
type FieldRef struct {
	At     Pos
	Name   string
	Quoted bool // written with backticks or (in arguments) as a quoted name
}

// StrLit is a quoted string.
type StrLit struct {
	At    Pos
	Value string
}

// NumLit is a number literal.
type NumLit struct {
	At   Pos
	Text string
}

// BoolLit is true/false (also the dialect's true() and false()).
type BoolLit struct {
	At    Pos
	Value bool
}

// RegexLit is a /regex/ in a function argument (e.g. splitString(by=/,/)).
type RegexLit struct {
	At      Pos
	Pattern string
	Flags   string
}

// UnaryExpr is `!X` / `not X` (Op Bang) or `-X` (Op Minus).
type UnaryExpr struct {
	At Pos
	Op Kind
	X  Expr
}

// BinaryExpr is `L op R` with op one of + - * / % == != < > <= >= and the
// dialect's && (AND) and || (OR).
type BinaryExpr struct {
	At   Pos
	Op   Kind
	L, R Expr
}

// MatchExpr is the dialect's `Field = value` / `Field != value` inside an
// expression: a test with filter semantics (glob or regex; a missing field
// fails `=` and passes `!=`). Presence tests come from `F != null`.
type MatchExpr struct {
	At     Pos
	Field  string
	Negate bool
	Value  Value
}

// CallExpr is a function call inside an expression or argument.
type CallExpr struct {
	Call *Call
}

// ArrayExpr is `[a, b, ...]` in a function argument.
type ArrayExpr struct {
	At    Pos
	Elems []Expr
}

// SubqueryExpr is `{ pipeline }` in a function argument.
type SubqueryExpr struct {
	At     Pos
	Stages []Stage
}

func (*FieldRef) expr()     {}
func (*StrLit) expr()       {}
func (*NumLit) expr()       {}
func (*BoolLit) expr()      {}
func (*RegexLit) expr()     {}
func (*UnaryExpr) expr()    {}
func (*BinaryExpr) expr()   {}
func (*MatchExpr) expr()    {}
func (*CallExpr) expr()     {}
func (*ArrayExpr) expr()    {}
func (*SubqueryExpr) expr() {}

func (e *FieldRef) Position() Pos     { return e.At }
func (e *StrLit) Position() Pos       { return e.At }
func (e *NumLit) Position() Pos       { return e.At }
func (e *BoolLit) Position() Pos      { return e.At }
func (e *RegexLit) Position() Pos     { return e.At }
func (e *UnaryExpr) Position() Pos    { return e.At }
func (e *BinaryExpr) Position() Pos   { return e.At }
func (e *MatchExpr) Position() Pos    { return e.At }
func (e *CallExpr) Position() Pos     { return e.Call.At }
func (e *ArrayExpr) Position() Pos    { return e.At }
func (e *SubqueryExpr) Position() Pos { return e.At }

// Call is a function call. Name is the canonical spelling when the function
// is known, else as written (lower-cased lookups are case-insensitive).
type Call struct {
	At      Pos
	Name    string
	Args    []Arg
	Negated bool // !in(...), !regex(...) in a match guard
	// Field is set for `field =~ fn(...)`: the call gets field=Field.
}

// Arg is one argument; Name is empty for the unnamed (positional) one.
type Arg struct {
	At    Pos
	Name  string
	Value Expr
}

// Arg returns the argument with the given name, or the positional argument
// when name is the function's unnamed parameter.
func (c *Call) Arg(name string) (Expr, bool) {
	for _, a := range c.Args {
		if a.Name == name {
			return a.Value, true
		}
	}
	if spec := Lookup(c.Name); spec != nil && spec.Positional == name {
		for _, a := range c.Args {
			if a.Name == "" {
				return a.Value, true
			}
		}
	}
	return nil, false
}

// Positionals returns the unnamed arguments in order.
func (c *Call) Positionals() []Expr {
	var out []Expr
	for _, a := range c.Args {
		if a.Name == "" {
			out = append(out, a.Value)
		}
	}
	return out
}
