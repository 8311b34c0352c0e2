package translate

import (
	"fmt"
	"regexp/syntax"
	"strings"

	"github.com/lanner-dev/lanner/cql"
)

// Targets lists the languages Translate writes.
var Targets = []string{"logscale", "sigma", "spl", "kql", "esql", "eql"}

// KQLVariants are the data models --to kql writes for.
var KQLVariants = []string{"defender", "sentinel-security", "sentinel-sysmon"}

// Options tune a translation.
type Options struct {
	// Variant picks the data model of a target (kql: defender,
	// sentinel-security, sentinel-sysmon).
	Variant string
}

// Translate writes the query in the target language. logscale prints the
// whole query as canonical CQL; the others translate the query in the
// intermediate form (the alerting part and its presentation), sigma the
// alerting part only.
func Translate(q *cql.Query, target string, m Meta, opts Options) (string, error) {
	if target == "logscale" {
		lq, err := Logscale(q)
		if err != nil {
			return "", err
		}
		return lq.String() + "\n", nil
	}
	d, err := FromQuery(q)
	if err != nil {
		return "", err
	}
	switch target {
	case "sigma":
		return Sigma(d, m)
	case "spl":
		return SPL(d, m)
	case "kql":
		return KQL(d, m, opts.Variant)
	case "esql":
		return ESQL(d, m)
	case "eql":
		return EQL(d, m)
	}
	return "", fmt.Errorf("unknown target %q (targets: %s)", target, strings.Join(Targets, ", "))
}

// fieldMap maps Falcon field names onto a target's data model. A name it
// does not know passes through unchanged.
type fieldMap map[string]string

func (m fieldMap) get(f string) string {
	if v, ok := m[f]; ok {
		return v
	}
	return f
}

// regexFold reports whether a leaf's regex is case-insensitive, and its
// pattern without a leading (?i).
func regexParts(l *Leaf) (pattern string, fold bool) {
	p := l.Pattern
	fold = l.Fold
	for {
		switch {
		case strings.HasPrefix(p, "(?i)"):
			p, fold = p[4:], true
			continue
		case strings.HasPrefix(p, "(?s)"):
			p = p[4:]
			continue
		}
		break
	}
	return p, fold
}

// goRegex is the leaf's regex with its flags inline, as RE2 and PCRE take
// them.
func goRegex(l *Leaf) string {
	p, fold := regexParts(l)
	flags := ""
	if fold {
		flags += "i"
	}
	if l.Dotall {
		flags += "s"
	}
	if l.Multiline {
		flags += "m"
	}
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	return p
}

// regexTree parses a leaf's regex.
func regexTree(l *Leaf) (*syntax.Regexp, bool, error) {
	p, fold := regexParts(l)
	pf := syntax.Perl
	if fold {
		pf |= syntax.FoldCase
	}
	if l.Dotall {
		pf |= syntax.DotNL
	}
	if l.Multiline {
		pf &^= syntax.OneLine
	}
	re, err := syntax.Parse(p, pf)
	if err != nil {
		return nil, fold, err
	}
	return re.Simplify(), fold, nil
}

// dq writes a double-quoted string with backslash escapes (SPL, KQL, ES|QL
// and EQL all read these).
func dq(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// header is a comment block naming the rule and what the target loses.
func header(prefix string, m Meta, notes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", prefix, m.ID, m.Title)
	fmt.Fprintf(&b, "%s translated by lanner from the rule's CQL\n", prefix)
	for _, n := range notes {
		fmt.Fprintf(&b, "%s note: %s\n", prefix, n)
	}
	return b.String()
}

// exprWriter writes conditions and computed values for one target.
type exprWriter interface {
	leaf(l *Leaf) (string, error)
	and() string
	or() string
	not(x string) string
	eq(l, r string, neg bool) string
	str(s string) string
	boolean(v bool) string
	ifThen(c, t, f string) string
	caseOf(conds, vals []string) string
	field(name string) string
	notLeaf(l *Leaf) (string, error)
}

func writeCond(w exprWriter, n Node, prec int) (string, error) {
	switch x := n.(type) {
	case *And:
		l, err := writeCond(w, x.L, 1)
		if err != nil {
			return "", err
		}
		r, err := writeCond(w, x.R, 1)
		if err != nil {
			return "", err
		}
		s := l + " " + w.and() + " " + r
		if prec > 1 {
			s = "(" + s + ")"
		}
		return s, nil
	case *Or:
		l, err := writeCond(w, x.L, 0)
		if err != nil {
			return "", err
		}
		r, err := writeCond(w, x.R, 0)
		if err != nil {
			return "", err
		}
		s := l + " " + w.or() + " " + r
		if prec > 0 {
			s = "(" + s + ")"
		}
		return s, nil
	case *Not:
		if l, ok := x.X.(*Leaf); ok {
			// a missing field passes a negated test, as in LogScale
			return w.notLeaf(l)
		}
		s, err := writeCond(w, x.X, 2)
		if err != nil {
			return "", err
		}
		return w.not(s), nil
	case exprNode:
		return writeExpr(w, x.e, prec)
	case *Leaf:
		s, err := w.leaf(x)
		if err != nil {
			return "", err
		}
		if prec > 1 && strings.ContainsAny(s, " ") && !strings.HasPrefix(s, "(") {
			s = "(" + s + ")"
		}
		return s, nil
	}
	return "", unsupported("a condition node %T", n)
}

func writeExpr(w exprWriter, e Expr, prec int) (string, error) {
	switch x := e.(type) {
	case *Str:
		return w.str(x.V), nil
	case *Bool:
		return w.boolean(x.V), nil
	case *FieldRef:
		return w.field(x.Name), nil
	case *Test:
		return writeCond(w, x.Cond, prec)
	case *Eq:
		// a computed "true"/"false" flag compared with a string
		l, err := writeExpr(w, x.L, 3)
		if err != nil {
			return "", err
		}
		r, err := writeExpr(w, x.R, 3)
		if err != nil {
			return "", err
		}
		return w.eq(l, r, x.Neg), nil
	case *AndE:
		return writeCond(w, &And{exprNode{x.L}, exprNode{x.R}}, prec)
	case *OrE:
		return writeCond(w, &Or{exprNode{x.L}, exprNode{x.R}}, prec)
	case *NotE:
		s, err := writeExpr(w, x.X, 2)
		if err != nil {
			return "", err
		}
		return w.not(s), nil
	case *If:
		c, err := writeExpr(w, x.C, 0)
		if err != nil {
			return "", err
		}
		t, err := writeExpr(w, x.T, 0)
		if err != nil {
			return "", err
		}
		f, err := writeExpr(w, x.F, 0)
		if err != nil {
			return "", err
		}
		return w.ifThen(c, t, f), nil
	case *Case:
		var cs, vs []string
		for i := range x.Conds {
			c, err := writeExpr(w, x.Conds[i], 0)
			if err != nil {
				return "", err
			}
			v, err := writeExpr(w, x.Vals[i], 0)
			if err != nil {
				return "", err
			}
			cs = append(cs, c)
			vs = append(vs, v)
		}
		return w.caseOf(cs, vs), nil
	}
	return "", unsupported("an expression %T", e)
}

// exprNode lets boolean expressions reuse the condition writer.
type exprNode struct{ e Expr }
