package sigma

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/lanner-dev/lanner/cql"
)

// Options tune compilation.
type Options struct {
	// Placeholders give the values of %name% placeholders for |expand
	// (without the percent signs). A rule whose placeholder has no value
	// does not load, as the specification requires.
	Placeholders map[string][]string
}

// Compiled is a rule ready to run: its query is the logsource route, then
// the detection, both filter stages.
type Compiled struct {
	Rule *Rule
	// Logsource is the name of the source the rule runs on
	// ("windows/process_creation", "windows/service:security"…).
	Logsource string
	// Route selects the events of the logsource; Detection is the rule's
	// condition over them, with field names mapped.
	Route     cql.Filter
	Detection cql.Filter
	// Query is `Route | Detection`.
	Query *cql.Query

	route *route
}

// CompileError says why a rule does not load.
type CompileError struct {
	Rule *Rule
	Msg  string
}

func (e *CompileError) Error() string {
	return e.Rule.Source + ": " + e.Msg
}

// Compile compiles a detection rule. Correlation rules and filters are
// errors (filters apply through Load or ApplyFilter).
func Compile(r *Rule, opts Options) (*Compiled, error) {
	fail := func(format string, args ...any) (*Compiled, error) {
		return nil, &CompileError{Rule: r, Msg: fmt.Sprintf(format, args...)}
	}
	switch r.Kind() {
	case "correlation":
		return fail("correlation rules are not supported (lanner runs single-event Sigma rules)")
	case "filter":
		return fail("a Sigma filter is not a rule; it applies to the rules it names")
	}
	src, err := resolve(r.LogSource)
	if err != nil {
		return fail("%v", err)
	}
	c := &compiler{src: src, opts: opts, memo: map[string]cql.Filter{}}
	det, err := c.detection(r.Detection)
	if err != nil {
		return fail("%v", err)
	}
	return finish(r, src, det), nil
}

func finish(r *Rule, src *logsrc, det cql.Filter) *Compiled {
	rf := src.route.filter()
	q := &cql.Query{Stages: []cql.Stage{&cql.FilterStage{Filter: rf}, &cql.FilterStage{Filter: det}}}
	return &Compiled{Rule: r, Logsource: src.name, Route: rf, Detection: det, Query: q, route: src.route}
}

// ApplyFilter adds a Sigma filter to a compiled rule: the rule then fires
// only on events the filter's condition does not match ("and not").
func ApplyFilter(c *Compiled, f *Rule, opts Options) error {
	if f.Filter == nil {
		return fmt.Errorf("%s is not a Sigma filter", f.Source)
	}
	src, err := resolve(c.Rule.LogSource)
	if err != nil {
		return err
	}
	fsrc, err := resolve(f.LogSource)
	if err != nil {
		return fmt.Errorf("%s: %v", f.Source, err)
	}
	if fsrc.route.key != src.route.key {
		return fmt.Errorf("%s: the filter's logsource (%s) is not the rule's (%s)", f.Source, f.LogSource, c.Rule.LogSource)
	}
	cc := &compiler{src: src, opts: opts, memo: map[string]cql.Filter{}}
	ff, err := cc.detection(f.Filter.Detection)
	if err != nil {
		return fmt.Errorf("%s: %v", f.Source, err)
	}
	det := &cql.AndFilter{L: c.Detection, R: &cql.NotFilter{X: ff}}
	*c = *finish(c.Rule, src, det)
	return nil
}

type compiler struct {
	src  *logsrc
	opts Options
	det  *Detection
	memo map[string]cql.Filter
}

func (c *compiler) detection(d *Detection) (cql.Filter, error) {
	c.det = d
	var alts []cql.Filter
	for _, text := range d.Conditions {
		cn, err := parseCondition(text, d.Names)
		if err != nil {
			return nil, fmt.Errorf("condition: %v", err)
		}
		f, err := c.cond(cn)
		if err != nil {
			return nil, err
		}
		alts = append(alts, f)
	}
	return orAll(alts), nil
}

func (c *compiler) cond(n cond) (cql.Filter, error) {
	switch n := n.(type) {
	case condIdent:
		return c.ident(n.name)
	case condNot:
		x, err := c.cond(n.x)
		if err != nil {
			return nil, err
		}
		return &cql.NotFilter{X: x}, nil
	case condAnd:
		l, err := c.cond(n.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(n.r)
		if err != nil {
			return nil, err
		}
		return &cql.AndFilter{L: l, R: r}, nil
	case condOr:
		l, err := c.cond(n.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(n.r)
		if err != nil {
			return nil, err
		}
		return &cql.OrFilter{L: l, R: r}, nil
	case condOf:
		var fs []cql.Filter
		for _, name := range n.names {
			f, err := c.ident(name)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		switch {
		case n.all:
			return andAll(fs), nil
		case n.n <= 1:
			return orAll(fs), nil
		case n.n > len(fs):
			return nil, fmt.Errorf("%s: only %d identifiers match", n.text, len(fs))
		}
		combos := combinations(len(fs), n.n)
		if len(combos) > 1000 {
			return nil, fmt.Errorf("%s: too many combinations", n.text)
		}
		var alts []cql.Filter
		for _, cmb := range combos {
			var and []cql.Filter
			for _, i := range cmb {
				and = append(and, fs[i])
			}
			alts = append(alts, andAll(and))
		}
		return orAll(alts), nil
	}
	return nil, fmt.Errorf("internal: unknown condition node")
}

func combinations(n, k int) [][]int {
	var out [][]int
	var cur []int
	var rec func(start int)
	rec = func(start int) {
		if len(cur) == k {
			out = append(out, append([]int(nil), cur...))
			return
		}
		for i := start; i < n && len(out) <= 1000; i++ {
			cur = append(cur, i)
			rec(i + 1)
			cur = cur[:len(cur)-1]
		}
	}
	rec(0)
	return out
}

func (c *compiler) ident(name string) (cql.Filter, error) {
	if f, ok := c.memo[name]; ok {
		return f, nil
	}
	f, err := c.identValue(c.det.Idents[name])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	c.memo[name] = f
	return f, nil
}

func (c *compiler) identValue(v any) (cql.Filter, error) {
	switch x := v.(type) {
	case yaml.MapSlice:
		return c.mapping(x)
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("empty list")
		}
		var kw []any
		var alts []cql.Filter
		for _, item := range x {
			switch it := item.(type) {
			case yaml.MapSlice:
				f, err := c.mapping(it)
				if err != nil {
					return nil, err
				}
				alts = append(alts, f)
			case []any:
				return nil, fmt.Errorf("a list inside a list is not a Sigma search identifier")
			case nil:
				return nil, fmt.Errorf("null cannot be a keyword")
			default:
				kw = append(kw, it)
			}
		}
		if len(kw) > 0 {
			f, err := c.fieldCond("", kw)
			if err != nil {
				return nil, err
			}
			alts = append([]cql.Filter{f}, alts...)
		}
		return orAll(alts), nil
	case nil:
		return nil, fmt.Errorf("empty search identifier")
	}
	if _, ok := scalar(v); ok {
		return c.fieldCond("", v)
	}
	return nil, fmt.Errorf("unsupported search identifier value %T", v)
}

func (c *compiler) mapping(m yaml.MapSlice) (cql.Filter, error) {
	if len(m) == 0 {
		return nil, fmt.Errorf("empty mapping")
	}
	var fs []cql.Filter
	for _, it := range m {
		key, ok := it.Key.(string)
		if !ok {
			s, _ := scalar(it.Key)
			key = s
		}
		f, err := c.fieldCond(key, it.Value)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return andAll(fs), nil
}

// ---- field conditions ----

type matchMods struct {
	all, cased, neq       bool
	re                    bool
	reFlags               string
	cidr, exists, fieldrf bool
	cmp                   cql.Kind
	hasCmp                bool
	steps                 []string // value transformations, in order
}

var transformMods = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "windash": true,
	"base64": true, "base64offset": true, "utf16le": true, "wide": true, "utf16be": true, "utf16": true,
	"expand": true,
}

func parseMods(mods []string) (*matchMods, error) {
	m := &matchMods{}
	for i, mod := range mods {
		switch strings.ToLower(mod) {
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "neq":
			m.neq = true
		case "re":
			m.re = true
		case "i", "m", "s":
			if !m.re {
				return nil, fmt.Errorf("modifier |%s only follows |re", mod)
			}
			m.reFlags += strings.ToLower(mod)
		case "cidr":
			m.cidr = true
		case "exists":
			m.exists = true
		case "fieldref":
			m.fieldrf = true
		case "gt", "gte", "lt", "lte":
			m.hasCmp = true
			m.cmp = map[string]cql.Kind{"gt": cql.Gt, "gte": cql.GtEq, "lt": cql.Lt, "lte": cql.LtEq}[strings.ToLower(mod)]
		case "minute", "hour", "day", "week", "month", "year":
			return nil, fmt.Errorf("time modifier |%s is not supported", mod)
		default:
			if !transformMods[strings.ToLower(mod)] {
				return nil, fmt.Errorf("unknown modifier |%s", mod)
			}
			m.steps = append(m.steps, strings.ToLower(mod))
		}
		_ = i
	}
	kinds := 0
	for _, b := range []bool{m.re, m.cidr, m.exists, m.fieldrf, m.hasCmp} {
		if b {
			kinds++
		}
	}
	if kinds > 1 {
		return nil, fmt.Errorf("modifiers %s cannot be combined", "|"+strings.Join(mods, "|"))
	}
	if kinds == 1 && len(m.steps) > 0 && !m.fieldrf {
		return nil, fmt.Errorf("modifiers %s cannot be combined", "|"+strings.Join(mods, "|"))
	}
	if m.fieldrf {
		for _, s := range m.steps {
			if s != "contains" {
				return nil, fmt.Errorf("|fieldref|%s is not supported (|fieldref and |fieldref|contains are)", s)
			}
		}
	}
	return m, nil
}

func (c *compiler) fieldCond(key string, val any) (cql.Filter, error) {
	parts := strings.Split(key, "|")
	field := parts[0]
	m, err := parseMods(parts[1:])
	if err != nil {
		return nil, err
	}
	where := field
	if where == "" {
		where = "keywords"
	}
	// values
	var raw []string
	isNull := false
	switch x := val.(type) {
	case nil:
		isNull = true
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("%s: empty value list", where)
		}
		for _, e := range x {
			if e == nil {
				return nil, fmt.Errorf("%s: null cannot be part of a value list (give it its own selection)", where)
			}
			s, ok := scalar(e)
			if !ok {
				return nil, fmt.Errorf("%s: values must be scalars", where)
			}
			raw = append(raw, s)
		}
	default:
		s, ok := scalar(val)
		if !ok {
			return nil, fmt.Errorf("%s: a value must be a scalar or a list of scalars", where)
		}
		raw = []string{s}
	}
	if m.all && len(raw) < 2 && !isNull {
		// "all" on one value is allowed by pySigma as a no-op; the
		// specification forbids it. Accept it: it changes nothing.
		m.all = false
	}
	if isNull {
		if len(parts) > 1 {
			return nil, fmt.Errorf("%s: null with modifiers", where)
		}
		if field == "" {
			return nil, fmt.Errorf("null keyword")
		}
		return &cql.NotFilter{X: c.present(field)}, nil
	}
	if field == "" && (m.re || m.cidr || m.exists || m.fieldrf || m.hasCmp) {
		return nil, fmt.Errorf("keywords take no |re, |cidr, |exists, |fieldref or comparison modifier")
	}
	combine := orAll
	if m.all {
		combine = andAll
	}
	var f cql.Filter
	switch {
	case m.exists:
		if len(raw) != 1 {
			return nil, fmt.Errorf("%s|exists takes true or false", field)
		}
		switch strings.ToLower(raw[0]) {
		case "true", "yes":
			f = c.present(field)
		case "false", "no":
			f = &cql.NotFilter{X: c.present(field)}
		default:
			return nil, fmt.Errorf("%s|exists takes true or false, not %q", field, raw[0])
		}
		return f, nil
	case m.cidr:
		var fs []cql.Filter
		if m.all {
			for _, v := range raw {
				fs = append(fs, c.mapped(field, func(ev string) cql.Filter { return cidrCall(ev, []string{v}) }))
			}
			f = andAll(fs)
		} else {
			for _, v := range raw {
				if _, err := parsePrefix(v); err != nil {
					return nil, fmt.Errorf("%s|cidr: %q is not a network", field, v)
				}
			}
			f = c.mapped(field, func(ev string) cql.Filter { return cidrCall(ev, raw) })
		}
	case m.fieldrf:
		var fs []cql.Filter
		for _, other := range raw {
			fs = append(fs, c.fieldRef(field, other, m.steps))
		}
		f = combine(fs)
	case m.hasCmp:
		var fs []cql.Filter
		for _, v := range raw {
			if _, ok := cql.ParseNumber(v); !ok {
				return nil, fmt.Errorf("%s: %q is not a number", key, v)
			}
			v := v
			fs = append(fs, c.mapped(field, func(ev string) cql.Filter {
				return &cql.FieldFilter{Field: ev, Op: m.cmp, Value: cql.Value{Kind: cql.ValueGlob, Text: v}}
			}))
		}
		f = combine(fs)
	case m.re:
		var fs []cql.Filter
		for _, v := range raw {
			if _, err := compileCheck(v, m.reFlags); err != nil {
				return nil, fmt.Errorf("%s|re: %v", field, err)
			}
			v := v
			if field == "" {
				fs = append(fs, &cql.RegexFilter{Pattern: v, Flags: m.reFlags})
				continue
			}
			fs = append(fs, c.mapped(field, func(ev string) cql.Filter {
				return &cql.FieldFilter{Field: ev, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueRegex, Text: v, Flags: m.reFlags}}
			}))
		}
		f = combine(fs)
	default:
		vals, err := c.transform(raw, m.steps)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		if field == "" {
			f = keywordFilter(vals, m.all, !m.cased)
		} else {
			f = c.stringTest(field, vals, m.all, !m.cased)
		}
	}
	if m.neq {
		f = &cql.NotFilter{X: f}
	}
	return f, nil
}

func compileCheck(pattern, flags string) (bool, error) {
	// Go's parser first; patterns it rejects (look-around…) run on the
	// engine's backtracking fallback, which checks them when the rule is
	// compiled by the engine.
	_, err := regexp.Compile(pattern)
	if err == nil {
		return true, nil
	}
	if strings.Contains(err.Error(), "invalid or unsupported Perl syntax") || strings.Contains(err.Error(), "invalid escape") {
		return false, nil
	}
	return false, err
}

// transform applies the value modifiers to every value, left to right.
func (c *compiler) transform(raw []string, steps []string) ([]sstring, error) {
	vals := make([]sstring, 0, len(raw))
	expanded := false
	for _, s := range steps {
		if s == "expand" {
			expanded = true
		}
	}
	_ = expanded // without |expand, %name% is literal text
	for _, r := range raw {
		vals = append(vals, parseSigmaString(r))
	}
	for _, step := range steps {
		var next []sstring
		for _, v := range vals {
			out, err := c.step(step, v)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
		}
		vals = next
	}
	return vals, nil
}

var placeholderRe = regexp.MustCompile(`%[A-Za-z0-9_]+%`)

func (c *compiler) step(step string, v sstring) ([]sstring, error) {
	switch step {
	case "contains":
		return []sstring{v.withPrefixStar().withSuffixStar()}, nil
	case "startswith":
		return []sstring{v.withSuffixStar()}, nil
	case "endswith":
		return []sstring{v.withPrefixStar()}, nil
	case "windash":
		return []sstring{windash(v)}, nil
	case "base64", "base64offset", "utf16le", "wide", "utf16be", "utf16":
		p, ok := v.plain()
		if !ok {
			return nil, fmt.Errorf("|%s cannot encode a value with wildcards (%s)", step, v)
		}
		var outs []string
		switch step {
		case "base64":
			outs = []string{base64.StdEncoding.EncodeToString([]byte(p))}
		case "base64offset":
			outs = base64Offsets(p)
		case "utf16le", "wide":
			outs = []string{encodeUTF16(p, false, false)}
		case "utf16be":
			outs = []string{encodeUTF16(p, true, false)}
		case "utf16":
			outs = []string{encodeUTF16(p, false, true)}
		}
		var res []sstring
		for _, o := range outs {
			res = append(res, sstring{{kind: tLit, text: o}})
		}
		return res, nil
	case "expand":
		return c.expand(v)
	}
	return nil, fmt.Errorf("unknown modifier |%s", step)
}

// expand replaces %name% placeholders by each of their values.
func (c *compiler) expand(v sstring) ([]sstring, error) {
	out := []sstring{nil}
	for _, t := range v {
		if t.kind != tLit {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		text := t.text
		locs := placeholderRe.FindAllStringIndex(text, -1)
		prev := 0
		for _, l := range locs {
			lit := text[prev:l[0]]
			name := text[l[0]+1 : l[1]-1]
			vals, ok := c.opts.Placeholders[name]
			if !ok {
				return nil, fmt.Errorf("placeholder %%%s%% has no value (|expand needs placeholder values; lanner has none configured)", name)
			}
			var next []sstring
			for _, o := range out {
				for _, pv := range vals {
					n := append(append(sstring{}, o...), token{kind: tLit, text: lit})
					n = append(n, parseSigmaString(pv)...)
					next = append(next, n)
				}
			}
			out = next
			prev = l[1]
		}
		for i := range out {
			out[i] = append(out[i], token{kind: tLit, text: text[prev:]})
		}
	}
	return out, nil
}

// present is "the field exists" (any of its mapped fields).
func (c *compiler) present(field string) cql.Filter {
	spec := c.spec(field)
	var fs []cql.Filter
	for _, f := range spec.fields {
		fs = append(fs, &cql.FieldFilter{Field: f, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueAny}})
	}
	return orAll(fs)
}

func (c *compiler) spec(field string) fieldSpec {
	if c.src != nil {
		return c.src.spec(field)
	}
	return fieldSpec{fields: []string{field}}
}

// mapped builds a test on the Sigma field: on the first of its mapped
// fields that the event has.
func (c *compiler) mapped(field string, test func(eventField string) cql.Filter) cql.Filter {
	spec := c.spec(field)
	return coalesce(spec.fields, test)
}

func coalesce(fields []string, test func(string) cql.Filter) cql.Filter {
	if len(fields) == 1 {
		return test(fields[0])
	}
	// f1 test, or (f1 absent and f2 test), or …
	var alts []cql.Filter
	var absent []cql.Filter
	for _, f := range fields {
		t := test(f)
		if len(absent) > 0 {
			t = andAll(append(append([]cql.Filter{}, absent...), t))
		}
		alts = append(alts, t)
		absent = append(absent, &cql.NotFilter{X: &cql.FieldFilter{Field: f, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueAny}}})
	}
	return orAll(alts)
}

func cidrCall(field string, nets []string) cql.Filter {
	var elems []cql.Expr
	for _, n := range nets {
		elems = append(elems, &cql.StrLit{Value: n})
	}
	var subnet cql.Expr = &cql.ArrayExpr{Elems: elems}
	return &cql.CallFilter{Call: &cql.Call{Name: "cidr", Args: []cql.Arg{
		{Value: &cql.FieldRef{Name: field}},
		{Name: "subnet", Value: subnet},
	}}}
}

// fieldRef compares a field with another field's value (|fieldref): equal
// values; with startswith, endswith or contains, the other value's place
// in this one. The comparison is case-sensitive.
func (c *compiler) fieldRef(field, other string, steps []string) cql.Filter {
	a := c.spec(field).fields[0]
	b := c.spec(other).fields[0]
	if len(steps) > 0 {
		// |fieldref|contains: the other field's value inside this one
		return &cql.CallFilter{Call: &cql.Call{Name: "text:contains", Args: []cql.Arg{{Name: "string", Value: &cql.FieldRef{Name: a}}, {Name: "substring", Value: &cql.FieldRef{Name: b}}}}}
	}
	e := &cql.BinaryExpr{Op: cql.EqEq, L: &cql.FieldRef{Name: a}, R: &cql.FieldRef{Name: b}}
	return &cql.CallFilter{Call: &cql.Call{Name: "test", Args: []cql.Arg{{Value: e}}}}
}

// parsePrefix reads a network as cidr() does: a prefix or one address.
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err == nil {
		return p.Masked(), nil
	}
	a, err2 := netip.ParseAddr(strings.TrimSpace(s))
	if err2 != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ---- string tests ----

// stringTest matches a field against values (ORed, or ANDed with all).
func (c *compiler) stringTest(field string, vals []sstring, all, fold bool) cql.Filter {
	spec := c.spec(field)
	if all {
		var fs []cql.Filter
		for _, v := range vals {
			fs = append(fs, c.valuesFilter(spec, []sstring{v}, fold))
		}
		return andAll(fs)
	}
	return c.valuesFilter(spec, vals, fold)
}

// valuesFilter is "the field matches one of vals".
func (c *compiler) valuesFilter(spec fieldSpec, vals []sstring, fold bool) cql.Filter {
	var baseNames []string
	var rest []sstring
	for _, v := range vals {
		if spec.base != "" {
			if name, ok := baseNameTest(v); ok {
				baseNames = append(baseNames, name)
				continue
			}
		}
		rest = append(rest, v)
	}
	var alts []cql.Filter
	if len(baseNames) > 0 {
		var bv []sstring
		for _, n := range baseNames {
			bv = append(bv, sstring{{kind: tLit, text: n}})
		}
		alts = append(alts, matchValues(spec.base, bv, fold)...)
	}
	if len(rest) > 0 {
		alts = append(alts, coalesce(spec.fields, func(f string) cql.Filter { return orAll(matchValues(f, rest, fold)) }))
	}
	return orAll(alts)
}

// baseNameTest recognises "*\name" (endswith a path separator and a name
// without separators or wildcards).
func baseNameTest(v sstring) (string, bool) {
	if len(v) != 2 || v[0].kind != tStar || v[1].kind != tLit {
		return "", false
	}
	t := v[1].text
	if len(t) < 2 || (t[0] != '\\' && t[0] != '/') {
		return "", false
	}
	name := t[1:]
	if strings.ContainsAny(name, `\/`) {
		return "", false
	}
	return name, true
}

// matchValues renders "field matches one of vals" as field filters: one
// case-insensitive regex per anchoring (values that case folding cannot
// change, without ?, become globs).
func matchValues(field string, vals []sstring, fold bool) []cql.Filter {
	type group struct {
		start, end bool // anchored
		bodies     []string
		wild       bool
	}
	groups := map[[2]bool]*group{}
	var order [][2]bool
	var out []cql.Filter
	seenGlob := map[string]bool{}
	for _, v := range vals {
		core, lead, trail := v.trim()
		if len(core) == 0 {
			if lead || trail {
				// "*": any value, the field present
				out = append(out, &cql.FieldFilter{Field: field, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueAny}})
			} else {
				out = append(out, &cql.FieldFilter{Field: field, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueGlob, Text: "", Quoted: true}})
			}
			continue
		}
		if !fold || foldFree(core.litText()) {
			if g, ok := v.globText(); ok {
				if !seenGlob[g] {
					seenGlob[g] = true
					out = append(out, &cql.FieldFilter{Field: field, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueGlob, Text: g, Quoted: true}})
				}
				continue
			}
		}
		k := [2]bool{!lead, !trail}
		g := groups[k]
		if g == nil {
			g = &group{start: !lead, end: !trail}
			groups[k] = g
			order = append(order, k)
		}
		g.bodies = append(g.bodies, core.regexBody())
		g.wild = g.wild || core.hasWild()
	}
	for _, k := range order {
		g := groups[k]
		bodies := dedupe(g.bodies)
		body := bodies[0]
		if len(bodies) > 1 {
			body = "(?:" + strings.Join(bodies, "|") + ")"
		}
		if g.start {
			body = "^" + body
		}
		if g.end {
			body += "$"
		}
		flags := ""
		if fold {
			flags = "i"
		}
		if g.wild {
			flags += "s"
		}
		out = append(out, &cql.FieldFilter{Field: field, Op: cql.Eq, Value: cql.Value{Kind: cql.ValueRegex, Text: body, Flags: flags}})
	}
	return out
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// keywordFilter searches the values anywhere in the event.
func keywordFilter(vals []sstring, all, fold bool) cql.Filter {
	var bodies []string
	wild := false
	var fs []cql.Filter
	flags := func(w bool) string {
		f := ""
		if fold {
			f = "i"
		}
		if w {
			f += "s"
		}
		return f
	}
	for _, v := range vals {
		core, _, _ := v.trim()
		if len(core) == 0 {
			return &cql.AnyFilter{}
		}
		if all {
			fs = append(fs, &cql.RegexFilter{Pattern: core.regexBody(), Flags: flags(core.hasWild())})
			continue
		}
		bodies = append(bodies, core.regexBody())
		wild = wild || core.hasWild()
	}
	if all {
		return andAll(fs)
	}
	bodies = dedupe(bodies)
	pat := strings.Join(bodies, "|")
	return &cql.RegexFilter{Pattern: pat, Flags: flags(wild)}
}
