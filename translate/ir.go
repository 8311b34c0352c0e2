// Package translate turns a detection (a CQL syntax tree, as the cql and
// sigma front-ends give it) into other languages: canonical CQL, Sigma,
// Splunk SPL, Microsoft KQL, Elastic ES|QL and EQL. One file per target.
//
// Every target works from the same intermediate form: the event type the
// rule reads (from #event_simpleName), a condition tree whose leaves are
// field tests (exact values, prefixes, suffixes, substrings, regexes,
// presence, numeric comparisons, networks), the computed fields (eval with
// if() and case()), and the presentation (fields, sort, limit). A regex is
// turned into a set of literals where its language is a finite set
// (/(?i)^(cmd|pwsh)\.exe$/ is "one of cmd.exe, pwsh.exe, case-insensitively"),
// so that each target can use its own case-insensitive operators; where it
// is not, the target's regex operator is used, with case-insensitivity
// kept as each target allows (docs/translate.md).
package translate

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"github.com/lanner-dev/lanner/cql"
)

// Match kinds of a leaf.
const (
	Exact    = "exact"
	Prefix   = "prefix"
	Suffix   = "suffix"
	Contains = "contains"
	Regex    = "regex"
	Present  = "present"
	Compare  = "compare" // Op holds < > <= >=
	Cidr     = "cidr"
	FieldEq  = "fieldeq" // Values[0] is the other field
	Keyword  = "keyword" // Field is empty: anywhere in the event
)

// Leaf is one field test.
type Leaf struct {
	Field  string
	Kind   string
	Values []string // literal values (exact/prefix/suffix/contains/keyword), networks, or the number
	Fold   bool     // case-insensitive
	// Pattern is the Go regex (Kind Regex, or Keyword with a pattern), with
	// Fold for the i flag; Dotall and Multiline for s and m.
	Pattern   string
	Dotall    bool
	Multiline bool
	Op        string // for Compare
}

// Node is a condition: *Leaf, *And, *Or or *Not.
type Node interface{}

type And struct{ L, R Node }
type Or struct{ L, R Node }
type Not struct{ X Node }

// Expr is a computed value: *Str, *FieldRef, *Bool, *Test, *Eq, *AndE,
// *OrE, *NotE, *If, *Case.
type Expr interface{}

type Str struct{ V string }
type FieldRef struct{ Name string }
type Bool struct{ V bool }
type Test struct{ Cond Node }
type Eq struct {
	L, R Expr
	Neg  bool
}
type AndE struct{ L, R Expr }
type OrE struct{ L, R Expr }
type NotE struct{ X Expr }
type If struct{ C, T, F Expr }
type Case struct {
	Conds, Vals []Expr
}

// Eval is `Name := Value`.
type Eval struct {
	Name  string
	Value Expr
}

// Detection is a rule in the intermediate form.
type Detection struct {
	Event  string // #event_simpleName value the rule reads ("" if none)
	Cond   Node   // nil: every event of Event
	Evals  []Eval
	Fields []string // projected fields, in order
	Sort   string   // sort field
	Desc   bool
	Limit  int
}

// Meta is what a target's header or a Sigma rule carries.
type Meta struct {
	ID, Title, Description, Status, Level, Author string
	References, FalsePositives, Tags              []string
}

// UnsupportedError names a construct a translation cannot express.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return "cannot translate " + e.What }

func unsupported(format string, args ...any) error {
	return &UnsupportedError{What: fmt.Sprintf(format, args...)}
}

// FromQuery reads a query: filter stages, assignments, and a trailing
// presentation (select/fields, sort, head/limit/tail not supported).
func FromQuery(q *cql.Query) (*Detection, error) {
	d := &Detection{}
	var conds []Node
	for _, st := range q.Stages {
		switch s := st.(type) {
		case *cql.FilterStage:
			for _, f := range conjuncts(s.Filter) {
				if ff, ok := f.(*cql.FieldFilter); ok && ff.Field == "#event_simpleName" && ff.Op == cql.Eq && ff.Value.Kind == cql.ValueGlob && d.Event == "" && len(d.Evals) == 0 {
					d.Event = ff.Value.Text
					continue
				}
				if ff, ok := f.(*cql.FieldFilter); ok && ff.Field == "event_platform" && ff.Op == cql.NotEq && (ff.Value.Text == "Lin" || ff.Value.Text == "Mac") {
					continue // Sigma's Windows route: the targets read Windows events only
				}
				if len(d.Evals) > 0 || d.Fields != nil {
					return nil, unsupported("a filter after a computed field (%s)", f.String())
				}
				n, err := node(f)
				if err != nil {
					return nil, err
				}
				conds = append(conds, n)
			}
		case *cql.AssignStage:
			if d.Fields != nil {
				return nil, unsupported("an assignment after the projection")
			}
			e, err := expr(s.Value)
			if err != nil {
				return nil, err
			}
			d.Evals = append(d.Evals, Eval{Name: s.Field, Value: e})
		case *cql.CallStage:
			if err := d.presentation(s.Call); err != nil {
				return nil, err
			}
		default:
			return nil, unsupported("the stage %s", st.String())
		}
	}
	for i := len(conds) - 1; i >= 0; i-- {
		if d.Cond == nil {
			d.Cond = conds[i]
		} else {
			d.Cond = &And{conds[i], d.Cond}
		}
	}
	return d, nil
}

func conjuncts(f cql.Filter) []cql.Filter {
	if a, ok := f.(*cql.AndFilter); ok {
		return append(conjuncts(a.L), conjuncts(a.R)...)
	}
	return []cql.Filter{f}
}

func (d *Detection) presentation(c *cql.Call) error {
	switch strings.ToLower(c.Name) {
	case "select":
		a, ok := c.Arg("fields")
		if !ok {
			return unsupported("select() without fields")
		}
		d.Fields = names(a)
	case "sort":
		if a, ok := c.Arg("field"); ok {
			ns := names(a)
			if len(ns) != 1 {
				return unsupported("a sort on several fields")
			}
			d.Sort = strings.TrimPrefix(ns[0], "-")
			d.Desc = !strings.HasPrefix(ns[0], "+")
		}
		if a, ok := c.Arg("order"); ok {
			o := names(a)
			d.Desc = len(o) == 1 && strings.HasPrefix(strings.ToLower(o[0]), "desc")
		}
		d.Limit = 200
		if a, ok := c.Arg("limit"); ok {
			if n, err := strconv.Atoi(a.String()); err == nil {
				d.Limit = n
			}
		}
	case "head":
		d.Limit = 200
		if a, ok := c.Arg("limit"); ok {
			if n, err := strconv.Atoi(a.String()); err == nil {
				d.Limit = n
			}
		}
	default:
		return unsupported("the function %s()", c.Name)
	}
	return nil
}

func names(e cql.Expr) []string {
	switch x := e.(type) {
	case *cql.ArrayExpr:
		var out []string
		for _, el := range x.Elems {
			out = append(out, names(el)...)
		}
		return out
	case *cql.FieldRef:
		return []string{x.Name}
	case *cql.StrLit:
		return []string{x.Value}
	}
	return []string{e.String()}
}

// nodes converts both sides of a binary filter.
func nodes(a, b cql.Filter) (Node, Node, error) {
	l, err := node(a)
	if err != nil {
		return nil, nil, err
	}
	r, err := node(b)
	return l, r, err
}

// node converts a filter.
func node(f cql.Filter) (Node, error) {
	switch f := f.(type) {
	case *cql.AndFilter:
		l, r, err := nodes(f.L, f.R)
		if err != nil {
			return nil, err
		}
		return &And{l, r}, nil
	case *cql.OrFilter:
		l, r, err := nodes(f.L, f.R)
		if err != nil {
			return nil, err
		}
		return &Or{l, r}, nil
	case *cql.NotFilter:
		x, err := node(f.X)
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case *cql.FieldFilter:
		return fieldLeaf(f.Field, f.Op, f.Value)
	case *cql.RegexFilter:
		l := regexLeaf("", f.Pattern, f.Flags)
		if l.Kind == Regex {
			l.Kind, l.Values = Keyword, nil
		} else {
			l.Kind = Keyword
		}
		return l, nil
	case *cql.FreeText:
		return &Leaf{Kind: Keyword, Values: []string{f.Text}}, nil
	case *cql.CallFilter:
		return callLeaf(f.Call)
	}
	return nil, unsupported("the filter %s", f.String())
}

func callLeaf(c *cql.Call) (Node, error) {
	var n Node
	switch strings.ToLower(c.Name) {
	case "cidr":
		fa, _ := c.Arg("field")
		sa, _ := c.Arg("subnet")
		if fa == nil || sa == nil {
			return nil, unsupported("%s", c.String())
		}
		n = &Leaf{Field: names(fa)[0], Kind: Cidr, Values: names(sa)}
	case "in":
		fa, _ := c.Arg("field")
		va, _ := c.Arg("values")
		if fa == nil || va == nil {
			return nil, unsupported("%s", c.String())
		}
		fold := false
		if ic, ok := c.Arg("ignoreCase"); ok && strings.EqualFold(ic.String(), "true") {
			fold = true
		}
		var alts []Node
		for _, v := range names(va) {
			l, err := fieldLeaf(names(fa)[0], cql.Eq, cql.Value{Kind: cql.ValueGlob, Text: v})
			if err != nil {
				return nil, err
			}
			if lf, ok := l.(*Leaf); ok && fold {
				lf.Fold = true
			}
			alts = append(alts, l)
		}
		n = orNodes(alts)
	case "test":
		a, _ := c.Arg("expression")
		be, ok := a.(*cql.BinaryExpr)
		if !ok || be.Op != cql.EqEq {
			return nil, unsupported("%s", c.String())
		}
		l, ok1 := be.L.(*cql.FieldRef)
		r, ok2 := be.R.(*cql.FieldRef)
		if !ok1 || !ok2 {
			return nil, unsupported("%s", c.String())
		}
		n = &Leaf{Field: l.Name, Kind: FieldEq, Values: []string{r.Name}}
	default:
		return nil, unsupported("the function %s()", c.Name)
	}
	if c.Negated {
		n = &Not{n}
	}
	return n, nil
}

func orNodes(ns []Node) Node {
	if len(ns) == 1 {
		return ns[0]
	}
	return &Or{ns[0], orNodes(ns[1:])}
}

func fieldLeaf(field string, op cql.Kind, v cql.Value) (Node, error) {
	var l *Leaf
	switch op {
	case cql.Lt, cql.Gt, cql.LtEq, cql.GtEq:
		ops := map[cql.Kind]string{cql.Lt: "<", cql.Gt: ">", cql.LtEq: "<=", cql.GtEq: ">="}
		return &Leaf{Field: field, Kind: Compare, Op: ops[op], Values: []string{v.Text}}, nil
	}
	switch v.Kind {
	case cql.ValueAny:
		l = &Leaf{Field: field, Kind: Present}
	case cql.ValueRegex:
		l = regexLeaf(field, v.Text, v.Flags)
	default:
		l = globLeaf(field, v.Text)
	}
	if op == cql.NotEq {
		// LogScale's != passes a missing field, as not does.
		return &Not{l}, nil
	}
	return l, nil
}

// globLeaf reads a LogScale glob: exact, prefix, suffix, contains, or a
// regex for other shapes.
func globLeaf(field, g string) *Leaf {
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(g); i++ {
		c := g[i]
		if c == '\\' && i+1 < len(g) && (g[i+1] == '*' || g[i+1] == '\\') {
			cur.WriteByte(g[i+1])
			i++
			continue
		}
		if c == '*' {
			segs = append(segs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	segs = append(segs, cur.String())
	switch {
	case len(segs) == 1:
		return &Leaf{Field: field, Kind: Exact, Values: []string{segs[0]}}
	case len(segs) == 2 && segs[0] == "" && segs[1] == "":
		return &Leaf{Field: field, Kind: Present}
	case len(segs) == 2 && segs[1] == "":
		return &Leaf{Field: field, Kind: Prefix, Values: []string{segs[0]}}
	case len(segs) == 2 && segs[0] == "":
		return &Leaf{Field: field, Kind: Suffix, Values: []string{segs[1]}}
	case len(segs) == 3 && segs[0] == "" && segs[2] == "":
		return &Leaf{Field: field, Kind: Contains, Values: []string{segs[1]}}
	}
	var b strings.Builder
	b.WriteString("^")
	for i, s := range segs {
		if i > 0 {
			b.WriteString(".*")
		}
		b.WriteString(quoteMeta(s))
	}
	b.WriteString("$")
	return &Leaf{Field: field, Kind: Regex, Pattern: b.String(), Dotall: true}
}

func quoteMeta(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// regexLeaf analyses a regex: a finite set of literals with its anchoring
// becomes an exact/prefix/suffix/contains leaf, anything else stays a
// regex.
func regexLeaf(field, pattern, flags string) *Leaf {
	l := &Leaf{Field: field, Kind: Regex, Pattern: pattern}
	for _, f := range flags {
		switch f {
		case 'i':
			l.Fold = true
		case 's', 'd':
			l.Dotall = true
		case 'm':
			l.Multiline = true
		}
	}
	pf := syntax.Perl
	if l.Fold {
		pf |= syntax.FoldCase
	}
	if l.Dotall {
		pf |= syntax.DotNL
	}
	re, err := syntax.Parse(pattern, pf)
	if err != nil {
		return l
	}
	re = re.Simplify()
	// inline (?i) at the start applies to the literals
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	start, end := false, false
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		start, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		end, subs = true, subs[:len(subs)-1]
	}
	if l.Multiline {
		return l
	}
	fold, foldSet := false, false
	lits, ok := enumerate(&syntax.Regexp{Op: syntax.OpConcat, Sub: subs}, &fold, &foldSet)
	if !ok || len(lits) == 0 {
		if fold {
			l.Fold = true
		}
		return l
	}
	for _, s := range lits {
		if s == "" {
			return l
		}
	}
	l.Values = lits
	l.Fold = fold
	switch {
	case start && end:
		l.Kind = Exact
	case start:
		l.Kind = Prefix
	case end:
		l.Kind = Suffix
	default:
		l.Kind = Contains
	}
	return l
}

// enumerate lists the strings a regex matches when they are few. fold
// records whether the literals are case-insensitive (all must agree).
func enumerate(re *syntax.Regexp, fold, foldSet *bool) ([]string, bool) {
	const max = 256
	switch re.Op {
	case syntax.OpLiteral:
		f := re.Flags&syntax.FoldCase != 0
		hasLetter := false
		for _, r := range re.Rune {
			if unicode.SimpleFold(r) != r {
				hasLetter = true
			}
		}
		if hasLetter {
			if *foldSet && *fold != f {
				return nil, false
			}
			*fold, *foldSet = f, true
		}
		if f {
			// any case matches; write the lower case
			rs := make([]rune, len(re.Rune))
			for i, r := range re.Rune {
				rs[i] = unicode.ToLower(r)
			}
			return []string{string(rs)}, true
		}
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCapture:
		return enumerate(re.Sub[0], fold, foldSet)
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			part, ok := enumerate(s, fold, foldSet)
			if !ok {
				return nil, false
			}
			var next []string
			for _, a := range out {
				for _, b := range part {
					next = append(next, a+b)
				}
			}
			if len(next) > max {
				return nil, false
			}
			out = next
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			part, ok := enumerate(s, fold, foldSet)
			if !ok {
				return nil, false
			}
			out = append(out, part...)
		}
		return out, len(out) <= max
	case syntax.OpCharClass:
		// a class that is one letter in both cases is that letter, folded
		rs := re.Rune
		if len(rs) == 2 && rs[0] == rs[1] {
			return []string{string(rs[0])}, true
		}
		if len(rs) == 4 && rs[0] == rs[1] && rs[2] == rs[3] && unicode.SimpleFold(rs[0]) == rs[2] {
			if *foldSet && !*fold {
				return nil, false
			}
			*fold, *foldSet = true, true
			return []string{string(unicode.ToLower(rs[0]))}, true
		}
	}
	return nil, false
}

// expr converts an expression.
func expr(e cql.Expr) (Expr, error) {
	switch x := e.(type) {
	case *cql.StrLit:
		return &Str{x.Value}, nil
	case *cql.NumLit:
		return &Str{x.Text}, nil
	case *cql.BoolLit:
		return &Bool{x.Value}, nil
	case *cql.FieldRef:
		return &FieldRef{x.Name}, nil
	case *cql.MatchExpr:
		n, err := fieldLeaf(x.Field, cql.Eq, x.Value)
		if err != nil {
			return nil, err
		}
		if x.Negate {
			n = &Not{n}
		}
		return &Test{n}, nil
	case *cql.UnaryExpr:
		if x.Op == cql.Bang {
			inner, err := expr(x.X)
			if err != nil {
				return nil, err
			}
			return &NotE{inner}, nil
		}
	case *cql.BinaryExpr:
		l, err := expr(x.L)
		if err != nil {
			return nil, err
		}
		r, err := expr(x.R)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case cql.AndAnd:
			return &AndE{l, r}, nil
		case cql.OrOr:
			return &OrE{l, r}, nil
		case cql.EqEq, cql.NotEq:
			return &Eq{L: l, R: r, Neg: x.Op == cql.NotEq}, nil
		}
	case *cql.CallExpr:
		c := x.Call
		switch strings.ToLower(c.Name) {
		case "if":
			args := c.Positionals()
			var cond, t, f cql.Expr
			if len(args) > 0 {
				cond = args[0]
			}
			t, _ = c.Arg("then")
			f, _ = c.Arg("else")
			if len(args) == 3 {
				cond, t, f = args[0], args[1], args[2]
			}
			if cond == nil || t == nil || f == nil {
				return nil, unsupported("%s", c.String())
			}
			ce, err := expr(cond)
			if err != nil {
				return nil, err
			}
			te, err := expr(t)
			if err != nil {
				return nil, err
			}
			fe, err := expr(f)
			if err != nil {
				return nil, err
			}
			return &If{ce, te, fe}, nil
		case "case":
			args := c.Positionals()
			if len(args)%2 != 0 {
				return nil, unsupported("case() with an odd number of arguments")
			}
			cs := &Case{}
			for i := 0; i < len(args); i += 2 {
				ce, err := expr(args[i])
				if err != nil {
					return nil, err
				}
				ve, err := expr(args[i+1])
				if err != nil {
					return nil, err
				}
				cs.Conds = append(cs.Conds, ce)
				cs.Vals = append(cs.Vals, ve)
			}
			return cs, nil
		}
	}
	return nil, unsupported("the expression %s", e.String())
}

// AlertingPart returns the stages up to the first aggregating or
// reshaping stage (select, sort, head…): what decides which events alert.
func AlertingPart(q *cql.Query) *cql.Query {
	for i, st := range q.Stages {
		if c, ok := st.(*cql.CallStage); ok {
			_ = c
			return &cql.Query{Stages: q.Stages[:i], Source: q.Source}
		}
	}
	return q
}
