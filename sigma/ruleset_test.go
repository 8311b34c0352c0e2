package sigma

import (
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// TestRulesetMatchesEngine: the Ruleset (routing, witness index, its own
// evaluator) gives exactly what the engine gives for each rule's query, on
// real Windows event logs and the SigmaHQ regression events, for every
// SigmaHQ rule that loads. Routes are compared first, then each rule's
// detection on the events of its route.
func TestRulesetMatchesEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	var evs []*event.Event
	for _, c := range regressionCases(t) {
		evs = append(evs, readEvents(t, c.files...)...)
	}
	evs = append(evs, readEvents(t, sharedtest.Path(t, "data", "evtx", "hayabusa-sample-evtx"))...)
	evs = append(evs, syntheticEvents()...)
	evs = append(evs, realisticEvents(1000, 5)...)
	diffRuleset(t, sigmaHQRuleset(t), evs)
}

func diffRuleset(t *testing.T, rs *Ruleset, evs []*event.Event) {
	rules := rs.Rules
	m := rs.NewMatcher()
	got := make([][]int, len(evs))
	for i, e := range evs {
		got[i] = append([]int(nil), m.Match(e)...)
	}
	// routes
	routeEvs := map[string][]int{}
	var routeProgs []*engine.Program
	var keys []string
	for _, g := range rs.groups {
		p, err := engine.Compile(&cql.Query{Stages: []cql.Stage{&cql.FilterStage{Filter: g.r.filter()}}}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		routeProgs = append(routeProgs, p)
		keys = append(keys, g.r.key)
	}
	hits := engineMatches(t, routeProgs, evs)
	v := view{vals: make([]string, len(rs.slots.names)), gen: make([]uint32, len(rs.slots.names)), prio: make([]uint8, len(rs.slots.names))}
	for gi, g := range rs.groups {
		for i, e := range evs {
			rs.slots.fill(&v, e)
			if g.matches(&v) != hits[gi][i] {
				t.Errorf("route %s: engine %v, ruleset %v on %s:%d", keys[gi], hits[gi][i], !hits[gi][i], e.Origin.File, e.Origin.Line)
			}
			if hits[gi][i] {
				routeEvs[keys[gi]] = append(routeEvs[keys[gi]], i)
			}
		}
	}
	// detections
	matched, checked := 0, 0
	for ri, c := range rules {
		idx := routeEvs[c.route.key]
		sub := make([]*event.Event, len(idx))
		for j, i := range idx {
			sub[j] = evs[i]
		}
		p, err := engine.Compile(&cql.Query{Stages: []cql.Stage{&cql.FilterStage{Filter: c.Detection}}}, engine.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.Rule.Source, err)
		}
		eng := engineMatches(t, []*engine.Program{p}, sub)[0]
		inRoute := map[int]bool{}
		for j, i := range idx {
			inRoute[i] = true
			checked++
			rsHit := false
			for _, k := range got[i] {
				rsHit = rsHit || k == ri
			}
			if eng[j] {
				matched++
			}
			if rsHit != eng[j] {
				t.Errorf("%s: engine %v, ruleset %v on %s:%d", c.Rule.Source, eng[j], rsHit, evs[i].Origin.File, evs[i].Origin.Line)
			}
		}
		for i := range evs {
			if inRoute[i] {
				continue
			}
			for _, k := range got[i] {
				if k == ri {
					t.Errorf("%s: ruleset matched outside the rule's route on %s:%d", c.Rule.Source, evs[i].Origin.File, evs[i].Origin.Line)
				}
			}
		}
	}
	t.Logf("%d rules, %d events, %d (rule, event) pairs in route checked, %d matches", len(rules), len(evs), checked, matched)
}
