package translate

import (
	"regexp"
	"strings"
)

// SPL writes Splunk SPL for CrowdStrike FDR data indexed with the Falcon
// field names (the CrowdStrike add-on keeps them): the base search selects
// the event type, and every field test is an eval predicate in `where`
// (match() with (?i) and anchors), so that case-insensitivity and
// anchoring are exactly the rule's; `search field=value` would be
// case-insensitive but neither anchored for regexes nor exact for
// wildcards.
func SPL(d *Detection, m Meta) (string, error) {
	w := splWriter{}
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(header("```", m, nil), "\n", " ```\n"))
	b.WriteString("index=*")
	if d.Event != "" {
		// Falcon events (the CrowdStrike add-on keeps the Falcon names);
		// other queries read whatever index holds their fields
		b.WriteString(" sourcetype=crowdstrike:events:sensor event_simpleName=" + dq(d.Event))
	}
	b.WriteString("\n")
	if d.Cond != nil {
		c, err := writeCond(w, d.Cond, 0)
		if err != nil {
			return "", err
		}
		b.WriteString("| where " + c + "\n")
	}
	for _, e := range d.Evals {
		v, err := writeExpr(w, e.Value, 0)
		if err != nil {
			return "", err
		}
		b.WriteString("| eval " + splField(e.Name) + "=" + v + "\n")
	}
	if len(d.Fields) > 0 {
		var fs []string
		for _, f := range d.Fields {
			fs = append(fs, splField(f))
		}
		b.WriteString("| table " + strings.Join(fs, ", ") + "\n")
	}
	if d.Sort != "" {
		dir := "+"
		if d.Desc {
			dir = "-"
		}
		b.WriteString("| sort " + itoa(d.Limit) + " " + dir + splField(d.Sort) + "\n")
	} else if d.Limit > 0 {
		b.WriteString("| head " + itoa(d.Limit) + "\n")
	}
	return b.String(), nil
}

type splWriter struct{}

func splField(f string) string {
	if f == "#event_simpleName" {
		return "event_simpleName"
	}
	if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(f) {
		return f
	}
	return "'" + strings.ReplaceAll(f, "'", "''") + "'"
}

func (splWriter) field(n string) string { return splField(n) }
func (splWriter) and() string           { return "AND" }
func (splWriter) or() string            { return "OR" }
func (splWriter) not(x string) string   { return "NOT " + x }
func (splWriter) str(s string) string   { return dq(s) }
func (splWriter) boolean(v bool) string {
	if v {
		return "true()"
	}
	return "false()"
}
func (splWriter) eq(l, r string, neg bool) string {
	if neg {
		return l + "!=" + r
	}
	return l + "==" + r
}
func (splWriter) ifThen(c, t, f string) string { return "if(" + c + ", " + t + ", " + f + ")" }
func (splWriter) caseOf(cs, vs []string) string {
	var parts []string
	for i := range cs {
		parts = append(parts, cs[i], vs[i])
	}
	return "case(" + strings.Join(parts, ", ") + ")"
}

// leafRegex renders any string leaf as an RE2/PCRE regex.
func leafRegex(l *Leaf) string {
	if l.Kind == Regex || l.Kind == Keyword && l.Pattern != "" {
		return goRegex(l)
	}
	var alts []string
	for _, v := range l.Values {
		alts = append(alts, regexp.QuoteMeta(v))
	}
	body := strings.Join(alts, "|")
	if len(alts) > 1 {
		body = "(?:" + body + ")"
	}
	switch l.Kind {
	case Exact:
		body = "^" + body + "$"
	case Prefix:
		body = "^" + body
	case Suffix:
		body += "$"
	}
	if l.Fold {
		body = "(?i)" + body
	}
	return body
}

func (w splWriter) leaf(l *Leaf) (string, error) {
	f := splField(l.Field)
	switch l.Kind {
	case Present:
		return "isnotnull(" + f + ")", nil
	case Exact, Prefix, Suffix, Contains, Regex:
		if l.Kind == Exact && !l.Fold && len(l.Values) == 1 {
			return f + "==" + dq(l.Values[0]), nil
		}
		return "match(" + f + ", " + dq(leafRegex(l)) + ")", nil
	case Keyword:
		return "match(_raw, " + dq(leafRegex(l)) + ")", nil
	case Compare:
		return "tonumber(" + f + ")" + l.Op + l.Values[0], nil
	case Cidr:
		var alts []string
		for _, n := range l.Values {
			alts = append(alts, "cidrmatch("+dq(n)+", "+f+")")
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return "(" + strings.Join(alts, " OR ") + ")", nil
	case FieldEq:
		return f + "==" + splField(l.Values[0]), nil
	}
	return "", unsupported("a %s test in SPL", l.Kind)
}

// notLeaf keeps LogScale's rule that a missing field passes a negated
// test: SPL's NOT of a null is null, which where drops.
func (w splWriter) notLeaf(l *Leaf) (string, error) {
	s, err := w.leaf(l)
	if err != nil {
		return "", err
	}
	if l.Kind == Present {
		return "isnull(" + splField(l.Field) + ")", nil
	}
	if l.Kind == Keyword {
		return "NOT " + s, nil
	}
	return "(isnull(" + splField(l.Field) + ") OR NOT " + s + ")", nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
