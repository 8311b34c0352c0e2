// Package sigma reads Sigma rules (specification v2) and compiles them to
// the same syntax tree as CQL queries, so that they run on lanner's engine
// next to LogScale rules.
//
// A rule's detection becomes one filter: its condition over its search
// identifiers, each value test a field filter whose case-insensitive
// matching is a (?i) regex of quoted literals (Unicode simple case folding,
// as Go's regexp does), and its logsource a routing filter that selects the
// events of its category, product and service (logsource.go). Field names
// are mapped onto the normalised vocabulary where lanner's sources write
// the Sigma field under another name (a Falcon ProcessRollup2 has
// ImageFileName, not Image).
//
// Ruleset evaluates many compiled rules over one event stream: events are
// routed by logsource once, and each rule's required literals index the
// rules so that only the few rules an event could match are evaluated. Its
// results are those of the engine on each rule's query; a differential test
// checks that.
//
// What the package does not do is reported per rule: correlation rules,
// placeholders without values (|expand), the time-part modifiers and
// logsources that no lanner source records (docs/sigma.md).
package sigma

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// Rule is one Sigma document: a detection rule, a correlation rule or a
// filter (meta rule).
type Rule struct {
	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	Author         string
	License        string
	Date           string
	Modified       string
	Level          string
	Taxonomy       string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Related        []Related
	LogSource      LogSource

	// Detection is the detection section of a rule (nil for a correlation
	// or a filter document).
	Detection *Detection
	// Filter is the filter section of a meta filter (mf_…).
	Filter *FilterSection
	// Correlation is set for a correlation rule; lanner does not run them.
	Correlation yaml.MapSlice

	// Source is the file the rule was read from, with the document number
	// when the file holds several ("rules/x.yml#2").
	Source string
	// Doc is the whole document as read, keys in order.
	Doc yaml.MapSlice
}

// Related is an entry of related:.
type Related struct {
	ID   string
	Type string
}

// LogSource is the logsource section.
type LogSource struct {
	Category   string
	Product    string
	Service    string
	Definition string
}

func (l LogSource) String() string {
	var parts []string
	if l.Product != "" {
		parts = append(parts, "product: "+l.Product)
	}
	if l.Category != "" {
		parts = append(parts, "category: "+l.Category)
	}
	if l.Service != "" {
		parts = append(parts, "service: "+l.Service)
	}
	if len(parts) == 0 {
		return "(empty logsource)"
	}
	return strings.Join(parts, ", ")
}

// Detection is the detection section: search identifiers in document order
// and the condition (several conditions are ORed).
type Detection struct {
	Names      []string       // identifiers in order
	Idents     map[string]any // identifier → its YAML value (MapSlice, []any, scalar)
	Conditions []string
	Timeframe  string
}

// FilterSection is the filter: part of a meta filter.
type FilterSection struct {
	Rules     []string // rule ids or names the filter applies to
	Detection *Detection
}

// Key returns the rule's identity in alerts: its id, or its title when it
// has none.
func (r *Rule) Key() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Title
}

// Kind names what the document is: "rule", "correlation" or "filter".
func (r *Rule) Kind() string {
	switch {
	case r.Correlation != nil:
		return "correlation"
	case r.Filter != nil:
		return "filter"
	}
	return "rule"
}

// ParseError is a document that is not a Sigma rule.
type ParseError struct {
	Source string
	Msg    string
}

func (e *ParseError) Error() string { return e.Source + ": " + e.Msg }

// Parse reads every YAML document of data. name is used in errors and in
// Rule.Source. A document that is not a rule gives an error in errs at its
// position; the others are returned.
func Parse(data []byte, name string) (rules []*Rule, errs []error) {
	dec := yaml.NewDecoder(bytes.NewReader(data), yaml.UseOrderedMap())
	var docs []any
	for {
		var doc any
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, []error{&ParseError{Source: name, Msg: "YAML: " + oneLine(err.Error())}}
		}
		if doc == nil {
			continue
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil, []error{&ParseError{Source: name, Msg: "no YAML document"}}
	}
	for i, doc := range docs {
		src := name
		if len(docs) > 1 {
			src = fmt.Sprintf("%s#%d", name, i+1)
		}
		r, err := fromDoc(doc, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errs
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func fromDoc(doc any, src string) (*Rule, error) {
	m, ok := doc.(yaml.MapSlice)
	if !ok {
		return nil, &ParseError{Source: src, Msg: "a Sigma rule is a YAML mapping"}
	}
	r := &Rule{Source: src, Doc: m}
	fail := func(format string, args ...any) (*Rule, error) {
		return nil, &ParseError{Source: src, Msg: fmt.Sprintf(format, args...)}
	}
	for _, it := range m {
		key, _ := it.Key.(string)
		var err error
		switch key {
		case "title":
			r.Title, err = str(it.Value, key)
		case "id":
			r.ID, err = str(it.Value, key)
		case "name":
			r.Name, err = str(it.Value, key)
		case "status":
			r.Status, err = str(it.Value, key)
		case "description":
			r.Description, err = str(it.Value, key)
		case "author":
			r.Author, err = str(it.Value, key)
		case "license":
			r.License, err = str(it.Value, key)
		case "date":
			r.Date, err = str(it.Value, key)
		case "modified":
			r.Modified, err = str(it.Value, key)
		case "level":
			r.Level, err = str(it.Value, key)
		case "taxonomy":
			r.Taxonomy, err = str(it.Value, key)
		case "references":
			r.References, err = strList(it.Value, key)
		case "tags":
			r.Tags, err = strList(it.Value, key)
		case "falsepositives":
			r.FalsePositives, err = strList(it.Value, key)
		case "fields":
			r.Fields, err = strList(it.Value, key)
		case "related":
			r.Related, err = related(it.Value)
		case "logsource":
			r.LogSource, err = logSource(it.Value)
		case "detection":
			r.Detection, err = detection(it.Value)
		case "correlation":
			cm, ok := it.Value.(yaml.MapSlice)
			if !ok {
				err = fmt.Errorf("correlation: must be a mapping")
			}
			r.Correlation = cm
		case "filter":
			r.Filter, err = filterSection(it.Value)
		}
		if err != nil {
			return fail("%v", err)
		}
	}
	if r.Title == "" {
		return fail("title: missing")
	}
	switch {
	case r.Correlation != nil:
	case r.Filter != nil:
		if r.LogSource == (LogSource{}) {
			return fail("logsource: missing (a filter needs one)")
		}
	default:
		if r.Detection == nil {
			return fail("detection: missing")
		}
		if r.LogSource == (LogSource{}) {
			return fail("logsource: missing")
		}
	}
	return r, nil
}

// scalar renders a YAML scalar as Sigma reads it: strings as they are,
// numbers and booleans as their text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func str(v any, key string) (string, error) {
	if v == nil {
		return "", nil
	}
	s, ok := scalar(v)
	if !ok {
		return "", fmt.Errorf("%s: must be a string", key)
	}
	return s, nil
}

func strList(v any, key string) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := scalar(e)
			if !ok {
				return nil, fmt.Errorf("%s: every item must be a string", key)
			}
			out = append(out, s)
		}
		return out, nil
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	return nil, fmt.Errorf("%s: must be a list of strings", key)
}

func related(v any) ([]Related, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("related: must be a list")
	}
	var out []Related
	for _, e := range list {
		m, ok := e.(yaml.MapSlice)
		if !ok {
			return nil, fmt.Errorf("related: every item is a mapping {id, type}")
		}
		var r Related
		for _, it := range m {
			s, _ := scalar(it.Value)
			switch it.Key {
			case "id":
				r.ID = s
			case "type":
				r.Type = s
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func logSource(v any) (LogSource, error) {
	m, ok := v.(yaml.MapSlice)
	if !ok {
		return LogSource{}, fmt.Errorf("logsource: must be a mapping")
	}
	var l LogSource
	for _, it := range m {
		s, _ := scalar(it.Value)
		switch it.Key {
		case "category":
			l.Category = s
		case "product":
			l.Product = s
		case "service":
			l.Service = s
		case "definition":
			l.Definition = s
		}
	}
	return l, nil
}

func detection(v any) (*Detection, error) {
	m, ok := v.(yaml.MapSlice)
	if !ok {
		return nil, fmt.Errorf("detection: must be a mapping")
	}
	d := &Detection{Idents: map[string]any{}}
	for _, it := range m {
		key, ok := it.Key.(string)
		if !ok {
			s, _ := scalar(it.Key)
			key = s
		}
		switch key {
		case "condition":
			switch c := it.Value.(type) {
			case string:
				d.Conditions = []string{c}
			case []any:
				for _, x := range c {
					s, ok := x.(string)
					if !ok {
						return nil, fmt.Errorf("detection.condition: every item must be a string")
					}
					d.Conditions = append(d.Conditions, s)
				}
			default:
				return nil, fmt.Errorf("detection.condition: must be a string or a list of strings")
			}
		case "timeframe":
			d.Timeframe, _ = scalar(it.Value)
		default:
			if _, dup := d.Idents[key]; dup {
				return nil, fmt.Errorf("detection.%s: defined twice", key)
			}
			d.Names = append(d.Names, key)
			d.Idents[key] = it.Value
		}
	}
	if len(d.Conditions) == 0 {
		return nil, fmt.Errorf("detection.condition: missing")
	}
	return d, nil
}

func filterSection(v any) (*FilterSection, error) {
	m, ok := v.(yaml.MapSlice)
	if !ok {
		return nil, fmt.Errorf("filter: must be a mapping")
	}
	f := &FilterSection{}
	var det yaml.MapSlice
	for _, it := range m {
		if it.Key == "rules" {
			rs, err := strList(it.Value, "filter.rules")
			if err != nil {
				return nil, err
			}
			f.Rules = rs
			continue
		}
		det = append(det, it)
	}
	d, err := detection(det)
	if err != nil {
		return nil, fmt.Errorf("filter: %v", strings.TrimPrefix(err.Error(), "detection."))
	}
	f.Detection = d
	return f, nil
}
