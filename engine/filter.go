package engine

import (
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// predicate is a compiled filter. It may add fields (regex extraction).
type predicate func(e *event.Event) bool

// getter reads a field with LogScale's tag rule: `#name` falls back to
// `name` where the event has no `#name`.
type getter func(e *event.Event) (string, bool)

func fieldGetter(name string) getter {
	if len(name) > 1 && name[0] == '#' {
		plain := name[1:]
		return func(e *event.Event) (string, bool) {
			if v, ok := e.Get(name); ok {
				return v, true
			}
			return e.Get(plain)
		}
	}
	return func(e *event.Event) (string, bool) { return e.Get(name) }
}

func (c *compiler) filter(f cql.Filter, top bool) predicate {
	switch f := f.(type) {
	case *cql.AndFilter:
		l, r := c.filter(f.L, top && f.Implicit), c.filter(f.R, top && f.Implicit)
		return func(e *event.Event) bool { return l(e) && r(e) }
	case *cql.OrFilter:
		l, r := c.filter(f.L, false), c.filter(f.R, false)
		return func(e *event.Event) bool { return l(e) || r(e) }
	case *cql.NotFilter:
		x := c.filter(f.X, false)
		return func(e *event.Event) bool { return !x(e) }
	case *cql.FieldFilter:
		return c.fieldFilter(f, top)
	case *cql.FreeText:
		text := f.Text
		return func(e *event.Event) bool {
			return freeText(e, func(s string) bool { return strings.Contains(s, text) })
		}
	case *cql.RegexFilter:
		re := c.regex(f.Pattern, f.Flags, f.At)
		if top && re.HasCaptures() {
			return func(e *event.Event) bool {
				if raw := e.Origin.Raw; raw != nil {
					if re.Extract(string(raw), e.Set) {
						return true
					}
				}
				return freeText(e, func(s string) bool { return re.Extract(s, e.Set) })
			}
		}
		return func(e *event.Event) bool {
			return freeText(e, re.MatchString)
		}
	case *cql.CallFilter:
		return c.callFilter(f.Call, top)
	case *cql.AnyFilter:
		return func(*event.Event) bool { return true }
	}
	c.failf(f.Position(), "unsupported filter %s", f.String())
	return nil
}

// freeText is LogScale's free-text rule (see event.Event.FreeText).
func freeText(e *event.Event, test func(string) bool) bool { return e.FreeText(test) }

// valueTest compiles the test of a field value against a filter value
// (equality semantics: glob, or numeric equality when the value is a
// number, or regex search).
func (c *compiler) valueTest(v cql.Value, at cql.Pos, fold bool) func(string) bool {
	switch v.Kind {
	case cql.ValueAny:
		return func(string) bool { return true }
	case cql.ValueRegex:
		re := c.regex(v.Text, v.Flags, at)
		return re.MatchString
	}
	return EqualityTest(v.Text, fold)
}

// EqualityTest is the test of `field=value` for a glob value: the whole
// value, '*' a wildcard; and where the value is a number, numeric equality
// too ("If statuscode is a numeric value, the string will be converted to
// a number before comparison": 404.0 equals 404).
func EqualityTest(glob string, fold bool) func(string) bool {
	g := compileGlob(glob, fold)
	if num, ok := cql.ParseNumber(glob); ok && !strings.Contains(glob, "*") {
		return func(s string) bool {
			if g.MatchString(s) {
				return true
			}
			f, ok := cql.ParseNumber(s)
			return ok && f == num
		}
	}
	return g.MatchString
}

func (c *compiler) fieldFilter(f *cql.FieldFilter, top bool) predicate {
	get := fieldGetter(f.Field)
	switch f.Op {
	case cql.Eq, cql.NotEq:
		neg := f.Op == cql.NotEq
		if f.Value.Kind == cql.ValueRegex && top && !neg {
			re := c.regex(f.Value.Text, f.Value.Flags, f.At)
			if re.HasCaptures() {
				return func(e *event.Event) bool {
					v, ok := get(e)
					return ok && re.Extract(v, e.Set)
				}
			}
		}
		test := c.valueTest(f.Value, f.At, false)
		if neg {
			return func(e *event.Event) bool {
				v, ok := get(e)
				return !ok || !test(v)
			}
		}
		return func(e *event.Event) bool {
			v, ok := get(e)
			return ok && test(v)
		}
	case cql.Lt, cql.Gt, cql.LtEq, cql.GtEq:
		num, _ := cql.ParseNumber(f.Value.Text)
		cmp := numCmp(f.Op)
		return func(e *event.Event) bool {
			v, ok := get(e)
			if !ok {
				return false
			}
			x, ok := cql.ParseNumber(v)
			return ok && cmp(x, num)
		}
	}
	c.failf(f.At, "unsupported operator %s", f.Op)
	return nil
}

func numCmp(op cql.Kind) func(a, b float64) bool {
	switch op {
	case cql.Lt:
		return func(a, b float64) bool { return a < b }
	case cql.Gt:
		return func(a, b float64) bool { return a > b }
	case cql.LtEq:
		return func(a, b float64) bool { return a <= b }
	default:
		return func(a, b float64) bool { return a >= b }
	}
}
