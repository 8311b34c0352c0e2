package engine

import (
	"net/netip"
	"strings"

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
	if c.boolArg(call, "repeat", false) {
		c.failf(call.At, "unsupported function regex(repeat=true)")
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
