package engine

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// callFilter compiles a filter function: in, regex, test, wildcard, cidr.
func (c *compiler) callFilter(call *cql.Call, top bool) predicate {
	c.checkArgs(call)
	var p predicate
	switch strings.ToLower(call.Name) {
	case "in":
		p = c.fnIn(call)
	case "regex":
		p = c.fnRegex(call, top)
	case "test":
		f := c.exprArg(call, "expression")
		p = func(e *event.Event) bool { return truthy(f(e)) }
	case "wildcard":
		p = c.fnWildcard(call)
	case "cidr":
		p = c.fnCidr(call)
	case "array:contains":
		p = c.fnArrayContains(call)
	case "match":
		p = c.lookupFilter(call)
	case "text:contains":
		str, sub := c.exprArg(call, "string"), c.exprArg(call, "substring")
		p = func(e *event.Event) bool {
			a, ok1 := str(e)
			b, ok2 := sub(e)
			return ok1 && ok2 && strings.Contains(a, b)
		}
	default:
		spec := cql.Lookup(call.Name)
		if spec == nil {
			c.failf(call.At, "unknown function %s", call.Name)
		}
		if !spec.Filter {
			c.failf(call.At, "%s() is not a filter and cannot be combined with and/or/not", spec.Name)
		}
		c.failf(call.At, "unsupported function %s", spec.Name)
	}
	if call.Negated {
		inner := p
		p = func(e *event.Event) bool { return !inner(e) }
	}
	return p
}

// fnIn: the field matches any of the values (globs; numeric equality).
func (c *compiler) fnIn(call *cql.Call) predicate {
	field := c.fieldArg(call, "field", "")
	get := fieldGetter(field)
	valsArg, ok := call.Arg("values")
	if !ok {
		c.failf(call.At, "in() needs values=[…]")
	}
	fold := c.boolArg(call, "ignoreCase", false)
	var tests []func(string) bool
	exact := map[string]bool{}
	allExact := !fold
	for _, v := range namesOf(valsArg) {
		val := cql.Value{Kind: cql.ValueGlob, Text: v}
		if _, isNum := cql.ParseNumber(v); strings.Contains(v, "*") || isNum || fold {
			allExact = false
		}
		exact[v] = true
		tests = append(tests, c.valueTest(val, call.At, fold))
	}
	if allExact {
		return func(e *event.Event) bool {
			v, ok := get(e)
			return ok && exact[v]
		}
	}
	return func(e *event.Event) bool {
		v, ok := get(e)
		if !ok {
			return false
		}
		for _, t := range tests {
			if t(v) {
				return true
			}
		}
		return false
	}
}

// fnRegex: regex(regex, field=@rawstring, flags="m", strict=true).
func (c *compiler) fnRegex(call *cql.Call, top bool) predicate {
	pat := c.wordArg(call, "regex", "")
	if a, ok := call.Arg("regex"); ok {
		if r, isRe := a.(*cql.RegexLit); isRe {
			pat = r.Pattern
		}
	} else {
		c.failf(call.At, "regex() needs a pattern")
	}
	flags := c.wordArg(call, "flags", "m")
	if strings.Contains(flags, "g") {
		c.failf(call.At, "regex(): the g flag is not allowed in flags=; use repeat=true")
	}
	if c.boolArg(call, "repeat", false) {
		c.failf(call.At, "regex(repeat=true) emits one event per match and can only be a pipeline step")
	}
	strict := c.boolArg(call, "strict", true)
	re := c.regex(pat, flags, call.At)
	field := c.fieldArg(call, "field", "@rawstring")
	get := rawOrField(field)
	if !top || !re.HasCaptures() {
		return func(e *event.Event) bool {
			v, ok := get(e)
			return ok && re.MatchString(v) || !strict && top
		}
	}
	return func(e *event.Event) bool {
		v, ok := get(e)
		m := ok && re.Extract(v, e.Set)
		return m || !strict
	}
}

// rawOrField reads @rawstring from the record itself when no field holds it.
func rawOrField(field string) getter {
	g := fieldGetter(field)
	if field != "@rawstring" {
		return g
	}
	return func(e *event.Event) (string, bool) {
		if v, ok := g(e); ok {
			return v, true
		}
		if e.Origin.Raw != nil {
			return string(e.Origin.Raw), true
		}
		return "", false
	}
}

// fnWildcard: wildcard(pattern, field=[…], ignoreCase=false).
func (c *compiler) fnWildcard(call *cql.Call) predicate {
	pat := c.wordArg(call, "pattern", "")
	fold := c.boolArg(call, "ignoreCase", false)
	fields := c.fieldsArg(call, "field")
	if pat == "*" && c.boolArg(call, "includeEverythingOnAsterisk", false) {
		return func(*event.Event) bool { return true }
	}
	if len(fields) == 0 {
		g := compileGlob("*"+pat+"*", fold)
		return func(e *event.Event) bool { return freeText(e, g.MatchString) }
	}
	g := compileGlob(pat, fold)
	var gets []getter
	for _, f := range fields {
		gets = append(gets, fieldGetter(f))
	}
	return func(e *event.Event) bool {
		for _, get := range gets {
			if v, ok := get(e); ok && g.MatchString(v) {
				return true
			}
		}
		return false
	}
}

// fnCidr: cidr(field, subnet=…|[…], negate=false), IPv4 and IPv6.
func (c *compiler) fnCidr(call *cql.Call) predicate {
	field := c.fieldArg(call, "field", "")
	get := fieldGetter(field)
	a, ok := call.Arg("subnet")
	if !ok {
		c.failf(call.At, "cidr() needs subnet=")
	}
	var nets []netip.Prefix
	for _, s := range namesOf(a) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, err2 := netip.ParseAddr(s)
			if err2 != nil {
				c.failf(a.Position(), "cidr(): %q is not a subnet", s)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		nets = append(nets, p.Masked())
	}
	negate := c.boolArg(call, "negate", false)
	return func(e *event.Event) bool {
		v, ok := get(e)
		if !ok {
			return negate
		}
		addr, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return negate
		}
		addr = addr.Unmap()
		in := false
		for _, n := range nets {
			if n.Contains(addr) {
				in = true
				break
			}
		}
		return in != negate
	}
}

// fnArrayContains: array:contains(array="f[]", value): some element equals
// value exactly.
func (c *compiler) fnArrayContains(call *cql.Call) predicate {
	base := strings.TrimSuffix(c.fieldArg(call, "array", ""), "[]")
	val := c.wordArg(call, "value", "")
	if !hasArg(call, "value") {
		c.failf(call.At, "array:contains() needs value=")
	}
	return func(e *event.Event) bool {
		for _, v := range arrayValues(e, base) {
			if v == val {
				return true
			}
		}
		return false
	}
}

// fanStage compiles the stages that turn one event into several:
// regex(…, repeat=true) and split(); nil for any other call.
func (c *compiler) fanStage(call *cql.Call) fanStep {
	switch strings.ToLower(call.Name) {
	case "regex":
		if call.Negated || !c.boolArg(call, "repeat", false) {
			return nil
		}
		c.checkArgs(call)
		pat := c.wordArg(call, "regex", "")
		if a, ok := call.Arg("regex"); ok {
			if r, isRe := a.(*cql.RegexLit); isRe {
				pat = r.Pattern
			}
		} else {
			c.failf(call.At, "regex() needs a pattern")
		}
		flags := c.wordArg(call, "flags", "m")
		re := c.regex(pat, flags, call.At)
		strict := c.boolArg(call, "strict", true)
		limit := c.intArg(call, "limit", 100, maxRowLimit)
		explicit := hasArg(call, "limit")
		get := rawOrField(c.fieldArg(call, "field", "@rawstring"))
		var cut atomic.Int64
		if !explicit {
			c.checks = append(c.checks, func() string {
				if n := cut.Load(); n > 0 {
					return fmt.Sprintf("regex(repeat=true) /%s/: %d events had more than %d matches; the rest were left out (set limit=)", pat, n, limit)
				}
				return ""
			})
		}
		return func(e *event.Event, emit func(*event.Event)) {
			v, ok := get(e)
			if !ok {
				if !strict {
					emit(e)
				}
				return
			}
			ms := re.ExtractAll(v, limit+1)
			if len(ms) > limit {
				ms = ms[:limit]
				cut.Add(1)
			}
			if len(ms) == 0 {
				if !strict {
					emit(e)
				}
				return
			}
			for i, m := range ms {
				x := e
				if i < len(ms)-1 {
					x = e.Clone()
				}
				for _, kv := range m {
					x.Set(kv[0], kv[1])
				}
				emit(x)
			}
		}
	case "split":
		c.checkArgs(call)
		base := strings.TrimSuffix(c.fieldArg(call, "field", "_events"), "[]")
		strip := c.boolArg(call, "strip", false)
		return func(e *event.Event, emit func(*event.Event)) {
			// the elements: base[i] and base[i].sub… fields
			type elem struct{ keys, vals []string }
			var elems []elem
			var rest event.Event
			rest.Origin, rest.NOrig = e.Origin, 0
			for i, k := range e.Keys {
				idx, sub, ok := arrayElem(k, base)
				if !ok {
					rest.Keys = append(rest.Keys, k)
					rest.Vals = append(rest.Vals, e.Vals[i])
					continue
				}
				for len(elems) <= idx {
					elems = append(elems, elem{})
				}
				name := base + sub
				if strip {
					name = strings.TrimPrefix(sub, ".")
					if name == "" {
						name = base
					}
				}
				elems[idx].keys = append(elems[idx].keys, name)
				elems[idx].vals = append(elems[idx].vals, e.Vals[i])
			}
			if len(elems) == 0 {
				emit(e)
				return
			}
			for i, el := range elems {
				x := rest.Clone()
				x.NOrig = 0
				for j, k := range el.keys {
					x.Set(k, el.vals[j])
				}
				x.Set("_index", strconv.Itoa(i))
				emit(x)
			}
		}
	}
	return nil
}

// arrayElem reports whether key is base[i] or base[i].sub / base[i][j].
func arrayElem(key, base string) (int, string, bool) {
	if !strings.HasPrefix(key, base+"[") {
		return 0, "", false
	}
	r := key[len(base)+1:]
	j := strings.IndexByte(r, ']')
	if j <= 0 {
		return 0, "", false
	}
	n, err := strconv.Atoi(r[:j])
	if err != nil || n < 0 || n > 1<<20 {
		return 0, "", false
	}
	return n, r[j+1:], true
}
