package translate

import (
	"regexp"
	"strings"
)

// EQL writes Elastic EQL over ECS process events. `:` compares
// case-insensitively with * wildcards, `regex~` is the case-insensitive
// regex; EQL has no computed fields, so the suspicion level is lost, and
// no projection (the API's filter_path selects fields).
func EQL(d *Detection, m Meta) (string, error) {
	if d.Event != "ProcessRollup2" {
		return "", unsupported("#event_simpleName=%q to EQL (process starts only)", d.Event)
	}
	w := eqlWriter{}
	var notes []string
	if len(d.Evals) > 0 {
		var names []string
		for _, e := range d.Evals {
			names = append(names, e.Name)
		}
		notes = append(notes, "EQL cannot compute fields: "+strings.Join(names, ", ")+" are not part of this query")
	}
	var b strings.Builder
	b.WriteString(header("//", m, notes))
	b.WriteString("process where event.type == \"start\"")
	if d.Cond != nil {
		c, err := writeCond(w, d.Cond, 1)
		if err != nil {
			return "", err
		}
		b.WriteString(" and\n  " + c)
	}
	b.WriteString("\n")
	if d.Limit > 0 {
		if d.Desc {
			b.WriteString("| tail " + itoa(d.Limit) + "\n")
		} else {
			b.WriteString("| head " + itoa(d.Limit) + "\n")
		}
	}
	return b.String(), nil
}

type eqlWriter struct{}

func eqlName(f string) string {
	if regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_.]*$`).MatchString(f) {
		return f
	}
	return "`" + f + "`"
}

func (eqlWriter) field(n string) string { return eqlName(ecsFields.get(n)) }
func (eqlWriter) and() string           { return "and" }
func (eqlWriter) or() string            { return "or" }
func (eqlWriter) not(x string) string   { return "not " + x }
func (eqlWriter) str(s string) string   { return dq(s) }
func (eqlWriter) boolean(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
func (eqlWriter) eq(l, r string, neg bool) string {
	if neg {
		return l + " != " + r
	}
	return l + " == " + r
}
func (eqlWriter) ifThen(c, t, f string) string  { return "" }
func (eqlWriter) caseOf(cs, vs []string) string { return "" }

// wildEscape escapes EQL wildcard-string metacharacters.
func wildEscape(s string) string {
	return strings.NewReplacer(`*`, `\*`, `?`, `\?`).Replace(s)
}

func (w eqlWriter) leaf(l *Leaf) (string, error) {
	f := w.field(l.Field)
	var qs []string
	switch l.Kind {
	case Present:
		return f + " != null", nil
	case Exact, Prefix, Suffix, Contains:
		for _, v := range l.Values {
			v = wildEscape(v)
			switch l.Kind {
			case Prefix:
				v += "*"
			case Suffix:
				v = "*" + v
			case Contains:
				v = "*" + v + "*"
			}
			qs = append(qs, dq(v))
		}
		op := " : "
		if !l.Fold {
			op = " like "
		}
		if len(qs) == 1 {
			return f + op + qs[0], nil
		}
		return f + op + "(" + strings.Join(qs, ", ") + ")", nil
	case Regex:
		re, fold, err := regexTree(l)
		if err != nil {
			return "", err
		}
		p, err := lucene(re, false)
		if err != nil {
			return "", err
		}
		op := " regex "
		if fold {
			op = " regex~ "
		}
		return f + op + dq(p), nil
	case Compare:
		return f + " " + l.Op + " " + l.Values[0], nil
	case Cidr:
		for _, v := range l.Values {
			qs = append(qs, dq(v))
		}
		return "cidrMatch(" + f + ", " + strings.Join(qs, ", ") + ")", nil
	case FieldEq:
		return f + " == " + w.field(l.Values[0]), nil
	}
	return "", unsupported("a %s test in EQL", l.Kind)
}

func (w eqlWriter) notLeaf(l *Leaf) (string, error) {
	if l.Kind == Present {
		return w.field(l.Field) + " == null", nil
	}
	s, err := w.leaf(l)
	if err != nil {
		return "", err
	}
	return "(" + w.field(l.Field) + " == null or not " + s + ")", nil
}
