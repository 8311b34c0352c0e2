package translate

import (
	"regexp"
	"strings"
)

// ecsFields are the Elastic Common Schema names of Falcon fields.
var ecsFields = fieldMap{
	"FileName": "process.name", "ParentBaseFileName": "process.parent.name", "CommandLine": "process.command_line",
	"ParentCommandLine": "process.parent.command_line", "ImageFileName": "process.executable", "ComputerName": "host.name",
	"UserName": "user.name", "timestamp": "@timestamp", "@timestamp": "@timestamp", "RawProcessId": "process.pid",
	"SHA256HashData": "process.hash.sha256", "MD5HashData": "process.hash.md5", "UserSid": "user.id",
	"TargetProcessId": "process.entity_id", "ParentProcessId": "process.parent.entity_id",
}

// ESQL writes Elastic ES|QL over ECS process events. ES|QL's string
// comparisons, LIKE and RLIKE are case-sensitive, so case-insensitive
// tests compare TO_LOWER(field) with lower-cased literals (RLIKE patterns
// lower-cased too); TO_LOWER is Unicode lower-casing, close to but not
// the same as the case folding of the rule (docs/translate.md).
func ESQL(d *Detection, m Meta) (string, error) {
	if d.Event != "ProcessRollup2" {
		return "", unsupported("#event_simpleName=%q to ES|QL (process starts only)", d.Event)
	}
	w := esqlWriter{}
	var b strings.Builder
	b.WriteString(header("//", m, []string{"case-insensitive tests compare TO_LOWER(field) with lower-case literals"}))
	b.WriteString("FROM logs-*\n| WHERE event.category == \"process\" AND event.type == \"start\"\n")
	if d.Cond != nil {
		c, err := writeCond(w, d.Cond, 0)
		if err != nil {
			return "", err
		}
		b.WriteString("| WHERE " + c + "\n")
	}
	for _, e := range d.Evals {
		v, err := writeExpr(w, e.Value, 0)
		if err != nil {
			return "", err
		}
		b.WriteString("| EVAL " + esqlName(e.Name) + " = " + v + "\n")
	}
	if len(d.Fields) > 0 {
		var fs []string
		for _, f := range d.Fields {
			fs = append(fs, w.field(f))
		}
		b.WriteString("| KEEP " + strings.Join(fs, ", ") + "\n")
	}
	if d.Sort != "" {
		dir := "ASC"
		if d.Desc {
			dir = "DESC"
		}
		b.WriteString("| SORT " + w.field(d.Sort) + " " + dir + "\n")
	}
	if d.Limit > 0 {
		b.WriteString("| LIMIT " + itoa(d.Limit) + "\n")
	}
	return b.String(), nil
}

type esqlWriter struct{}

func esqlName(f string) string {
	if regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_.]*$`).MatchString(f) {
		return f
	}
	return "`" + strings.ReplaceAll(f, "`", "``") + "`"
}

func (esqlWriter) field(n string) string { return esqlName(ecsFields.get(n)) }
func (esqlWriter) and() string           { return "AND" }
func (esqlWriter) or() string            { return "OR" }
func (esqlWriter) not(x string) string   { return "NOT " + x }
func (esqlWriter) str(s string) string   { return dq(s) }
func (esqlWriter) boolean(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
func (esqlWriter) eq(l, r string, neg bool) string {
	if neg {
		return l + " != " + r
	}
	return l + " == " + r
}
func (esqlWriter) ifThen(c, t, f string) string { return "CASE(" + c + ", " + t + ", " + f + ")" }
func (esqlWriter) caseOf(cs, vs []string) string {
	var parts []string
	def := ""
	for i := range cs {
		if cs[i] == "true" && i == len(cs)-1 {
			def = vs[i]
			break
		}
		parts = append(parts, cs[i], vs[i])
	}
	if def != "" {
		parts = append(parts, def)
	}
	return "CASE(" + strings.Join(parts, ", ") + ")"
}

// likeEscape escapes LIKE's wildcards and backslash.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(s)
}

func (w esqlWriter) leaf(l *Leaf) (string, error) {
	f := w.field(l.Field)
	target := f
	lit := func(s string) string { return s }
	if l.Fold {
		target = "TO_LOWER(" + f + ")"
		lit = strings.ToLower
	}
	var alts []string
	switch l.Kind {
	case Present:
		return f + " IS NOT NULL", nil
	case Exact:
		var qs []string
		for _, v := range l.Values {
			qs = append(qs, dq(lit(v)))
		}
		if len(qs) == 1 {
			return target + " == " + qs[0], nil
		}
		return target + " IN (" + strings.Join(qs, ", ") + ")", nil
	case Prefix, Suffix, Contains:
		for _, v := range l.Values {
			switch l.Kind {
			case Prefix:
				alts = append(alts, "STARTS_WITH("+target+", "+dq(lit(v))+")")
			case Suffix:
				alts = append(alts, "ENDS_WITH("+target+", "+dq(lit(v))+")")
			default:
				alts = append(alts, target+" LIKE "+dq("*"+likeEscape(lit(v))+"*"))
			}
		}
	case Regex:
		re, fold, err := regexTree(l)
		if err != nil {
			return "", err
		}
		if fold {
			target = "TO_LOWER(" + f + ")"
		}
		p, err := lucene(re, fold)
		if err != nil {
			return "", err
		}
		return target + " RLIKE " + dq(p), nil
	case Compare:
		return "TO_DOUBLE(" + f + ") " + l.Op + " " + l.Values[0], nil
	case Cidr:
		var qs []string
		for _, v := range l.Values {
			qs = append(qs, dq(v))
		}
		return "CIDR_MATCH(TO_IP(" + f + "), " + strings.Join(qs, ", ") + ")", nil
	case FieldEq:
		return f + " == " + w.field(l.Values[0]), nil
	default:
		return "", unsupported("a %s test in ES|QL", l.Kind)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return "(" + strings.Join(alts, " OR ") + ")", nil
}

// notLeaf: NOT of a null is null and drops the row; a missing field must
// pass a negated test.
func (w esqlWriter) notLeaf(l *Leaf) (string, error) {
	if l.Kind == Present {
		return w.field(l.Field) + " IS NULL", nil
	}
	s, err := w.leaf(l)
	if err != nil {
		return "", err
	}
	return "(" + w.field(l.Field) + " IS NULL OR NOT " + s + ")", nil
}
