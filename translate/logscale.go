package translate

import (
	"strings"

	"github.com/lanner-dev/lanner/cql"
)

// Logscale rewrites the forms of the seed's dialect that have no LogScale
// spelling into LogScale's own (spec/logscale.md §5.2), so that the query
// parses and runs under --strict with the same results:
//
//	x := if(F = /re/, then="a", else="b")   →  case { F=/re/ | x := "a" ; * | x := "b" }
//	x := case(c1, v1, …, true(), v)          →  case { c1 | x := v1 ; … ; * | x := v }
//
// A condition is the expression's tests as a filter (F = v, F != v,
// AND/OR/!). Other stages are kept.
func Logscale(q *cql.Query) (*cql.Query, error) {
	out := &cql.Query{Source: q.Source}
	for _, st := range q.Stages {
		a, ok := st.(*cql.AssignStage)
		if !ok {
			out.Stages = append(out.Stages, st)
			continue
		}
		cs, ok, err := caseFor(a)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Stages = append(out.Stages, st)
			continue
		}
		out.Stages = append(out.Stages, cs)
	}
	return out, nil
}

func caseFor(a *cql.AssignStage) (cql.Stage, bool, error) {
	ce, ok := a.Value.(*cql.CallExpr)
	if !ok {
		return nil, false, nil
	}
	c := ce.Call
	var conds []cql.Expr
	var vals []cql.Expr
	switch strings.ToLower(c.Name) {
	case "if":
		args := c.Positionals()
		t, _ := c.Arg("then")
		f, _ := c.Arg("else")
		if len(args) == 3 {
			t, f = args[1], args[2]
		}
		if len(args) == 0 || t == nil || f == nil {
			return nil, false, nil
		}
		conds = []cql.Expr{args[0], &cql.BoolLit{Value: true}}
		vals = []cql.Expr{t, f}
	case "case":
		args := c.Positionals()
		if len(args)%2 != 0 {
			return nil, false, nil
		}
		for i := 0; i < len(args); i += 2 {
			conds = append(conds, args[i])
			vals = append(vals, args[i+1])
		}
	default:
		return nil, false, nil
	}
	cs := &cql.CaseStage{At: a.At}
	sawDefault := false
	for i, cond := range conds {
		var f cql.Filter
		if b, ok := cond.(*cql.BoolLit); ok && b.Value {
			f = &cql.AnyFilter{}
			sawDefault = true
		} else {
			var err error
			if f, err = exprFilter(cond); err != nil {
				return nil, false, err
			}
		}
		branch := []cql.Stage{&cql.FilterStage{Filter: f}, &cql.AssignStage{Field: a.Field, Value: vals[i]}}
		if _, any := f.(*cql.AnyFilter); any {
			branch = branch[1:]
		}
		cs.Branches = append(cs.Branches, branch)
		if sawDefault {
			break
		}
	}
	if !sawDefault {
		// no condition holds: the field stays unset and the event is kept
		cs.Branches = append(cs.Branches, []cql.Stage{&cql.FilterStage{Filter: &cql.AnyFilter{}}})
	}
	return cs, true, nil
}

// exprFilter turns a test expression into a filter.
func exprFilter(e cql.Expr) (cql.Filter, error) {
	switch x := e.(type) {
	case *cql.MatchExpr:
		op := cql.Eq
		if x.Negate {
			op = cql.NotEq
		}
		return &cql.FieldFilter{At: x.At, Field: x.Field, Op: op, Value: x.Value}, nil
	case *cql.BinaryExpr:
		l, err := exprFilter(x.L)
		if err != nil {
			return nil, err
		}
		r, err := exprFilter(x.R)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case cql.AndAnd:
			return &cql.AndFilter{L: l, R: r}, nil
		case cql.OrOr:
			return &cql.OrFilter{L: l, R: r}, nil
		}
	case *cql.UnaryExpr:
		if x.Op == cql.Bang {
			inner, err := exprFilter(x.X)
			if err != nil {
				return nil, err
			}
			return &cql.NotFilter{X: inner}, nil
		}
	}
	return nil, unsupported("the condition %s as a LogScale filter", e.String())
}
