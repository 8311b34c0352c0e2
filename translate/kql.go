package translate

import (
	"regexp"
	"strings"
)

// kqlModel is a KQL data model: the table and the rows of a process
// start, and the Falcon names' columns.
type kqlModel struct {
	prelude string
	fields  fieldMap
	missing map[string]bool // Falcon fields the table lacks
	time    string
}

var kqlModels = map[string]kqlModel{
	"defender": {
		prelude: "DeviceProcessEvents\n| where ActionType == \"ProcessCreated\"",
		fields: fieldMap{"FileName": "FileName", "ParentBaseFileName": "InitiatingProcessFileName", "CommandLine": "ProcessCommandLine",
			"ParentCommandLine": "InitiatingProcessCommandLine", "ImageFileName": "FolderPath", "ComputerName": "DeviceName",
			"UserName": "AccountName", "timestamp": "Timestamp", "@timestamp": "Timestamp", "GrandParentBaseFileName": "InitiatingProcessParentFileName",
			"RawProcessId": "ProcessId", "SHA256HashData": "SHA256", "MD5HashData": "MD5", "UserSid": "AccountSid"},
		time: "Timestamp",
	},
	"sentinel-security": {
		prelude: "SecurityEvent\n| where EventID == 4688\n| extend ParentBaseFileName = tostring(split(ParentProcessName, \"\\\\\")[-1])",
		fields: fieldMap{"FileName": "Process", "CommandLine": "CommandLine", "ImageFileName": "NewProcessName", "ComputerName": "Computer",
			"UserName": "SubjectUserName", "timestamp": "TimeGenerated", "@timestamp": "TimeGenerated", "UserSid": "SubjectUserSid"},
		missing: map[string]bool{"ParentCommandLine": true, "GrandParentBaseFileName": true},
		time:    "TimeGenerated",
	},
	"sentinel-sysmon": {
		prelude: "Sysmon\n| where EventID == 1\n| extend FileName = tostring(split(Image, \"\\\\\")[-1]), ParentBaseFileName = tostring(split(ParentImage, \"\\\\\")[-1])",
		fields: fieldMap{"ImageFileName": "Image", "ComputerName": "Computer", "UserName": "User", "timestamp": "TimeGenerated",
			"@timestamp": "TimeGenerated", "RawProcessId": "ProcessId"},
		missing: map[string]bool{"GrandParentBaseFileName": true},
		time:    "TimeGenerated",
	},
}

// KQL writes Kusto for Microsoft Defender XDR advanced hunting
// (DeviceProcessEvents), or for Microsoft Sentinel's SecurityEvent (4688)
// or Sysmon parser. Case-insensitive operators (in~, startswith,
// endswith, contains, matches regex "(?i)…") keep the rule's semantics.
func KQL(d *Detection, m Meta, variant string) (string, error) {
	if variant == "" {
		variant = "defender"
	}
	model, ok := kqlModels[variant]
	if !ok {
		return "", unsupported("the KQL variant %q (variants: %s)", variant, strings.Join(KQLVariants, ", "))
	}
	if d.Event != "ProcessRollup2" {
		return "", unsupported("#event_simpleName=%q to KQL (process starts only)", d.Event)
	}
	w := kqlWriter{m: model}
	var notes []string
	if variant == "sentinel-security" {
		notes = append(notes, "4688 has no parent command line; ParentCommandLine is empty")
	}
	notes = append(notes, "a field is never missing in Kusto: a LogScale presence test becomes isnotnull()")
	var b strings.Builder
	b.WriteString(header("//", m, notes))
	b.WriteString(model.prelude + "\n")
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
		b.WriteString("| extend " + kqlName(e.Name) + " = " + v + "\n")
	}
	if len(d.Fields) > 0 {
		var ext, fs []string
		for _, f := range d.Fields {
			if model.missing[f] {
				ext = append(ext, kqlName(f)+" = \"\"")
			}
			fs = append(fs, w.field(f))
		}
		if len(ext) > 0 {
			b.WriteString("| extend " + strings.Join(ext, ", ") + "\n")
		}
		b.WriteString("| project " + strings.Join(fs, ", ") + "\n")
	}
	if d.Sort != "" {
		dir := "asc"
		if d.Desc {
			dir = "desc"
		}
		b.WriteString("| top " + itoa(d.Limit) + " by " + w.field(d.Sort) + " " + dir + "\n")
	} else if d.Limit > 0 {
		b.WriteString("| take " + itoa(d.Limit) + "\n")
	}
	return b.String(), nil
}

type kqlWriter struct{ m kqlModel }

func kqlName(f string) string {
	if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(f) {
		return f
	}
	return "['" + strings.ReplaceAll(f, "'", "\\'") + "']"
}

func (w kqlWriter) field(n string) string {
	if n == "#event_simpleName" {
		return "ActionType"
	}
	return kqlName(w.m.fields.get(n))
}
func (kqlWriter) and() string         { return "and" }
func (kqlWriter) or() string          { return "or" }
func (kqlWriter) not(x string) string { return "not(" + x + ")" }
func (kqlWriter) str(s string) string { return dq(s) }
func (kqlWriter) boolean(v bool) string {
	if v {
		return "true"
	}
	return "false"
}
func (kqlWriter) eq(l, r string, neg bool) string {
	if neg {
		return l + " != " + r
	}
	return l + " == " + r
}
func (kqlWriter) ifThen(c, t, f string) string { return "iff(" + c + ", " + t + ", " + f + ")" }
func (kqlWriter) caseOf(cs, vs []string) string {
	var parts []string
	def := "\"\""
	for i := range cs {
		if cs[i] == "true" && i == len(cs)-1 {
			def = vs[i]
			break
		}
		parts = append(parts, cs[i], vs[i])
	}
	parts = append(parts, def)
	return "case(" + strings.Join(parts, ", ") + ")"
}

func (w kqlWriter) leaf(l *Leaf) (string, error) {
	if w.m.missing[l.Field] {
		return "", unsupported("a test on %s, which this table lacks", l.Field)
	}
	f := w.field(l.Field)
	ops := func(fold, cs string) string {
		if l.Fold {
			return fold
		}
		return cs
	}
	var quoted []string
	for _, v := range l.Values {
		quoted = append(quoted, dq(v))
	}
	multi := func(op string) string {
		var alts []string
		for _, q := range quoted {
			alts = append(alts, f+" "+op+" "+q)
		}
		if len(alts) == 1 {
			return alts[0]
		}
		return "(" + strings.Join(alts, " or ") + ")"
	}
	switch l.Kind {
	case Present:
		return "isnotnull(" + f + ")", nil
	case Exact:
		if !l.Fold && len(quoted) == 1 {
			return f + " == " + quoted[0], nil
		}
		return f + " " + ops("in~", "in") + " (" + strings.Join(quoted, ", ") + ")", nil
	case Prefix:
		return multi(ops("startswith", "startswith_cs")), nil
	case Suffix:
		return multi(ops("endswith", "endswith_cs")), nil
	case Contains:
		return multi(ops("contains", "contains_cs")), nil
	case Regex:
		return f + " matches regex " + dq(goRegex(l)), nil
	case Keyword:
		return "* " + ops("contains", "contains_cs") + " " + dq(strings.Join(l.Values, "")), nil
	case Compare:
		return "toreal(" + f + ") " + l.Op + " " + l.Values[0], nil
	case Cidr:
		return "ipv4_is_in_any_range(" + f + ", dynamic([" + strings.Join(quoted, ", ") + "]))", nil
	case FieldEq:
		return f + " == " + w.field(l.Values[0]), nil
	}
	return "", unsupported("a %s test in KQL", l.Kind)
}

func (w kqlWriter) notLeaf(l *Leaf) (string, error) {
	s, err := w.leaf(l)
	if err != nil {
		return "", err
	}
	return w.not(s), nil
}
