package cql

import (
	"strings"
)

// String prints the query as canonical CQL, one stage per line.
func (q *Query) String() string { return printStages(q.Stages, "\n| ") }

func printStages(stages []Stage, sep string) string {
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = s.String()
	}
	return strings.Join(parts, sep)
}

func (s *FilterStage) String() string { return s.Filter.String() }
func (s *AssignStage) String() string { return fieldName(s.Field) + " := " + s.Value.String() }
func (s *CallStage) String() string   { return s.Call.String() }

func (s *CaseStage) String() string {
	var b strings.Builder
	b.WriteString("case { ")
	for i, br := range s.Branches {
		if i > 0 {
			b.WriteString(" ; ")
		}
		b.WriteString(printStages(br, " | "))
	}
	b.WriteString(" }")
	return b.String()
}

func (s *MatchStage) String() string {
	var b strings.Builder
	b.WriteString(fieldName(s.Field))
	b.WriteString(" match { ")
	for i, a := range s.Arms {
		if i > 0 {
			b.WriteString(" ; ")
		}
		switch a.Guard.Kind {
		case GuardAny:
			b.WriteString("*")
		case GuardCall:
			if a.Guard.Call.Negated {
				b.WriteString("!")
			}
			b.WriteString(a.Guard.Call.String())
		default:
			if a.Guard.Value.Kind == ValueAny {
				b.WriteString("**")
			} else {
				b.WriteString(a.Guard.Value.String())
			}
		}
		b.WriteString(" => ")
		b.WriteString(printStages(a.Body, " | "))
	}
	b.WriteString(" }")
	return b.String()
}

// String prints a filter value.
func (v Value) String() string {
	switch v.Kind {
	case ValueAny:
		return "*"
	case ValueRegex:
		return regexText(v.Text, v.Flags)
	}
	if !v.Quoted && safeBare(v.Text, modeFilter) && !strings.EqualFold(v.Text, "null") {
		return v.Text
	}
	return quote(v.Text)
}

func regexText(pat, flags string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			b.WriteByte(c)
			b.WriteByte(pat[i+1])
			i++
			continue
		}
		if c == '/' {
			b.WriteString(`\/`)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('/')
	b.WriteString(flags)
	return b.String()
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// safeBare reports whether s re-lexes as one bare word in mode m.
func safeBare(s string, m mode) bool {
	if s == "" || s[0] == '/' || s[0] == '`' || s[0] == '$' || s[0] == '?' || s[0] == '~' {
		return false
	}
	if strings.Contains(s, "//") || strings.Contains(s, "/*") || strings.Contains(s, ":=") || strings.HasSuffix(s, "\\") || strings.HasSuffix(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i], m) || s[i] == '\\' && m == modeExpr {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "and", "or", "not", "match", "case":
		return false
	}
	return true
}

func fieldName(s string) string {
	if safeBare(s, modeExpr) && !isNumber(s) {
		return s
	}
	return quote(s)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	_, ok := ParseNumber(s)
	return ok
}

func opText(k Kind) string {
	switch k {
	case Eq:
		return "="
	case NotEq:
		return "!="
	case Lt:
		return "<"
	case Gt:
		return ">"
	case LtEq:
		return "<="
	case GtEq:
		return ">="
	case EqEq:
		return "=="
	case Plus:
		return "+"
	case Minus:
		return "-"
	case Star:
		return "*"
	case Slash:
		return "/"
	case Percent:
		return "%"
	case AndAnd:
		return "AND"
	case OrOr:
		return "OR"
	case Bang:
		return "!"
	}
	return k.String()
}

func (f *FieldFilter) String() string {
	return fieldName(f.Field) + opText(f.Op) + f.Value.String()
}

// stageWords start dialect or statement forms when they begin a stage.
var stageWords = map[string]bool{"fields": true, "eval": true, "limit": true, "head": true, "tail": true, "sort": true, "case": true, "match": true}

func (f *FreeText) String() string {
	if !f.Quoted && safeBare(f.Text, modeFilter) && !strings.ContainsAny(f.Text, "*") && !stageWords[strings.ToLower(f.Text)] {
		return f.Text
	}
	return quote(f.Text)
}

func (f *RegexFilter) String() string { return regexText(f.Pattern, f.Flags) }

// Filter precedence for printing: primary 3, not 2, and/or 1, juxtaposition 0.
func filterLevel(f Filter) int {
	switch x := f.(type) {
	case *AndFilter:
		if x.Implicit {
			return 0
		}
		return 1
	case *OrFilter:
		return 1
	case *NotFilter:
		return 2
	}
	return 3
}

func wrapFilter(f Filter, min int) string {
	if filterLevel(f) < min {
		return "(" + f.String() + ")"
	}
	return f.String()
}

func (f *AndFilter) String() string {
	if f.Implicit {
		return wrapFilter(f.L, 0) + " " + wrapFilter(f.R, 1)
	}
	return wrapFilter(f.L, 2) + " and " + wrapFilter(f.R, 1)
}

func (f *OrFilter) String() string { return wrapFilter(f.L, 2) + " or " + wrapFilter(f.R, 1) }

func (f *NotFilter) String() string {
	// `not` before a function call reads naturally as `!fn(...)`.
	return "not " + wrapFilter(f.X, 2)
}

func (f *CallFilter) String() string { return f.Call.String() }
func (f *AnyFilter) String() string  { return "*" }

// ---- expressions ----

func exprLevel(e Expr) int {
	switch x := e.(type) {
	case *BinaryExpr:
		switch x.Op {
		case OrOr:
			return 1
		case AndAnd:
			return 2
		case EqEq, NotEq, Lt, Gt, LtEq, GtEq:
			return 4
		case Plus, Minus:
			return 5
		default:
			return 6
		}
	case *UnaryExpr:
		if x.Op == Bang {
			return 3
		}
		return 7
	case *MatchExpr:
		return 4
	}
	return 8
}

func wrapExpr(e Expr, min int) string {
	if exprLevel(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (e *FieldRef) String() string {
	if e.Quoted || !safeBare(e.Name, modeExpr) && !strings.Contains(e.Name, "`") {
		return "`" + e.Name + "`"
	}
	return e.Name
}

func (e *StrLit) String() string   { return quote(e.Value) }
func (e *NumLit) String() string   { return e.Text }
func (e *RegexLit) String() string { return regexText(e.Pattern, e.Flags) }

func (e *BoolLit) String() string {
	if e.Value {
		return "true"
	}
	return "false"
}

func (e *UnaryExpr) String() string {
	if e.Op == Bang {
		// `!` binds looser than comparisons; parentheses make that visible.
		return "!" + wrapExpr(e.X, 8)
	}
	return "-" + wrapExpr(e.X, 7)
}

func (e *BinaryExpr) String() string {
	lv := exprLevel(e)
	l, r := lv, lv+1
	if lv == 4 { // comparisons do not chain
		l = 5
	}
	sep := " " + opText(e.Op) + " "
	return wrapExpr(e.L, l) + sep + wrapExpr(e.R, r)
}

// exprFieldName prints a field name where an expression reads it: bare, or
// in backticks (a quoted token would be a string there).
func exprFieldName(s string) string {
	if safeBare(s, modeExpr) && !isNumber(s) || strings.Contains(s, "`") {
		return s
	}
	return "`" + s + "`"
}

func (e *MatchExpr) String() string {
	if e.Value.Kind == ValueAny {
		// presence tests come from `F != null` / `F = null`
		if e.Negate {
			return exprFieldName(e.Field) + " = null"
		}
		return exprFieldName(e.Field) + " != null"
	}
	op := " = "
	if e.Negate {
		op = " != "
	}
	v := e.Value
	if v.Kind == ValueGlob {
		return exprFieldName(e.Field) + op + quoteOrBare(v)
	}
	return exprFieldName(e.Field) + op + v.String()
}

func quoteOrBare(v Value) string {
	if !v.Quoted && safeBare(v.Text, modeExpr) && !isNumber(v.Text) {
		return v.Text
	}
	if !v.Quoted && isNumber(v.Text) {
		return v.Text
	}
	return quote(v.Text)
}

func (e *CallExpr) String() string { return e.Call.String() }

func (e *ArrayExpr) String() string {
	parts := make([]string, len(e.Elems))
	for i, x := range e.Elems {
		parts[i] = valueString(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (e *SubqueryExpr) String() string { return "{" + printStages(e.Stages, " | ") + "}" }

// valueString prints an argument value (bare words stay bare when safe).
func valueString(e Expr) string {
	if f, ok := e.(*FieldRef); ok && !f.Quoted {
		if safeBare(f.Name, modeValue) {
			return f.Name
		}
		return quote(f.Name)
	}
	return e.String()
}

func (c *Call) String() string {
	var b strings.Builder
	if c.Negated {
		b.WriteByte('!')
	}
	if strings.HasPrefix(c.Name, "$") && !safeBare(c.Name[1:], modeValue) {
		b.WriteString("$" + quote(c.Name[1:]))
	} else {
		b.WriteString(c.Name)
	}
	b.WriteByte('(')
	spec := Lookup(c.Name)
	n := 0
	write := func(a Arg) {
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		if a.Name != "" {
			b.WriteString(a.Name)
			b.WriteByte('=')
		}
		if spec != nil && (spec.IsExpr(a.Name) || a.Name == "" && (spec.IsExpr(spec.Positional) || spec.Name == "case")) {
			b.WriteString(a.Value.String())
		} else {
			b.WriteString(valueString(a.Value))
		}
	}
	for _, a := range c.Args { // the unnamed argument first
		if a.Name == "" {
			write(a)
		}
	}
	for _, a := range c.Args {
		if a.Name != "" {
			write(a)
		}
	}
	b.WriteByte(')')
	return b.String()
}
