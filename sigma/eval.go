package sigma

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
)

// The evaluator runs the filters Sigma compiles to (field filters, and/or/
// not, keyword regexes, cidr(), test(a == b), text:contains()) with the
// engine's semantics, on an event whose needed fields were read once into
// slots. Regexes are the engine's own (engine.CompileRegex), globs the
// match package's, as the engine uses them.

type pred func(v *view) bool

// view is one event as the rules read it.
type view struct {
	e    *event.Event
	vals []string
	gen  []uint32
	prio []uint8
	cur  uint32
}

func (v *view) get(slot int) (string, bool) {
	if v.gen[slot] == v.cur {
		return v.vals[slot], true
	}
	return "", false
}

// slotRef says that an event key fills a slot, with a priority: `#name`
// (2) beats `name` (1) for a slot named #name, as the engine's tag rule.
type slotRef struct {
	slot int
	prio uint8
}

// slots assigns slots to field names.
type slots struct {
	names []string
	byKey map[string][]slotRef
	index map[string]int
}

func newSlots() *slots { return &slots{byKey: map[string][]slotRef{}, index: map[string]int{}} }

func (s *slots) slot(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	i := len(s.names)
	s.names = append(s.names, name)
	s.index[name] = i
	if len(name) > 1 && name[0] == '#' {
		s.byKey[name] = append(s.byKey[name], slotRef{i, 2})
		s.byKey[name[1:]] = append(s.byKey[name[1:]], slotRef{i, 1})
	} else {
		s.byKey[name] = append(s.byKey[name], slotRef{i, 2})
	}
	return i
}

// fill reads the event's fields into the view. The first occurrence of a
// key wins, as event.Get does.
func (s *slots) fill(v *view, e *event.Event) {
	v.e = e
	v.cur++
	if v.cur == 0 { // wrapped: clear
		for i := range v.gen {
			v.gen[i] = 0
		}
		v.cur = 1
	}
	for i, k := range e.Keys {
		refs, ok := s.byKey[k]
		if !ok {
			continue
		}
		for _, r := range refs {
			if v.gen[r.slot] == v.cur && v.prio[r.slot] >= r.prio {
				continue
			}
			v.gen[r.slot] = v.cur
			v.prio[r.slot] = r.prio
			v.vals[r.slot] = e.Vals[i]
		}
	}
}

type evalCompiler struct {
	slots   *slots
	regexes map[string]*engine.Regex
	err     error
}

// compileRegex compiles through a cache shared by the rules of a set.
func compileRegex(cache map[string]*engine.Regex, pattern, flags string) (*engine.Regex, error) {
	key := flags + "/" + pattern
	if re, ok := cache[key]; ok {
		return re, nil
	}
	re, err := engine.CompileRegex(pattern, flags)
	if err != nil {
		return nil, err
	}
	if cache != nil {
		cache[key] = re
	}
	return re, nil
}

func (c *evalCompiler) failf(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

// cost estimates how long a filter takes, to test cheap conjuncts and
// disjuncts first (the filters have no side effects, so order does not
// change the result).
func cost(f cql.Filter) float64 {
	switch f := f.(type) {
	case *cql.AndFilter:
		return cost(f.L) + cost(f.R)
	case *cql.OrFilter:
		return cost(f.L) + cost(f.R)
	case *cql.NotFilter:
		return cost(f.X)
	case *cql.AnyFilter:
		return 0
	case *cql.FieldFilter:
		switch f.Value.Kind {
		case cql.ValueAny:
			return 0.5
		case cql.ValueGlob:
			return 1
		}
		if _, ok := exactValues(f.Value); ok {
			return 1
		}
		if _, ok := containedValues(f.Value); ok {
			return 3
		}
		return 10
	case *cql.RegexFilter, *cql.FreeText:
		return 50
	}
	return 5
}

// flatten lists the operands of a chain of one operator.
func flatten(f cql.Filter, and bool) []cql.Filter {
	switch x := f.(type) {
	case *cql.AndFilter:
		if and {
			return append(flatten(x.L, and), flatten(x.R, and)...)
		}
	case *cql.OrFilter:
		if !and {
			return append(flatten(x.L, and), flatten(x.R, and)...)
		}
	}
	return []cql.Filter{f}
}

func (c *evalCompiler) chain(f cql.Filter, and bool) pred {
	ops := flatten(f, and)
	sort.SliceStable(ops, func(i, j int) bool { return cost(ops[i]) < cost(ops[j]) })
	ps := make([]pred, len(ops))
	for i, o := range ops {
		ps[i] = c.filter(o)
	}
	if len(ps) == 2 {
		l, r := ps[0], ps[1]
		if and {
			return func(v *view) bool { return l(v) && r(v) }
		}
		return func(v *view) bool { return l(v) || r(v) }
	}
	if and {
		return func(v *view) bool {
			for _, p := range ps {
				if !p(v) {
					return false
				}
			}
			return true
		}
	}
	return func(v *view) bool {
		for _, p := range ps {
			if p(v) {
				return true
			}
		}
		return false
	}
}

func (c *evalCompiler) filter(f cql.Filter) pred {
	switch f := f.(type) {
	case *cql.AndFilter:
		return c.chain(f, true)
	case *cql.OrFilter:
		return c.chain(f, false)
	case *cql.NotFilter:
		x := c.filter(f.X)
		return func(v *view) bool { return !x(v) }
	case *cql.AnyFilter:
		return func(*view) bool { return true }
	case *cql.FieldFilter:
		return c.fieldFilter(f)
	case *cql.RegexFilter:
		re, err := compileRegex(c.regexes, f.Pattern, f.Flags)
		if err != nil {
			c.failf("%v", err)
			return nil
		}
		return func(v *view) bool { return freeText(v.e, re.MatchString) }
	case *cql.FreeText:
		text := f.Text
		return func(v *view) bool {
			return freeText(v.e, func(s string) bool { return strings.Contains(s, text) })
		}
	case *cql.CallFilter:
		return c.call(f.Call)
	}
	c.failf("unsupported filter %s", f.String())
	return nil
}

// freeText is LogScale's free-text rule (see event.Event.FreeText).
func freeText(e *event.Event, test func(string) bool) bool { return e.FreeText(test) }

// valueTest is the engine's equality test of a filter value.
func (c *evalCompiler) valueTest(val cql.Value) func(string) bool {
	switch val.Kind {
	case cql.ValueAny:
		return func(string) bool { return true }
	case cql.ValueRegex:
		re, err := compileRegex(c.regexes, val.Text, val.Flags)
		if err != nil {
			c.failf("%v", err)
			return nil
		}
		return re.MatchString
	}
	return engine.EqualityTest(val.Text, false)
}

func (c *evalCompiler) fieldFilter(f *cql.FieldFilter) pred {
	slot := c.slots.slot(f.Field)
	switch f.Op {
	case cql.Eq, cql.NotEq:
		test := c.valueTest(f.Value)
		if test == nil {
			return nil
		}
		if f.Op == cql.NotEq {
			return func(v *view) bool {
				s, ok := v.get(slot)
				return !ok || !test(s)
			}
		}
		if f.Value.Kind == cql.ValueAny {
			return func(v *view) bool { _, ok := v.get(slot); return ok }
		}
		return func(v *view) bool {
			s, ok := v.get(slot)
			return ok && test(s)
		}
	case cql.Lt, cql.Gt, cql.LtEq, cql.GtEq:
		num, _ := cql.ParseNumber(f.Value.Text)
		op := f.Op
		return func(v *view) bool {
			s, ok := v.get(slot)
			if !ok {
				return false
			}
			x, ok := cql.ParseNumber(s)
			if !ok {
				return false
			}
			switch op {
			case cql.Lt:
				return x < num
			case cql.Gt:
				return x > num
			case cql.LtEq:
				return x <= num
			}
			return x >= num
		}
	}
	c.failf("unsupported operator in %s", f.String())
	return nil
}

func argName(e cql.Expr) (string, bool) {
	switch x := e.(type) {
	case *cql.FieldRef:
		return x.Name, true
	case *cql.StrLit:
		return x.Value, true
	}
	return "", false
}

func (c *evalCompiler) call(call *cql.Call) pred {
	var p pred
	switch strings.ToLower(call.Name) {
	case "cidr":
		fa, ok := call.Arg("field")
		field, ok2 := argName(fa)
		sa, ok3 := call.Arg("subnet")
		if !ok || !ok2 || !ok3 {
			c.failf("cidr(): field and subnet expected")
			return nil
		}
		var nets []netip.Prefix
		var names []string
		if arr, isArr := sa.(*cql.ArrayExpr); isArr {
			for _, el := range arr.Elems {
				if n, ok := argName(el); ok {
					names = append(names, n)
				}
			}
		} else if n, ok := argName(sa); ok {
			names = append(names, n)
		}
		for _, n := range names {
			pf, err := parsePrefix(n)
			if err != nil {
				c.failf("cidr(): %q is not a subnet", n)
				return nil
			}
			nets = append(nets, pf)
		}
		slot := c.slots.slot(field)
		p = func(v *view) bool {
			s, ok := v.get(slot)
			if !ok {
				return false
			}
			addr, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return false
			}
			addr = addr.Unmap()
			for _, n := range nets {
				if n.Contains(addr) {
					return true
				}
			}
			return false
		}
	case "test":
		a, ok := call.Arg("expression")
		be, ok2 := a.(*cql.BinaryExpr)
		if !ok || !ok2 || be.Op != cql.EqEq {
			c.failf("test(): only a == b is supported here")
			return nil
		}
		l, ok1 := be.L.(*cql.FieldRef)
		r, ok2 := be.R.(*cql.FieldRef)
		if !ok1 || !ok2 {
			c.failf("test(): only field == field is supported here")
			return nil
		}
		ls, rs := c.slots.slot(l.Name), c.slots.slot(r.Name)
		p = func(v *view) bool {
			a, ok1 := v.get(ls)
			b, ok2 := v.get(rs)
			if !ok1 || !ok2 {
				return false
			}
			if a == b {
				return true
			}
			fa, na := cql.ParseNumber(a)
			fb, nb := cql.ParseNumber(b)
			return na && nb && fa == fb
		}
	case "text:contains":
		sa, ok1 := call.Arg("string")
		ua, ok2 := call.Arg("substring")
		l, ok3 := sa.(*cql.FieldRef)
		r, ok4 := ua.(*cql.FieldRef)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			c.failf("text:contains(): fields expected")
			return nil
		}
		ls, rs := c.slots.slot(l.Name), c.slots.slot(r.Name)
		p = func(v *view) bool {
			a, ok1 := v.get(ls)
			b, ok2 := v.get(rs)
			return ok1 && ok2 && strings.Contains(a, b)
		}
	default:
		c.failf("function %s() is not supported in Sigma rules", call.Name)
		return nil
	}
	if call.Negated {
		inner := p
		p = func(v *view) bool { return !inner(v) }
	}
	return p
}
