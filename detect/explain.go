package detect

import (
	"strings"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
)

// Explanation says, stage by stage, why a rule fired on an event or not.
type Explanation struct {
	Rule      *Rule          `json:"-"`
	RuleID    string         `json:"rule"`
	Steps     []ExplainStep  `json:"steps"`
	StoppedAt int            `json:"stopped_at"` // index of the stage that dropped the event, -1 when none did
	Matched   bool           `json:"matched"`    // the alerting part let the event through
	Level     string         `json:"level,omitempty"`
	Row       *event.Event   `json:"-"`
	Checks    []ExclusionUse `json:"exclusions,omitempty"`
	// SuppressedBy names the exclusion that suppresses the alert, or "".
	SuppressedBy string `json:"suppressed_by,omitempty"`
	Fires        bool   `json:"fires"`
	// Presentation is the rest of the query (projection, sort, limit).
	Presentation string `json:"presentation,omitempty"`
}

// ExplainStep is one stage of the alerting part.
type ExplainStep struct {
	Stage      string          `json:"stage"`
	Kind       string          `json:"kind"` // filter, assignment, function
	Pass       bool            `json:"pass"`
	Clauses    []ExplainClause `json:"clauses,omitempty"`
	Field      string          `json:"field,omitempty"` // assignment target
	Value      *string         `json:"value,omitempty"` // its value afterwards (nil: not set)
	Conditions []ExplainCond   `json:"conditions,omitempty"`
}

// ExplainClause is one AND-ed part of a filter stage, with the values of
// the fields it reads.
type ExplainClause struct {
	Text   string            `json:"clause"`
	Pass   bool              `json:"pass"`
	Fields map[string]string `json:"fields,omitempty"` // absent fields are missing
}

// ExplainCond is one condition of a case() or if(): whether it held and the
// value it gives.
type ExplainCond struct {
	Text   string `json:"condition"`
	Holds  bool   `json:"holds"`
	Gives  string `json:"gives,omitempty"` // the value it gives (case); "" for if()
	Chosen bool   `json:"chosen"`
}

// ExclusionUse is how one exclusion treats the event.
type ExclusionUse struct {
	Name    string `json:"name"`
	Source  string `json:"source"`
	Enabled bool   `json:"enabled"`
	Expired bool   `json:"expired"`
	Applies bool   `json:"applies"` // covers the rule
	Matches bool   `json:"matches"` // its filter matches the event
}

// Explain runs the rule's query over one event a stage at a time.
// Exclusions are evaluated whether enabled or not, to show what each would do.
func Explain(r *Rule, ev *event.Event, exclusions []*Exclusion, now time.Time) (*Explanation, error) {
	q, err := cql.Parse(r.Query)
	if err != nil {
		return nil, err
	}
	k := SplitPoint(q.Stages)
	x := &Explanation{Rule: r, RuleID: r.ID, StoppedAt: -1}
	var rest []string
	for _, s := range q.Stages[k:] {
		rest = append(rest, s.String())
	}
	x.Presentation = strings.Join(rest, " | ")
	cur := ev.Clone()
	for i, st := range q.Stages[:k] {
		step := ExplainStep{Stage: st.String()}
		switch s := st.(type) {
		case *cql.FilterStage:
			step.Kind = "filter"
			for _, c := range conjuncts(s.Filter) {
				ok, err := passes(&cql.FilterStage{Filter: c}, cur)
				if err != nil {
					return nil, err
				}
				step.Clauses = append(step.Clauses, ExplainClause{Text: c.String(), Pass: ok, Fields: fieldValues(c, cur)})
			}
		case *cql.AssignStage:
			step.Kind = "assignment"
			step.Field = s.Field
			if ce, ok := s.Value.(*cql.CallExpr); ok {
				conds, err := conditions(ce.Call, cur)
				if err != nil {
					return nil, err
				}
				step.Conditions = conds
			}
		default:
			step.Kind = "function"
		}
		out, err := apply(st, cur)
		if err != nil {
			return nil, err
		}
		step.Pass = out != nil
		if out != nil {
			cur = out
			if step.Field != "" {
				if v, ok := cur.Get(step.Field); ok {
					step.Value = &v
				}
			}
		}
		x.Steps = append(x.Steps, step)
		if !step.Pass {
			x.StoppedAt = i
			break
		}
	}
	x.Matched = x.StoppedAt < 0
	if !x.Matched {
		return x, nil
	}
	restProg, err := engine.Compile(&cql.Query{Stages: q.Stages[k:]}, engine.Options{})
	if err != nil {
		return nil, err
	}
	rows, _, err := runEvents(restProg, []*event.Event{cur.Clone()})
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 {
		x.Row = rows[0]
	} else {
		x.Row = cur
	}
	x.Level = strings.ToLower(r.Severity)
	for _, e := range []*event.Event{x.Row, cur} {
		if v, ok := e.Get("suspicion_level"); ok && SeverityRank(v) > 0 {
			x.Level = strings.ToLower(v)
			break
		}
	}
	for _, ex := range exclusions {
		use := ExclusionUse{Name: ex.Name, Source: ex.Source, Enabled: ex.IsEnabled(), Expired: ex.ExpiredAt(now), Applies: ex.AppliesTo(r.ID)}
		p, err := ex.Compile()
		if err != nil {
			return nil, err
		}
		hit, err := filterEvents(p, []*event.Event{cur})
		if err != nil {
			return nil, err
		}
		use.Matches = hit[0]
		if use.Matches && use.Applies && use.Enabled && !use.Expired && x.SuppressedBy == "" {
			x.SuppressedBy = ex.Name
		}
		x.Checks = append(x.Checks, use)
	}
	x.Fires = x.SuppressedBy == ""
	return x, nil
}

// conjuncts splits a filter at its top-level ANDs.
func conjuncts(f cql.Filter) []cql.Filter {
	if a, ok := f.(*cql.AndFilter); ok {
		return append(conjuncts(a.L), conjuncts(a.R)...)
	}
	return []cql.Filter{f}
}

// fieldValues lists the fields a filter reads with their values.
func fieldValues(f cql.Filter, e *event.Event) map[string]string {
	m := map[string]string{}
	var walk func(cql.Filter)
	walk = func(f cql.Filter) {
		switch f := f.(type) {
		case *cql.FieldFilter:
			if v, ok := getTag(e, f.Field); ok {
				m[f.Field] = v
			}
		case *cql.AndFilter:
			walk(f.L)
			walk(f.R)
		case *cql.OrFilter:
			walk(f.L)
			walk(f.R)
		case *cql.NotFilter:
			walk(f.X)
		}
	}
	walk(f)
	return m
}

// getTag reads a field with LogScale's tag rule (#name falls back to name).
func getTag(e *event.Event, name string) (string, bool) {
	if v, ok := e.Get(name); ok {
		return v, true
	}
	if strings.HasPrefix(name, "#") {
		return e.Get(name[1:])
	}
	return "", false
}

// apply runs one stage over a copy of the event; nil when it drops it.
func apply(st cql.Stage, e *event.Event) (*event.Event, error) {
	p, err := engine.Compile(&cql.Query{Stages: []cql.Stage{st}}, engine.Options{})
	if err != nil {
		return nil, err
	}
	rows, _, err := runEvents(p, []*event.Event{e.Clone()})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

func passes(st cql.Stage, e *event.Event) (bool, error) {
	out, err := apply(st, e)
	return out != nil, err
}

const probeField = "__lanner_explain"

// conditions evaluates each condition of a case(c1, v1, …) or
// if(c, then, else) call.
func conditions(call *cql.Call, e *event.Event) ([]ExplainCond, error) {
	var pairs [][2]cql.Expr
	switch strings.ToLower(call.Name) {
	case "case":
		for i := 0; i+1 < len(call.Args); i += 2 {
			pairs = append(pairs, [2]cql.Expr{call.Args[i].Value, call.Args[i+1].Value})
		}
	case "if":
		c, ok1 := call.Arg("condition")
		if !ok1 {
			return nil, nil
		}
		pairs = append(pairs, [2]cql.Expr{c, nil})
	default:
		return nil, nil
	}
	var out []ExplainCond
	chosen := false
	for _, p := range pairs {
		probe := &cql.AssignStage{Field: probeField, Value: &cql.CallExpr{Call: &cql.Call{Name: "if", Args: []cql.Arg{
			{Value: p[0]}, {Name: "then", Value: &cql.StrLit{Value: "true"}}, {Name: "else", Value: &cql.StrLit{Value: "false"}},
		}}}}
		res, err := apply(probe, e)
		if err != nil {
			return nil, err
		}
		holds := false
		if res != nil {
			v, _ := res.Get(probeField)
			holds = v == "true"
		}
		c := ExplainCond{Text: p[0].String(), Holds: holds}
		if p[1] != nil {
			c.Gives = exprText(p[1])
		}
		if holds && !chosen {
			c.Chosen, chosen = true, true
		}
		out = append(out, c)
	}
	return out, nil
}

func exprText(e cql.Expr) string {
	if s, ok := e.(*cql.StrLit); ok {
		return s.Value
	}
	return e.String()
}
