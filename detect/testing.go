package detect

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/simulate"
	"github.com/lanner-dev/lanner/source"
)

// Fired is an alert as a test reports it.
type Fired struct {
	Rule       string `json:"rule"`
	Level      string `json:"level"`
	Suppressed string `json:"suppressed_by,omitempty"`
	What       string `json:"event,omitempty"` // a short description of the event
}

// CaseResult is the outcome of one test case.
type CaseResult struct {
	Pack     string   `json:"pack"`
	File     string   `json:"file"`
	Name     string   `json:"name"`
	Pass     bool     `json:"pass"`
	Problems []string `json:"problems,omitempty"`
	Fired    []Fired  `json:"fired"`
}

// Cell is one atomic test in one source.
type Cell struct {
	Test     int      `json:"test"`
	Name     string   `json:"name"`
	Source   string   `json:"source"`
	Status   string   `json:"status"` // pass, fail, not-observable, pending
	Records  int      `json:"records"`
	Fired    []Fired  `json:"fired"`
	Expected []Expect `json:"expected"`
	Problems []string `json:"problems,omitempty"`
}

// Cell statuses.
const (
	CellPass          = "pass"
	CellFail          = "fail"
	CellNotObservable = "not-observable"
	CellPending       = "pending" // no reader normalises this source yet
)

// Tester runs a pack's tests.
type Tester struct {
	Pack *Pack
	Run  Runner
	Now  time.Time // for exclusion expiry; zero: time.Now()
	base *Set      // the compiled rules, reused by every run
}

// runInput runs every rule of the pack over data with the exclusions; it
// also reports how many events came out of the reader with an event type
// (normalised), through a probe program.
func (t *Tester) runInput(name string, data []byte, excl []*Exclusion, now time.Time) ([]*Result, int64, []string, error) {
	if now.IsZero() {
		now = t.Now
	}
	if t.base == nil {
		b, err := Prepare(t.Pack.Rules, Options{Engine: engine.Options{LiftLimits: true}})
		if err != nil {
			return nil, 0, nil, err
		}
		t.base = b
	}
	set, err := t.base.Again(Options{Exclusions: excl, Now: now, KeepSuppressed: true})
	if err != nil {
		return nil, 0, nil, err
	}
	probe, err := engine.CompileString("#event_simpleName=*", cql.Options{}, engine.Options{})
	if err != nil {
		return nil, 0, nil, err
	}
	var typed int64
	progs := append(set.Programs(), probe)
	sinks := append(set.Sinks(), engine.SinkFunc(func(*event.Event) { typed++ }))
	in := []source.Input{{Path: name, Reader: bytes.NewReader(data), Size: int64(len(data))}}
	if err := t.Run(progs, in, sinks); err != nil {
		return nil, 0, nil, err
	}
	res, err := set.Results()
	return res, typed, set.Warnings(), err
}

func fired(res []*Result) ([]Fired, []*Alert) {
	var out []Fired
	var all []*Alert
	for _, r := range res {
		for _, a := range r.Alerts {
			out = append(out, Fired{Rule: a.Rule.ID, Level: a.Level, What: describe(a.Event)})
			all = append(all, a)
		}
		for _, a := range r.Suppressed {
			out = append(out, Fired{Rule: a.Rule.ID, Level: a.Level, Suppressed: a.SuppressedBy.Name, What: describe(a.Event)})
			all = append(all, a)
		}
	}
	return out, all
}

// describe names the event in a few words: parent → process, or the file.
func describe(e *event.Event) string {
	get := func(k string) string { v, _ := e.Get(k); return v }
	if f := get("TargetFileName"); f != "" {
		return "file " + f
	}
	s := get("FileName")
	if p := get("ParentBaseFileName"); p != "" {
		s = p + " → " + s
	}
	if c := get("CommandLine"); c != "" {
		if len(c) > 90 {
			c = c[:89] + "…"
		}
		s += ": " + c
	}
	return s
}

// compare matches expected alerts against alerts (not suppressed ones)
// and returns what differs.
func compare(want []Expect, got []*Alert) []string {
	type slot struct {
		e Expect
	}
	var slots []slot
	for _, w := range want {
		n := w.Count
		if n == 0 {
			n = 1
		}
		for i := 0; i < n; i++ {
			slots = append(slots, slot{w})
		}
	}
	// most specific expectations first
	sort.SliceStable(slots, func(i, j int) bool {
		si, sj := len(slots[i].e.Where), len(slots[j].e.Where)
		if (slots[i].e.Level != "") != (slots[j].e.Level != "") {
			return slots[i].e.Level != ""
		}
		return si > sj
	})
	used := make([]bool, len(got))
	var problems []string
	for _, s := range slots {
		found := false
		for i, a := range got {
			if used[i] || !matches(s.e, a) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			problems = append(problems, "missing: "+expectString(s.e))
		}
	}
	for i, a := range got {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("unexpected: %s %s (%s)", a.Rule.ID, a.Level, describe(a.Event)))
		}
	}
	return problems
}

func matches(e Expect, a *Alert) bool {
	if !strings.EqualFold(e.Rule, a.Rule.ID) {
		return false
	}
	if e.Level != "" && !strings.EqualFold(e.Level, a.Level) {
		return false
	}
	for k, v := range e.Where {
		got, ok := a.Event.Get(k)
		if !ok {
			got, ok = a.Row.Get(k)
		}
		if !ok || got != v {
			return false
		}
	}
	return true
}

func expectString(e Expect) string {
	s := e.Rule
	if e.Level != "" {
		s += " " + e.Level
	}
	if len(e.Where) > 0 {
		keys := make([]string, 0, len(e.Where))
		for k := range e.Where {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+e.Where[k])
		}
		s += " where " + strings.Join(parts, ", ")
	}
	return s
}

func (t *Tester) exclusionsFor(names []string) []*Exclusion {
	var out []*Exclusion
	for _, n := range names {
		if x := t.Pack.Exclusion(n); x != nil {
			out = append(out, x.enabledCopy())
		}
	}
	return out
}

// RunCase runs one test case.
func (t *Tester) RunCase(c *Case) *CaseResult {
	cr := &CaseResult{Pack: t.Pack.ID, File: c.Path, Name: c.Name}
	data, err := c.Input(t.Pack)
	if err != nil {
		cr.Problems = append(cr.Problems, err.Error())
		return cr
	}
	now, _ := c.Time()
	res, _, _, err := t.runInput(c.Path+"#"+c.Name, data, t.exclusionsFor(c.Tuning), now)
	if err != nil {
		cr.Problems = append(cr.Problems, err.Error())
		return cr
	}
	var alerts []*Alert
	var supp []*Alert
	cr.Fired, _ = fired(res)
	for _, r := range res {
		alerts = append(alerts, r.Alerts...)
		supp = append(supp, r.Suppressed...)
	}
	cr.Problems = append(cr.Problems, compare(c.Expect, alerts)...)
	cr.Problems = append(cr.Problems, compareSuppressed(c.Suppressed, supp)...)
	cr.Pass = len(cr.Problems) == 0
	return cr
}

func compareSuppressed(want []Suppression, got []*Alert) []string {
	type key struct{ rule, excl string }
	w := map[key]int{}
	for _, s := range want {
		n := s.Count
		if n == 0 {
			n = 1
		}
		w[key{strings.ToLower(s.Rule), strings.ToLower(s.Exclusion)}] += n
	}
	g := map[key]int{}
	what := map[key]string{}
	for _, a := range got {
		k := key{strings.ToLower(a.Rule.ID), strings.ToLower(a.SuppressedBy.Name)}
		g[k]++
		what[k] = describe(a.Event)
	}
	var problems []string
	keys := map[key]bool{}
	for k := range w {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	var ks []key
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].rule+ks[i].excl < ks[j].rule+ks[j].excl })
	for _, k := range ks {
		switch {
		case g[k] < w[k]:
			problems = append(problems, fmt.Sprintf("%s should suppress %d alert(s) of %s, suppressed %d", k.excl, w[k], k.rule, g[k]))
		case g[k] > w[k]:
			problems = append(problems, fmt.Sprintf("%s suppressed %d alert(s) of %s, expected %d (%s)", k.excl, g[k], k.rule, w[k], what[k]))
		}
	}
	return problems
}

// RunCases runs every test case of the pack.
func (t *Tester) RunCases() []*CaseResult {
	var out []*CaseResult
	for _, c := range t.Pack.Cases {
		out = append(out, t.RunCase(c))
	}
	return out
}

// RunAtomic simulates every atomic test in every source and checks the
// alerts.
func (t *Tester) RunAtomic(seed uint64, sources []string) []*Cell {
	var out []*Cell
	for _, a := range t.Pack.Atomic {
		for _, src := range sources {
			out = append(out, t.runCell(a, src, seed))
		}
	}
	return out
}

func (t *Tester) runCell(a *AtomicTest, src string, seed uint64) *Cell {
	c := &Cell{Test: a.Test, Name: a.Name, Source: src, Expected: a.Expected(src)}
	if c.Expected == nil {
		c.Expected = []Expect{}
	}
	sc := a.Scenario
	out, err := simulate.Render([]*simulate.Scenario{&sc}, src, seed)
	if err != nil {
		c.Status, c.Problems = CellFail, []string{err.Error()}
		return c
	}
	c.Records = out.Records
	if out.Records == 0 {
		c.Status = CellNotObservable
		if len(c.Expected) > 0 {
			c.Status = CellFail
			c.Problems = []string{"alerts are expected, but the test leaves no record in this source"}
		}
		return c
	}
	res, typed, _, err := t.runInput(fmt.Sprintf("simulate:%s:test%d:%s", t.Pack.ID, a.Test, src), out.Data, nil, time.Time{})
	if err != nil {
		c.Status, c.Problems = CellFail, []string{err.Error()}
		return c
	}
	var alerts []*Alert
	c.Fired, alerts = fired(res)
	if c.Fired == nil {
		c.Fired = []Fired{}
	}
	if typed == 0 {
		c.Status = CellPending
		c.Problems = []string{fmt.Sprintf("no %s reader yet: none of the %d records came out as a normalised event", src, out.Records)}
		return c
	}
	c.Problems = compare(c.Expected, alerts)
	c.Status = CellPass
	if len(c.Problems) > 0 {
		c.Status = CellFail
	}
	return c
}

// RunTuningChecks checks each exclusion of the pack's tuning/: at least
// one test case shows what it suppresses, and switched on it suppresses
// nothing in any other case nor in any atomic simulation.
func (t *Tester) RunTuningChecks(seed uint64) []*CaseResult {
	var out []*CaseResult
	for _, x := range t.Pack.Tuning {
		cr := &CaseResult{Pack: t.Pack.ID, File: strings.TrimPrefix(x.Source, t.Pack.Source+"/"), Name: "exclusion " + x.Name + " suppresses its intended events and nothing else"}
		shown := false
		for _, c := range t.Pack.Cases {
			if containsFold(c.Tuning, x.Name) {
				for _, s := range c.Suppressed {
					shown = shown || strings.EqualFold(s.Exclusion, x.Name)
				}
				continue
			}
			data, err := c.Input(t.Pack)
			if err != nil {
				cr.Problems = append(cr.Problems, err.Error())
				continue
			}
			excl := append(t.exclusionsFor(c.Tuning), x.enabledCopy())
			now, _ := c.Time()
			res, _, _, err := t.runInput(c.Path+"#"+c.Name, data, excl, now)
			if err != nil {
				cr.Problems = append(cr.Problems, err.Error())
				continue
			}
			for _, f := range suppressedBy(res, x.Name) {
				cr.Problems = append(cr.Problems, fmt.Sprintf("case %s: suppresses %s %s (%s)", c.Name, f.Rule, f.Level, f.What))
			}
		}
		if !shown {
			cr.Problems = append(cr.Problems, "no test case enables it and expects it to suppress an alert")
		}
		for _, a := range t.Pack.Atomic {
			sc := a.Scenario
			o, err := simulate.Render([]*simulate.Scenario{&sc}, "falcon", seed)
			if err != nil {
				cr.Problems = append(cr.Problems, err.Error())
				continue
			}
			res, _, _, err := t.runInput(fmt.Sprintf("simulate:test%d", a.Test), o.Data, []*Exclusion{x.enabledCopy()}, time.Time{})
			if err != nil {
				cr.Problems = append(cr.Problems, err.Error())
				continue
			}
			for _, f := range suppressedBy(res, x.Name) {
				cr.Problems = append(cr.Problems, fmt.Sprintf("atomic test %d: suppresses %s %s (%s)", a.Test, f.Rule, f.Level, f.What))
			}
		}
		cr.Pass = len(cr.Problems) == 0
		out = append(out, cr)
	}
	return out
}

func suppressedBy(res []*Result, name string) []Fired {
	var out []Fired
	for _, r := range res {
		for _, a := range r.Suppressed {
			if strings.EqualFold(a.SuppressedBy.Name, name) {
				out = append(out, Fired{Rule: a.Rule.ID, Level: a.Level, What: describe(a.Event)})
			}
		}
	}
	return out
}
