package cql

import (
	"fmt"
	"strconv"
	"strings"
)

// Options control parsing.
type Options struct {
	// Strict refuses the seed's dialect forms (eval NAME :=, positional if,
	// case(...), fields, limit, AND/OR and regex tests inside expressions)
	// with an error naming the LogScale form, and gives `F != null` its
	// literal LogScale meaning with a warning.
	Strict bool
	// Params are the values of user parameters (?name, ?{name=default}).
	// A parameter without a value takes its default; one with neither is
	// an error naming it and the flag that supplies it, unless
	// DefaultParam is set.
	Params map[string]string
	// DefaultParam, when not nil, is the value of parameters that have
	// neither a value nor a default (LogScale's query editor uses "*").
	DefaultParam *string
}

// Parse parses a query in the default (dialect) mode.
func Parse(src string) (*Query, error) { return ParseWith(src, Options{}) }

// ParseWith parses a query. The error, if any, is an *Error.
func ParseWith(src string, opts Options) (q *Query, err error) {
	p := &parser{lex: newLexer(src), src: src, opts: opts}
	p.cur = Pos{Line: 1, Col: 1}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				q, err = nil, e
				return
			}
			panic(r)
		}
	}()
	stages := p.pipeline(func(t Token) bool { return t.Kind == EOF })
	if t := p.peek(modeFilter); t.Kind != EOF {
		p.failf(t.Pos, "expected '|' or end of query, found %s", t.describe())
	}
	return &Query{Stages: stages, Diags: p.diags, Source: src}, nil
}

type cached struct {
	at    int
	m     mode
	tok   Token
	after Pos
	ok    bool
}

type parser struct {
	lex   *lexer
	src   string
	opts  Options
	cur   Pos // position of the next unread character
	cache cached
	diags []Diagnostic
	depth int
}

func (p *parser) failf(pos Pos, format string, args ...any) {
	panic(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// peek returns the next token as read in mode m, without consuming it.
func (p *parser) peek(m mode) Token {
	if p.cache.ok && p.cache.at == p.cur.Offset && p.cache.m == m {
		return p.cache.tok
	}
	p.lex.seek(p.cur)
	t, err := p.lex.next(m)
	if err != nil {
		panic(err)
	}
	p.cache = cached{at: p.cur.Offset, m: m, tok: t, after: p.lex.pos(), ok: true}
	return t
}

// peekN returns the next n tokens in mode m without consuming them.
func (p *parser) peekN(m mode, n int) []Token {
	p.lex.seek(p.cur)
	out := make([]Token, 0, n)
	for i := 0; i < n; i++ {
		t, err := p.lex.next(m)
		if err != nil {
			break
		}
		out = append(out, t)
		if t.Kind == EOF {
			break
		}
	}
	for len(out) < n {
		out = append(out, Token{Kind: EOF})
	}
	return out
}

func (p *parser) next(m mode) Token {
	t := p.peek(m)
	p.cur = p.cache.after
	p.cache.ok = false
	return t
}

func (p *parser) expect(m mode, k Kind, what string) Token {
	t := p.peek(m)
	if t.Kind != k {
		if what == "" {
			what = k.String()
		}
		p.failf(t.Pos, "expected %s, found %s", what, t.describe())
	}
	return p.next(m)
}

func (p *parser) note(pos Pos, code, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Pos: pos, Code: code, Msg: fmt.Sprintf(format, args...)})
}

// dialect records a dialect form, or refuses it in strict mode.
func (p *parser) dialect(pos Pos, code, form, canonical string) {
	// canonical names the LogScale form a strict user should write instead.
	if p.opts.Strict {
		p.failf(pos, "%s is not LogScale (--strict); write %s", form, canonical)
	}
	p.note(pos, "dialect."+code, "dialect: %s read as %s", form, canonical)
}

func isKeyword(t Token, words ...string) bool {
	if t.Kind != Word || t.Quoted {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.Text, w) {
			return true
		}
	}
	return false
}

// ---- pipelines and stages ----

// pipeline parses stages separated by '|' until end(tok) holds.
func (p *parser) pipeline(end func(Token) bool) []Stage {
	p.depth++
	if p.depth > 200 {
		p.failf(p.cur, "query nested too deeply")
	}
	defer func() { p.depth-- }()
	var stages []Stage
	if p.peek(modeFilter).Kind == Pipe {
		p.next(modeFilter)
	}
	for {
		t := p.peek(modeFilter)
		if end(t) {
			if len(stages) == 0 && t.Kind == EOF {
				return nil
			}
			return stages
		}
		if t.Kind == Pipe {
			p.failf(t.Pos, "expected a filter or function, found '|'")
		}
		stages = p.stage(stages, end)
		t = p.peek(modeFilter)
		if t.Kind == Pipe {
			p.next(modeFilter)
			if end(p.peek(modeFilter)) {
				u := p.peek(modeFilter)
				p.failf(u.Pos, "expected a filter or function after '|', found %s", u.describe())
			}
			continue
		}
		if end(t) {
			return stages
		}
		// Juxtaposed steps work like a pipe (`loglevel=ERROR head(10)`).
		switch t.Kind {
		case Word, String, Regex, LParen, Bang, Dollar:
		default:
			if p.depth == 1 {
				p.failf(t.Pos, "expected '|' or end of query, found %s", t.describe())
			}
			p.failf(t.Pos, "expected '|' or the end of the block, found %s", t.describe())
		}
	}
}

// stage parses one step and appends it (a filter sequence may append several).
func (p *parser) stage(stages []Stage, end func(Token) bool) []Stage {
	ts := p.peekN(modeFilter, 3)
	t0, t1, t2 := ts[0], ts[1], ts[2]
	switch {
	case isKeyword(t0, "eval") && t1.Kind == LParen:
		return append(stages, p.evalCall()...)
	case isKeyword(t0, "eval") && t1.Kind == Word && (t2.Kind == Assign || t2.Kind == Eq):
		return append(stages, p.evalDialect()...)
	case isKeyword(t0, "case") && t1.Kind == LBrace:
		return append(stages, p.caseStage())
	case (t0.Kind == Word || t0.Kind == String) && isKeyword(t1, "match") && t2.Kind == LBrace:
		return append(stages, p.matchStage())
	case (t0.Kind == Word || t0.Kind == String) && t1.Kind == Assign:
		return append(stages, p.assign())
	case isKeyword(t0, "fields") && (t1.Kind == Word || t1.Kind == String) && t1.Pos.Line == t0.Pos.Line:
		return append(stages, p.fieldsDialect())
	case isKeyword(t0, "limit") && t1.Kind == Word && isInt(t1.Text):
		return p.limitDialect(stages)
	case isKeyword(t0, "head", "tail") && t1.Kind == Word && isInt(t1.Text):
		p.next(modeFilter)
		n := p.next(modeFilter)
		name := strings.ToLower(t0.Text)
		p.dialect(t0.Pos, name, name+" "+n.Text, name+"("+n.Text+")")
		return append(stages, &CallStage{Call: &Call{At: t0.Pos, Name: name, Args: []Arg{{At: n.Pos, Value: &NumLit{At: n.Pos, Text: n.Text}}}}})
	case isKeyword(t0, "sort") && t1.Kind == Word && t1.Pos.Line == t0.Pos.Line && t2.Kind != Eq && t2.Kind != NotEq && t2.Kind != LParen:
		return append(stages, p.sortDialect())
	}
	f := p.filterSeq(end)
	return append(stages, splitStages(f)...)
}

func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// splitStages turns top-level juxtaposition into separate steps and lone
// function calls into call steps.
func splitStages(f Filter) []Stage {
	if a, ok := f.(*AndFilter); ok && a.Implicit {
		return append(splitStages(a.L), splitStages(a.R)...)
	}
	if c, ok := f.(*CallFilter); ok && !c.Call.Negated {
		spec := Lookup(c.Call.Name)
		if spec == nil || !spec.Filter {
			return []Stage{&CallStage{Call: c.Call}}
		}
	}
	return []Stage{&FilterStage{Filter: f}}
}

func (p *parser) fieldName(t Token) string {
	return t.Text
}

func (p *parser) assign() Stage {
	t := p.next(modeFilter)
	p.next(modeFilter) // :=
	v := p.expr()
	return &AssignStage{At: t.Pos, Field: p.fieldName(t), Value: v}
}

// evalCall parses LogScale's eval(f = expr, g = expr) into assignments.
func (p *parser) evalCall() []Stage {
	p.next(modeFilter)
	p.next(modeFilter) // (
	var out []Stage
	for {
		name := p.next(modeExpr)
		if name.Kind != Word && name.Kind != String {
			p.failf(name.Pos, "expected an assignment name = expression in eval(), found %s", name.describe())
		}
		p.expect(modeExpr, Eq, "'='")
		out = append(out, &AssignStage{At: name.Pos, Field: name.Text, Value: p.expr()})
		t := p.next(modeExpr)
		if t.Kind == RParen {
			return out
		}
		if t.Kind != Comma {
			p.failf(t.Pos, "expected ',' or ')', found %s", t.describe())
		}
	}
}

// evalDialect parses `eval x := e` and `eval x = e, y = e`.
func (p *parser) evalDialect() []Stage {
	ev := p.next(modeFilter)
	var out []Stage
	for {
		name := p.next(modeFilter)
		op := p.next(modeFilter)
		p.dialect(ev.Pos, "eval", "eval "+name.Text+" "+op.Text+" …", name.Text+" := …")
		out = append(out, &AssignStage{At: name.Pos, Field: name.Text, Value: p.expr()})
		if p.peek(modeFilter).Kind != Comma {
			return out
		}
		p.next(modeFilter)
	}
}

func (p *parser) fieldsDialect() Stage {
	kw := p.next(modeFilter)
	fn := "select"
	t := p.peek(modeFilter)
	if t.Kind == Word && (t.Text == "-" || t.Text == "+") {
		if t.Text == "-" {
			fn = "drop"
		}
		p.next(modeFilter)
	} else if t.Kind == Word && len(t.Text) > 1 && (t.Text[0] == '-' || t.Text[0] == '+') {
		// fields -a, b (sign glued to the first name)
		if t.Text[0] == '-' {
			fn = "drop"
		}
	}
	var elems []Expr
	var names []string
	first := true
	for {
		n := p.next(modeFilter)
		if n.Kind != Word && n.Kind != String {
			p.failf(n.Pos, "expected a field name, found %s", n.describe())
		}
		name := n.Text
		if first && (strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+")) && n.Kind == Word {
			name = name[1:]
		}
		if name == "" {
			p.failf(n.Pos, "expected a field name, found an empty name")
		}
		first = false
		elems = append(elems, &FieldRef{At: n.Pos, Name: name, Quoted: n.Kind == String})
		names = append(names, name)
		if p.peek(modeFilter).Kind != Comma {
			break
		}
		p.next(modeFilter)
	}
	p.dialect(kw.Pos, "fields", "fields "+strings.Join(names, ", "), fn+"(["+strings.Join(names, ", ")+"])")
	return &CallStage{Call: &Call{At: kw.Pos, Name: fn, Args: []Arg{{At: elems[0].Position(), Value: &ArrayExpr{At: elems[0].Position(), Elems: elems}}}}}
}

// limitDialect folds `limit N` into a directly preceding sort() that has no
// limit of its own, else makes it head(N) (first N rows in stream order).
func (p *parser) limitDialect(stages []Stage) []Stage {
	kw := p.next(modeFilter)
	n := p.next(modeFilter)
	if len(stages) > 0 {
		if cs, ok := stages[len(stages)-1].(*CallStage); ok && strings.EqualFold(cs.Call.Name, "sort") {
			if _, has := cs.Call.Arg("limit"); !has {
				p.dialect(kw.Pos, "limit", "limit "+n.Text+" after sort()", "sort(…, limit="+n.Text+")")
				cs.Call.Args = append(cs.Call.Args, Arg{At: n.Pos, Name: "limit", Value: &NumLit{At: n.Pos, Text: n.Text}})
				return stages
			}
		}
	}
	p.dialect(kw.Pos, "limit", "limit "+n.Text, "head("+n.Text+")")
	return append(stages, &CallStage{Call: &Call{At: kw.Pos, Name: "head", Args: []Arg{{At: n.Pos, Value: &NumLit{At: n.Pos, Text: n.Text}}}}})
}

// sortDialect parses `sort -F` / `sort +F` / `sort F`.
func (p *parser) sortDialect() Stage {
	kw := p.next(modeFilter)
	t := p.next(modeFilter)
	name, order := t.Text, "desc"
	if strings.HasPrefix(name, "-") {
		name = name[1:]
	} else if strings.HasPrefix(name, "+") {
		name, order = name[1:], "asc"
	}
	p.dialect(kw.Pos, "sort", "sort "+t.Text, "sort(field="+name+", order="+order+")")
	return &CallStage{Call: &Call{At: kw.Pos, Name: "sort", Args: []Arg{
		{At: t.Pos, Name: "field", Value: &FieldRef{At: t.Pos, Name: name}},
		{At: t.Pos, Name: "order", Value: &FieldRef{At: t.Pos, Name: order}},
	}}}
}

func (p *parser) caseStage() Stage {
	kw := p.next(modeFilter)
	p.next(modeFilter) // {
	cs := &CaseStage{At: kw.Pos}
	for {
		t := p.peek(modeFilter)
		if t.Kind == RBrace {
			p.next(modeFilter)
			break
		}
		if t.Kind == EOF {
			p.failf(t.Pos, "expected '}' to close case, found end of query")
		}
		var branch []Stage
		{
			branch = p.pipeline(caseEnd)
			if len(branch) == 0 {
				p.failf(t.Pos, "empty case branch; write * for a branch that matches everything")
			}
		}
		cs.Branches = append(cs.Branches, branch)
		if p.peek(modeFilter).Kind == Semi {
			p.next(modeFilter)
		}
	}
	if len(cs.Branches) == 0 {
		p.failf(kw.Pos, "case needs at least one branch")
	}
	return cs
}

func caseEnd(t Token) bool { return t.Kind == Semi || t.Kind == RBrace || t.Kind == EOF }

func (p *parser) matchStage() Stage {
	f := p.next(modeFilter)
	p.next(modeFilter) // match
	p.next(modeFilter) // {
	ms := &MatchStage{At: f.Pos, Field: f.Text}
	for {
		t := p.peek(modeValue)
		if t.Kind == RBrace {
			p.next(modeValue)
			break
		}
		if t.Kind == EOF {
			p.failf(t.Pos, "expected '}' to close match, found end of query")
		}
		arm := MatchArm{At: t.Pos}
		switch {
		case t.Kind == Word && (t.Text == "*" || strings.EqualFold(t.Text, "true")):
			p.next(modeValue)
			arm.Guard = Guard{Kind: GuardAny}
		case t.Kind == Word && t.Text == "**":
			p.next(modeValue)
			arm.Guard = Guard{Kind: GuardValue, Value: Value{Kind: ValueAny}}
		case t.Kind == Regex:
			p.next(modeValue)
			arm.Guard = Guard{Kind: GuardValue, Value: Value{Kind: ValueRegex, Text: t.Text, Flags: t.Flags}}
		case t.Kind == Bang || t.Kind == Word && p.peekN(modeValue, 2)[1].Kind == LParen:
			neg := false
			if t.Kind == Bang {
				p.next(modeValue)
				neg = true
			}
			name := p.next(modeValue)
			c := p.call(name)
			c.Negated = neg
			arm.Guard = Guard{Kind: GuardCall, Call: c}
		case t.Kind == Word || t.Kind == String:
			p.next(modeValue)
			arm.Guard = Guard{Kind: GuardValue, Value: Value{Kind: ValueGlob, Text: t.Text, Quoted: t.Kind == String}}
			if t.Kind == String && t.Text == "*" {
				arm.Guard.Value = Value{Kind: ValueAny, Quoted: true}
			}
		default:
			p.failf(t.Pos, "expected a match guard, found %s", t.describe())
		}
		p.expect(modeFilter, Arrow, "'=>'")
		arm.Body = p.pipeline(caseEnd)
		ms.Arms = append(ms.Arms, arm)
		if p.peek(modeFilter).Kind == Semi {
			p.next(modeFilter)
		}
	}
	return ms
}

// ---- filters ----
//
// Precedence (spec/logscale.md §1.9): not binds tightest; explicit and/or
// are equal and right-associative; juxtaposition (implicit and) is loosest.

func (p *parser) filterSeq(end func(Token) bool) Filter {
	f := p.filterBin()
	for {
		t := p.peek(modeFilter)
		if t.Kind == Pipe || t.Kind == RParen || t.Kind == EOF || end(t) {
			return f
		}
		switch t.Kind {
		case Word, String, Regex, LParen, Bang, Dollar:
		default:
			return f // the caller reports what it expected
		}
		g := p.filterBin()
		f = &AndFilter{L: f, R: g, Implicit: true}
	}
}

func (p *parser) filterBin() Filter {
	l := p.filterUnary()
	t := p.peek(modeFilter)
	if isKeyword(t, "and") || t.Kind == AndAnd {
		p.next(modeFilter)
		return &AndFilter{L: l, R: p.filterBin()}
	}
	if isKeyword(t, "or") || t.Kind == OrOr {
		p.next(modeFilter)
		return &OrFilter{L: l, R: p.filterBin()}
	}
	return l
}

func (p *parser) filterUnary() Filter {
	t := p.peek(modeFilter)
	if t.Kind == Bang || isKeyword(t, "not") && !p.isFieldStart() {
		p.next(modeFilter)
		return &NotFilter{At: t.Pos, X: p.filterUnary()}
	}
	return p.filterPrimary()
}

// isFieldStart reports whether the next word is a field in a comparison
// (so `not=5` is a field named not).
func (p *parser) isFieldStart() bool {
	ts := p.peekN(modeFilter, 2)
	switch ts[1].Kind {
	case Eq, NotEq, Lt, Gt, LtEq, GtEq, Tilde:
		return true
	}
	return false
}

func (p *parser) filterPrimary() Filter {
	p.depth++
	if p.depth > 400 {
		p.failf(p.cur, "query nested too deeply")
	}
	defer func() { p.depth-- }()
	t := p.peek(modeFilter)
	switch t.Kind {
	case LParen:
		p.next(modeFilter)
		f := p.filterSeq(func(t Token) bool { return t.Kind == RParen })
		p.expect(modeFilter, RParen, "')'")
		return f
	case Regex:
		p.next(modeFilter)
		return &RegexFilter{At: t.Pos, Pattern: t.Text, Flags: t.Flags}
	case String, Word:
		ts := p.peekN(modeFilter, 2)
		switch ts[1].Kind {
		case Eq, NotEq, Lt, Gt, LtEq, GtEq:
			return p.fieldFilter()
		case Tilde:
			p.next(modeFilter)
			p.next(modeFilter)
			neg := false
			if p.peek(modeValue).Kind == Bang {
				p.next(modeValue)
				neg = true
			}
			name := p.expect(modeValue, Word, "a function call")
			c := p.call(name)
			c.Args = append([]Arg{{At: t.Pos, Name: "field", Value: &FieldRef{At: t.Pos, Name: t.Text, Quoted: t.Kind == String}}}, c.Args...)
			var f Filter = &CallFilter{Call: c}
			if neg {
				f = &NotFilter{At: t.Pos, X: f}
			}
			return f
		case LParen:
			if t.Kind == Word && !t.Quoted {
				p.next(modeFilter)
				return &CallFilter{Call: p.call(t)}
			}
		}
		p.next(modeFilter)
		if t.Kind == Word && !t.Quoted && t.Text == "*" {
			return &AnyFilter{At: t.Pos}
		}
		if isKeyword(t, "and", "or") {
			p.failf(t.Pos, "expected a filter, found %s", t.describe())
		}
		return &FreeText{At: t.Pos, Text: t.Text, Quoted: t.Kind == String || t.Quoted}
	case Dollar:
		p.next(modeFilter)
		name := p.next(modeValue)
		if name.Kind != Word && name.Kind != String || name.Text == "" {
			p.failf(name.Pos, "expected a saved search name after '$', found %s", name.describe())
		}
		c := p.call(Token{Kind: Word, Text: "$" + name.Text, Pos: t.Pos})
		return &CallFilter{Call: c}
	}
	p.failf(t.Pos, "expected a filter or function, found %s", t.describe())
	return nil
}

func (p *parser) fieldFilter() Filter {
	ft := p.next(modeFilter)
	op := p.next(modeFilter)
	v := p.peek(modeFilter)
	ff := &FieldFilter{At: ft.Pos, Field: ft.Text, Op: op.Kind}
	switch v.Kind {
	case Regex:
		p.next(modeFilter)
		ff.Value = Value{Kind: ValueRegex, Text: v.Text, Flags: v.Flags}
	case String:
		p.next(modeFilter)
		ff.Value = Value{Kind: ValueGlob, Text: v.Text, Quoted: true}
	case Word:
		p.next(modeFilter)
		ff.Value = Value{Kind: ValueGlob, Text: v.Text}
		if v.Text == "*" {
			ff.Value = Value{Kind: ValueAny}
		}
	case Question:
		val, _ := p.param(modeFilter)
		ff.Value = Value{Kind: ValueGlob, Text: val, Quoted: true}
		if val == "*" {
			ff.Value = Value{Kind: ValueAny}
		}
	default:
		p.failf(v.Pos, "expected a value after %s, found %s", op.describe(), v.describe())
	}
	switch op.Kind {
	case Lt, Gt, LtEq, GtEq:
		if ff.Value.Kind != ValueGlob {
			p.failf(v.Pos, "expected a number after %s, found %s", op.describe(), v.describe())
		}
		if _, err := strconv.ParseFloat(ff.Value.Text, 64); err != nil {
			p.failf(v.Pos, "expected a number after %s, found %s", op.describe(), v.describe())
		}
	case Eq, NotEq:
		if ff.Value.Kind == ValueGlob && !ff.Value.Quoted && strings.EqualFold(ff.Value.Text, "null") {
			if p.opts.Strict {
				if op.Kind == NotEq {
					p.note(v.Pos, "strict.null", "%s != null compares with the string \"null\" in LogScale and passes when %s is missing; write %s=* to test presence", ft.Text, ft.Text, ft.Text)
				}
				return ff
			}
			if op.Kind == NotEq {
				p.dialect(ft.Pos, "null", ft.Text+" != null", ft.Text+"=*")
				ff.Op, ff.Value = Eq, Value{Kind: ValueAny}
			} else {
				p.dialect(ft.Pos, "null", ft.Text+" = null", ft.Text+"!=*")
				ff.Op, ff.Value = NotEq, Value{Kind: ValueAny}
			}
		}
	}
	return ff
}

// param parses ?name, ?"name" or ?{name=default} (the '?' is next) and
// returns its value.
func (p *parser) param(m mode) (string, Pos) {
	q := p.next(m)
	t := p.peek(modeValue)
	name, def, hasDef := "", "", false
	switch t.Kind {
	case Word, String:
		p.next(modeValue)
		name = t.Text
	case LBrace:
		p.next(modeValue)
		n := p.next(modeValue)
		if n.Kind != Word && n.Kind != String {
			p.failf(n.Pos, "expected a parameter name, found %s", n.describe())
		}
		name = n.Text
		if p.peek(modeValue).Kind == Eq {
			p.next(modeValue)
			d := p.next(modeValue)
			if d.Kind != Word && d.Kind != String {
				p.failf(d.Pos, "expected a default value, found %s", d.describe())
			}
			def, hasDef = d.Text, true
		}
		p.expect(modeValue, RBrace, "'}'")
	default:
		p.failf(t.Pos, "expected a parameter name after '?', found %s", t.describe())
	}
	if v, ok := p.opts.Params[name]; ok {
		return v, q.Pos
	}
	if hasDef {
		return def, q.Pos
	}
	if p.opts.DefaultParam != nil {
		p.note(q.Pos, "param.default", "parameter ?%s has no value (--param %s=…); using %q", name, name, *p.opts.DefaultParam)
		return *p.opts.DefaultParam, q.Pos
	}
	p.failf(q.Pos, "parameter ?%s has no value; give it with --param %s=VALUE", name, name)
	return "", q.Pos
}

// ---- calls ----

func (p *parser) call(name Token) *Call {
	lp := p.expect(modeValue, LParen, "'('")
	_ = lp
	c := &Call{At: name.Pos, Name: name.Text}
	spec := Lookup(name.Text)
	if spec != nil {
		c.Name = spec.Name
	}
	if strings.EqualFold(name.Text, "true") || strings.EqualFold(name.Text, "false") {
		// handled by the expression parser; here only as a stage
	}
	positionals := 0
	for {
		t := p.peek(modeValue)
		if t.Kind == RParen {
			p.next(modeValue)
			break
		}
		if len(c.Args) > 0 {
			if t.Kind != Comma {
				p.failf(t.Pos, "expected ',' or ')', found %s", t.describe())
			}
			p.next(modeValue)
			t = p.peek(modeValue)
		}
		ts := p.peekN(modeValue, 2)
		if ts[0].Kind == Word && !ts[0].Quoted && isIdent(ts[0].Text) && ts[1].Kind == Eq && (spec == nil || spec.HasParam(ts[0].Text) || len(spec.Expr) == 0 && spec.Name != "case") {
			p.next(modeValue)
			p.next(modeValue)
			an := ts[0].Text
			var v Expr
			if spec != nil && spec.IsExpr(an) {
				v = p.expr()
			} else {
				v = p.value()
			}
			c.Args = append(c.Args, Arg{At: ts[0].Pos, Name: an, Value: v})
			continue
		}
		// Positional.
		positionals++
		var v Expr
		param := ""
		if spec != nil {
			param = spec.Positional
		}
		exprArg := spec != nil && (spec.IsExpr(param) || spec.Name == "if" || spec.Name == "case")
		if exprArg || (spec != nil && !spec.Filter && ts[1].Kind == Eq) {
			// `if(F = /re/, ...)` and other dialect comparisons.
			v = p.expr()
		} else {
			v = p.value()
		}
		c.Args = append(c.Args, Arg{At: t.Pos, Value: v})
	}
	if spec != nil {
		switch spec.Name {
		case "if":
			ps := c.Positionals()
			if len(ps) > 1 {
				if len(ps) > 3 {
					p.failf(ps[3].Position(), "if() takes a condition, then and else; found %d positional arguments", len(ps))
				}
				p.dialect(c.At, "if", "positional if(c, a, b)", "if(c, then=a, else=b)")
				var args []Arg
				for i, a := range c.Args {
					_ = i
					args = append(args, a)
				}
				// name the second and third positional arguments
				n := 0
				for i := range args {
					if args[i].Name == "" {
						switch n {
						case 1:
							args[i].Name = "then"
						case 2:
							args[i].Name = "else"
						}
						n++
					}
				}
				c.Args = args
			}
		case "case":
			p.dialect(c.At, "casefn", "case(c1, v1, …) as a function", "a case(…) function: first true condition wins (LogScale's own form is the case { } statement)")
		default:
			if positionals > 1 {
				p.failf(c.Args[len(c.Args)-1].At, "%s() takes one unnamed argument (%s); name the others", spec.Name, orNone(spec.Positional))
			}
			if positionals == 1 && spec.Positional == "" {
				p.failf(c.At, "%s() takes no unnamed argument", spec.Name)
			}
		}
	}
	return c
}

func isIdent(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// value parses a function argument that is not an expression: a bare word
// (field name, keyword or glob), a string, a regex, an array, a subquery or
// a nested call.
func (p *parser) value() Expr {
	t := p.peek(modeValue)
	switch t.Kind {
	case String:
		p.next(modeValue)
		return &StrLit{At: t.Pos, Value: t.Text}
	case Regex:
		p.next(modeValue)
		return &RegexLit{At: t.Pos, Pattern: t.Text, Flags: t.Flags}
	case LBrack:
		p.next(modeValue)
		arr := &ArrayExpr{At: t.Pos}
		for {
			u := p.peek(modeValue)
			if u.Kind == RBrack {
				p.next(modeValue)
				return arr
			}
			if len(arr.Elems) > 0 {
				if u.Kind != Comma {
					p.failf(u.Pos, "expected ',' or ']', found %s", u.describe())
				}
				p.next(modeValue)
			}
			arr.Elems = append(arr.Elems, p.value())
		}
	case LBrace:
		p.next(modeValue)
		stages := p.pipeline(func(t Token) bool { return t.Kind == RBrace })
		p.expect(modeFilter, RBrace, "'}'")
		return &SubqueryExpr{At: t.Pos, Stages: stages}
	case Bang:
		p.next(modeValue)
		x := p.value()
		return &UnaryExpr{At: t.Pos, Op: Bang, X: x}
	case Question:
		v, pos := p.param(modeValue)
		return &StrLit{At: pos, Value: v}
	case LParen:
		// function=([count(), …]): parentheses around a value
		p.next(modeValue)
		v := p.value()
		p.expect(modeValue, RParen, "')'")
		return v
	case Word:
		ts := p.peekN(modeValue, 2)
		if ts[1].Kind == LParen && !t.Quoted {
			p.next(modeValue)
			if strings.EqualFold(t.Text, "true") || strings.EqualFold(t.Text, "false") {
				p.next(modeValue)
				p.expect(modeValue, RParen, "')'")
				return &BoolLit{At: t.Pos, Value: strings.EqualFold(t.Text, "true")}
			}
			return &CallExpr{Call: p.call(t)}
		}
		p.next(modeValue)
		if _, err := strconv.ParseFloat(t.Text, 64); err == nil && !t.Quoted {
			return &NumLit{At: t.Pos, Text: t.Text}
		}
		return &FieldRef{At: t.Pos, Name: t.Text, Quoted: t.Quoted}
	case Minus:
		p.next(modeValue)
	}
	p.failf(t.Pos, "expected a value, found %s", t.describe())
	return nil
}

// ---- expressions ----
//
// Dialect precedence: OR < AND < NOT < comparisons < + - < * / % < unary -.

func (p *parser) expr() Expr { return p.orExpr() }

func (p *parser) orExpr() Expr {
	l := p.andExpr()
	for {
		t := p.peek(modeExpr)
		if !(t.Kind == OrOr || isKeyword(t, "or")) {
			return l
		}
		p.next(modeExpr)
		p.dialect(t.Pos, "or", t.Text+" in an expression", "separate filters or a case { } statement")
		l = &BinaryExpr{At: t.Pos, Op: OrOr, L: l, R: p.andExpr()}
	}
}

func (p *parser) andExpr() Expr {
	l := p.notExpr()
	for {
		t := p.peek(modeExpr)
		if !(t.Kind == AndAnd || isKeyword(t, "and")) {
			return l
		}
		p.next(modeExpr)
		p.dialect(t.Pos, "and", t.Text+" in an expression", "successive filters or test() per condition")
		l = &BinaryExpr{At: t.Pos, Op: AndAnd, L: l, R: p.notExpr()}
	}
}

func (p *parser) notExpr() Expr {
	t := p.peek(modeExpr)
	if t.Kind == Bang || isKeyword(t, "not") {
		p.next(modeExpr)
		if t.Kind != Bang {
			p.dialect(t.Pos, "not", "NOT in an expression", "!")
		}
		return &UnaryExpr{At: t.Pos, Op: Bang, X: p.notExpr()}
	}
	return p.cmpExpr()
}

func (p *parser) cmpExpr() Expr {
	l := p.addExpr()
	t := p.peek(modeExpr)
	switch t.Kind {
	case EqEq, Lt, Gt, LtEq, GtEq:
		p.next(modeExpr)
		return &BinaryExpr{At: t.Pos, Op: t.Kind, L: l, R: p.addExpr()}
	case Eq, NotEq:
		fr, isField := l.(*FieldRef)
		v := p.peekN(modeValue, 2)
		p.lex.seek(p.cur) // peekN moved the lexer; the cache is keyed by offset
		rhs := v[1]
		if isField {
			switch {
			case rhs.Kind == Regex:
				p.next(modeExpr)
				p.next(modeValue)
				p.dialect(fr.At, "regextest", fr.Name+" "+t.Text+" /…/ in an expression", "regex(\"…\", field="+fr.Name+")")
				return &MatchExpr{At: fr.At, Field: fr.Name, Negate: t.Kind == NotEq, Value: Value{Kind: ValueRegex, Text: rhs.Text, Flags: rhs.Flags}}
			case rhs.Kind == Word && !rhs.Quoted && strings.EqualFold(rhs.Text, "null"):
				p.next(modeExpr)
				p.next(modeValue)
				p.dialect(fr.At, "null", fr.Name+" "+t.Text+" null", "a presence test "+fr.Name+"=*")
				return &MatchExpr{At: fr.At, Field: fr.Name, Negate: t.Kind == Eq, Value: Value{Kind: ValueAny}}
			case rhs.Kind == String || rhs.Kind == Word && t.Kind == Eq:
				p.next(modeExpr)
				p.next(modeValue)
				p.dialect(fr.At, "eqtest", fr.Name+" "+t.Text+" value in an expression", "test("+fr.Name+" == …)")
				return &MatchExpr{At: fr.At, Field: fr.Name, Negate: t.Kind == NotEq, Value: Value{Kind: ValueGlob, Text: rhs.Text, Quoted: rhs.Kind == String}}
			}
		}
		if t.Kind == NotEq {
			p.next(modeExpr)
			return &BinaryExpr{At: t.Pos, Op: NotEq, L: l, R: p.addExpr()}
		}
		p.failf(t.Pos, "expected '==' for a comparison in an expression, found '='")
	}
	return l
}

func (p *parser) addExpr() Expr {
	l := p.mulExpr()
	for {
		t := p.peek(modeExpr)
		if t.Kind != Plus && t.Kind != Minus {
			return l
		}
		p.next(modeExpr)
		l = &BinaryExpr{At: t.Pos, Op: t.Kind, L: l, R: p.mulExpr()}
	}
}

func (p *parser) mulExpr() Expr {
	l := p.unaryExpr()
	for {
		t := p.peek(modeExpr)
		if t.Kind != Star && t.Kind != Slash && t.Kind != Percent {
			return l
		}
		p.next(modeExpr)
		l = &BinaryExpr{At: t.Pos, Op: t.Kind, L: l, R: p.unaryExpr()}
	}
}

func (p *parser) unaryExpr() Expr {
	t := p.peek(modeExpr)
	if t.Kind == Minus {
		p.next(modeExpr)
		return &UnaryExpr{At: t.Pos, Op: Minus, X: p.unaryExpr()}
	}
	return p.primaryExpr()
}

func (p *parser) primaryExpr() Expr {
	p.depth++
	if p.depth > 400 {
		p.failf(p.cur, "query nested too deeply")
	}
	defer func() { p.depth-- }()
	t := p.peek(modeExpr)
	switch t.Kind {
	case Number:
		p.next(modeExpr)
		return &NumLit{At: t.Pos, Text: t.Text}
	case String:
		p.next(modeExpr)
		return &StrLit{At: t.Pos, Value: t.Text}
	case LParen:
		p.next(modeExpr)
		e := p.expr()
		p.expect(modeExpr, RParen, "')'")
		return e
	case LBrack, LBrace:
		return p.value()
	case Question:
		v, pos := p.param(modeExpr)
		return &StrLit{At: pos, Value: v}
	case Regex, Slash:
		p.failf(t.Pos, "a regex is not allowed here; compare a field with = /regex/")
	case Word:
		ts := p.peekN(modeExpr, 2)
		if ts[1].Kind == LParen && !t.Quoted {
			p.next(modeExpr)
			if isKeyword(t, "true", "false") {
				p.next(modeExpr)
				p.expect(modeExpr, RParen, "')'")
				p.dialect(t.Pos, "truefn", t.Text+"()", strings.ToLower(t.Text))
				return &BoolLit{At: t.Pos, Value: strings.EqualFold(t.Text, "true")}
			}
			return &CallExpr{Call: p.call(t)}
		}
		p.next(modeExpr)
		if !t.Quoted && (t.Text == "true" || t.Text == "false") {
			return &BoolLit{At: t.Pos, Value: t.Text == "true"}
		}
		if _, err := strconv.ParseFloat(t.Text, 64); err == nil && !t.Quoted {
			return &NumLit{At: t.Pos, Text: t.Text}
		}
		return &FieldRef{At: t.Pos, Name: t.Text, Quoted: t.Quoted}
	}
	p.failf(t.Pos, "expected an expression, found %s", t.describe())
	return nil
}
