package engine

import (
	"math"
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// exprFn evaluates an expression. ok=false is null: a missing field, a
// type error, or a function without a result. Values are strings
// interpreted by context, as in LogScale.
type exprFn func(e *event.Event) (string, bool)

const (
	vTrue  = "true"
	vFalse = "false"
)

func boolStr(b bool) string {
	if b {
		return vTrue
	}
	return vFalse
}

// truthy is how a condition reads a value: true or "true", or a non-zero
// number; null, false and anything else are false.
func truthy(s string, ok bool) bool {
	if !ok {
		return false
	}
	switch s {
	case vTrue:
		return true
	case vFalse, "":
		return false
	}
	if f, ok := cql.ParseNumber(s); ok {
		return f != 0
	}
	return false
}

func (c *compiler) expr(x cql.Expr) exprFn {
	switch x := x.(type) {
	case *cql.StrLit:
		v := x.Value
		return func(*event.Event) (string, bool) { return v, true }
	case *cql.NumLit:
		v := x.Text
		return func(*event.Event) (string, bool) { return v, true }
	case *cql.BoolLit:
		v := boolStr(x.Value)
		return func(*event.Event) (string, bool) { return v, true }
	case *cql.FieldRef:
		g := fieldGetter(x.Name)
		return func(e *event.Event) (string, bool) { return g(e) }
	case *cql.UnaryExpr:
		in := c.expr(x.X)
		if x.Op == cql.Minus {
			return func(e *event.Event) (string, bool) {
				v, ok := in(e)
				if f, isNum := cql.ParseNumber(v); ok && isNum {
					return cql.FormatNumber(-f), true
				}
				return "", false
			}
		}
		return func(e *event.Event) (string, bool) {
			v, ok := in(e)
			if !ok {
				return "", false
			}
			switch v {
			case vTrue:
				return vFalse, true
			case vFalse:
				return vTrue, true
			}
			if f, isNum := cql.ParseNumber(v); isNum {
				return boolStr(f == 0), true
			}
			return "", false
		}
	case *cql.BinaryExpr:
		return c.binary(x)
	case *cql.MatchExpr:
		get := fieldGetter(x.Field)
		test := c.valueTest(x.Value, x.At, false)
		neg := x.Negate
		return func(e *event.Event) (string, bool) {
			v, ok := get(e)
			m := ok && test(v)
			return boolStr(m != neg), true
		}
	case *cql.CallExpr:
		return c.callExpr(x.Call)
	case *cql.RegexLit:
		c.failf(x.At, "a regex is not a value here")
	case *cql.ArrayExpr:
		c.failf(x.At, "an array is not a value here")
	case *cql.SubqueryExpr:
		c.failf(x.At, "a subquery is not a value here")
	}
	c.failf(x.Position(), "unsupported expression %s", x.String())
	return nil
}

func (c *compiler) binary(x *cql.BinaryExpr) exprFn {
	l, r := c.expr(x.L), c.expr(x.R)
	switch x.Op {
	case cql.AndAnd:
		return func(e *event.Event) (string, bool) {
			return boolStr(truthy(l(e)) && truthy(r(e))), true
		}
	case cql.OrOr:
		return func(e *event.Event) (string, bool) {
			return boolStr(truthy(l(e)) || truthy(r(e))), true
		}
	case cql.EqEq, cql.NotEq:
		neg := x.Op == cql.NotEq
		return func(e *event.Event) (string, bool) {
			a, ok1 := l(e)
			b, ok2 := r(e)
			if !ok1 || !ok2 {
				return "", false
			}
			eq := a == b
			if !eq {
				fa, na := cql.ParseNumber(a)
				fb, nb := cql.ParseNumber(b)
				eq = na && nb && fa == fb
			}
			return boolStr(eq != neg), true
		}
	case cql.Lt, cql.Gt, cql.LtEq, cql.GtEq:
		cmp := numCmp(x.Op)
		return func(e *event.Event) (string, bool) {
			a, ok1 := l(e)
			b, ok2 := r(e)
			fa, na := cql.ParseNumber(a)
			fb, nb := cql.ParseNumber(b)
			if !ok1 || !ok2 || !na || !nb {
				return "", false
			}
			return boolStr(cmp(fa, fb)), true
		}
	case cql.Plus, cql.Minus, cql.Star, cql.Slash, cql.Percent:
		op := x.Op
		return func(e *event.Event) (string, bool) {
			a, ok1 := l(e)
			b, ok2 := r(e)
			fa, na := cql.ParseNumber(a)
			fb, nb := cql.ParseNumber(b)
			if !ok1 || !ok2 || !na || !nb {
				return "", false
			}
			var v float64
			switch op {
			case cql.Plus:
				v = fa + fb
			case cql.Minus:
				v = fa - fb
			case cql.Star:
				v = fa * fb
			case cql.Slash:
				if fb == 0 {
					return "", false
				}
				v = fa / fb
			case cql.Percent:
				if fb == 0 {
					return "", false
				}
				v = math.Mod(fa, fb)
			}
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return "", false
			}
			return cql.FormatNumber(v), true
		}
	}
	c.failf(x.At, "unsupported operator %s", x.Op)
	return nil
}

// callExpr compiles a function used inside an expression: filter functions
// give true/false, field functions give their value.
func (c *compiler) callExpr(call *cql.Call) exprFn {
	switch strings.ToLower(call.Name) {
	case "if":
		cond := c.exprArg(call, "condition")
		then, hasThen := call.Arg("then")
		els, hasElse := call.Arg("else")
		if !hasThen {
			c.failf(call.At, "if() needs then=")
		}
		t := c.expr(then)
		var f exprFn = func(*event.Event) (string, bool) { return "", false }
		if hasElse {
			f = c.expr(els)
		}
		return func(e *event.Event) (string, bool) {
			if truthy(cond(e)) {
				return t(e)
			}
			return f(e)
		}
	case "case":
		ps := call.Positionals()
		var conds, vals []exprFn
		var def exprFn
		for i := 0; i+1 < len(ps); i += 2 {
			conds = append(conds, c.expr(ps[i]))
			vals = append(vals, c.expr(ps[i+1]))
		}
		if len(ps)%2 == 1 {
			def = c.expr(ps[len(ps)-1])
		}
		return func(e *event.Event) (string, bool) {
			for i, cond := range conds {
				if truthy(cond(e)) {
					return vals[i](e)
				}
			}
			if def != nil {
				return def(e)
			}
			return "", false
		}
	case "true", "false":
		v := boolStr(strings.EqualFold(call.Name, "true"))
		return func(*event.Event) (string, bool) { return v, true }
	case "coalesce":
		arg, ok := call.Arg("expressions")
		if !ok {
			c.failf(call.At, "coalesce() needs a list of expressions")
		}
		var fns []exprFn
		if arr, isArr := arg.(*cql.ArrayExpr); isArr {
			for _, el := range arr.Elems {
				fns = append(fns, c.expr(el))
			}
		} else {
			fns = append(fns, c.expr(arg))
		}
		ignoreEmpty := c.boolArg(call, "ignoreEmpty", true)
		return func(e *event.Event) (string, bool) {
			for _, f := range fns {
				if v, ok := f(e); ok && (v != "" || !ignoreEmpty) {
					return v, true
				}
			}
			return "", false
		}
	case "getfield":
		src := c.exprArg(call, "source")
		return func(e *event.Event) (string, bool) {
			name, ok := src(e)
			if !ok {
				return "", false
			}
			return fieldGetter(name)(e)
		}
	case "now":
		now := strconv.FormatInt(c.opts.Now.UnixMilli(), 10)
		return func(*event.Event) (string, bool) { return now, true }
	case "start":
		v := "0"
		if !c.opts.Since.IsZero() {
			v = strconv.FormatInt(c.opts.Since.UnixMilli(), 10)
		}
		return func(*event.Event) (string, bool) { return v, true }
	case "end":
		t := c.opts.Now
		if !c.opts.Until.IsZero() {
			t = c.opts.Until
		}
		v := strconv.FormatInt(t.UnixMilli(), 10)
		return func(*event.Event) (string, bool) { return v, true }
	case "duration":
		text := c.wordArg(call, "duration", "")
		ms, ok := parseDuration(text)
		if !ok {
			c.failf(call.At, "duration(): %q is not a duration such as 7d, 1h or 15min", text)
		}
		v := strconv.FormatInt(ms, 10)
		return func(*event.Event) (string, bool) { return v, true }
	}
	c.refuseOnline(call)
	spec := cql.Lookup(call.Name)
	if spec != nil && spec.Filter {
		p := c.callFilter(call, false)
		return func(e *event.Event) (string, bool) { return boolStr(p(e)), true }
	}
	if fn := c.valueFunc(call); fn != nil {
		return fn
	}
	c.failf(call.At, "unsupported function %s", call.Name)
	return nil
}

func (c *compiler) exprArg(call *cql.Call, name string) exprFn {
	a, ok := call.Arg(name)
	if !ok {
		c.failf(call.At, "%s() needs %s", call.Name, name)
	}
	return c.expr(a)
}
