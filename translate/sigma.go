package translate

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// Sigma writes the detection as a Sigma rule (specification v2). The
// logsource comes from the event type (ProcessRollup2 is Windows
// process_creation); Falcon names map to Sigma's: FileName equal to a name
// becomes Image|endswith '\name', ParentBaseFileName ParentImage, and
// ImageFileName Image (lanner's Sigma front-end maps them back). Computed
// fields (the suspicion level) and the presentation have no Sigma form and
// are left out; the rule's description says so.
func Sigma(d *Detection, m Meta) (string, error) {
	if d.Event != "ProcessRollup2" {
		if d.Event == "" {
			return "", unsupported("a rule without #event_simpleName to Sigma (no logsource)")
		}
		return "", unsupported("#event_simpleName=%s to Sigma (only ProcessRollup2, Windows process_creation, is mapped)", d.Event)
	}
	if d.Cond == nil {
		return "", unsupported("a rule without a condition to Sigma")
	}
	sx := &sigmaWriter{used: map[string]int{}}
	cond := sx.cond(d.Cond, 0)
	var det yaml.MapSlice
	for _, id := range sx.idents {
		det = append(det, yaml.MapItem{Key: id.name, Value: id.value})
	}
	det = append(det, yaml.MapItem{Key: "condition", Value: cond})

	desc := strings.TrimSpace(m.Description)
	var lost []string
	for _, e := range d.Evals {
		lost = append(lost, e.Name)
	}
	if len(lost) > 0 {
		desc += "\n\nExported by lanner from the LogScale rule " + m.ID + ". Sigma cannot compute fields: " +
			strings.Join(lost, ", ") + " (the suspicion level and its inputs) are not part of this rule; every event it matches is an alert at the rule's level."
	}
	doc := yaml.MapSlice{
		{Key: "title", Value: m.Title},
		{Key: "id", Value: uuidFrom("lanner/" + m.ID)},
	}
	if m.Status != "" {
		doc = append(doc, yaml.MapItem{Key: "status", Value: sigmaStatus(m.Status)})
	}
	doc = append(doc, yaml.MapItem{Key: "description", Value: desc})
	if len(m.References) > 0 {
		doc = append(doc, yaml.MapItem{Key: "references", Value: m.References})
	}
	author := m.Author
	if author == "" {
		author = "lanner (exported from rule " + m.ID + ")"
	}
	doc = append(doc, yaml.MapItem{Key: "author", Value: author})
	if len(m.Tags) > 0 {
		doc = append(doc, yaml.MapItem{Key: "tags", Value: m.Tags})
	}
	doc = append(doc,
		yaml.MapItem{Key: "logsource", Value: yaml.MapSlice{{Key: "category", Value: "process_creation"}, {Key: "product", Value: "windows"}}},
		yaml.MapItem{Key: "detection", Value: det},
	)
	if len(d.Fields) > 0 {
		var fs []string
		for _, f := range d.Fields {
			found := false
			for _, e := range d.Evals {
				found = found || e.Name == f
			}
			if !found {
				fs = append(fs, sigmaField(f))
			}
		}
		doc = append(doc, yaml.MapItem{Key: "fields", Value: fs})
	}
	if len(m.FalsePositives) > 0 {
		doc = append(doc, yaml.MapItem{Key: "falsepositives", Value: m.FalsePositives})
	}
	if m.Level != "" {
		doc = append(doc, yaml.MapItem{Key: "level", Value: strings.ToLower(m.Level)})
	}
	out, err := yaml.MarshalWithOptions(doc, yaml.UseLiteralStyleIfMultiline(true), yaml.Indent(4), yaml.IndentSequence(true))
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func sigmaStatus(s string) string {
	switch strings.ToLower(s) {
	case "stable", "test", "experimental", "deprecated", "unsupported":
		return strings.ToLower(s)
	}
	return "experimental"
}

// uuidFrom derives a stable UUID (version 4 layout) from a name.
func uuidFrom(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// sigmaField is the Sigma (Sysmon) name of a Falcon field.
func sigmaField(f string) string {
	switch f {
	case "ImageFileName":
		return "Image"
	case "ComputerName":
		return "Computer"
	case "UserName":
		return "User"
	case "RawProcessId":
		return "ProcessId"
	}
	return f
}

type sigmaIdent struct {
	name  string
	value any
}

type sigmaWriter struct {
	idents []sigmaIdent
	used   map[string]int
}

func (w *sigmaWriter) ident(field string, value any) string {
	base := "selection"
	if field != "" {
		base += "_" + strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, field))
	} else {
		base = "keywords"
	}
	w.used[base]++
	name := base
	if n := w.used[base]; n > 1 {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	w.idents = append(w.idents, sigmaIdent{name, value})
	return name
}

// cond writes the condition; prec: 0 or, 1 and, 2 not.
func (w *sigmaWriter) cond(n Node, prec int) string {
	switch x := n.(type) {
	case *And:
		s := w.cond(x.L, 1) + " and " + w.cond(x.R, 1)
		if prec > 1 {
			return "(" + s + ")"
		}
		return s
	case *Or:
		s := w.cond(x.L, 0) + " or " + w.cond(x.R, 0)
		if prec > 0 {
			return "(" + s + ")"
		}
		return s
	case *Not:
		return "not " + w.cond(x.X, 2)
	case *Leaf:
		return w.leaf(x)
	}
	return "?"
}

func (w *sigmaWriter) leaf(l *Leaf) string {
	field := sigmaField(l.Field)
	var mods []string
	var vals []string
	esc := func(s string) string { return sigmaEscape(s) }
	switch l.Kind {
	case Present:
		return w.ident(field, yaml.MapSlice{{Key: field + "|exists", Value: true}})
	case Exact, Prefix, Suffix, Contains:
		for _, v := range l.Values {
			vals = append(vals, esc(v))
		}
		switch {
		case l.Kind == Exact && (l.Field == "FileName" || l.Field == "ParentBaseFileName") && noSeparators(l.Values):
			field = map[string]string{"FileName": "Image", "ParentBaseFileName": "ParentImage"}[l.Field]
			mods = append(mods, "endswith")
			for i := range vals {
				if strings.HasPrefix(vals[i], `\`) {
					vals[i] = `\\` + vals[i]
				} else {
					vals[i] = `\` + vals[i]
				}
			}
		case l.Kind == Prefix:
			mods = append(mods, "startswith")
		case l.Kind == Suffix:
			mods = append(mods, "endswith")
		case l.Kind == Contains:
			mods = append(mods, "contains")
		}
		if !l.Fold {
			mods = append(mods, "cased")
		}
	case Regex:
		mods = append(mods, "re")
		p := l.Pattern
		if l.Fold && !strings.HasPrefix(p, "(?i") {
			mods = append(mods, "i")
		}
		if l.Dotall {
			mods = append(mods, "s")
		}
		if l.Multiline {
			mods = append(mods, "m")
		}
		vals = []string{p}
	case Compare:
		mods = append(mods, map[string]string{"<": "lt", ">": "gt", "<=": "lte", ">=": "gte"}[l.Op])
		vals = l.Values
	case Cidr:
		mods = append(mods, "cidr")
		vals = l.Values
	case FieldEq:
		mods = append(mods, "fieldref")
		vals = []string{sigmaField(l.Values[0])}
	case Keyword:
		if l.Pattern != "" {
			return w.ident("", yaml.MapSlice{{Key: "|re", Value: l.Pattern}})
		}
		var kws []string
		for _, v := range l.Values {
			kws = append(kws, esc(v))
		}
		return w.ident("", kws)
	}
	key := field
	if len(mods) > 0 {
		key += "|" + strings.Join(mods, "|")
	}
	var value any = vals
	if len(vals) == 1 {
		value = vals[0]
	} else {
		sort.Strings(vals)
	}
	return w.ident(field, yaml.MapSlice{{Key: key, Value: value}})
}

func noSeparators(vs []string) bool {
	for _, v := range vs {
		if v == "" || strings.ContainsAny(v, `\/`) {
			return false
		}
	}
	return true
}

// sigmaEscape escapes a literal for Sigma: *, ? and a backslash that
// precedes them or ends the value.
func sigmaEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '*' || c == '?':
			b.WriteByte('\\')
		case c == '\\' && (i+1 == len(s) || s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
