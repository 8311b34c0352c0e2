package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/sigma"
)

// sigmaRules are the Sigma rules of a detect run (--sigma): as detect rules
// (for alerts, tuning and output), and as one Ruleset that evaluates them
// all in one program of the pass (routing and candidate indexing; the
// results are the engine's on each rule's query).
type sigmaRules struct {
	Rules []*detect.Rule
	rs    *sigma.Ruleset
}

// loadSigmaRules loads the files and directories of --sigma. A directory
// skips the rules that do not load, with their reasons on stderr; a file
// named on its own whose rules do not load is exit 2.
func loadSigmaRules(paths []string) (*sigmaRules, error) {
	sr := &sigmaRules{}
	if len(paths) == 0 {
		return sr, nil
	}
	var all []*sigma.Compiled
	for _, p := range paths {
		set, err := sigma.Load([]string{p}, sigma.Options{})
		if err != nil {
			return nil, usageErr("--sigma: %v", err)
		}
		st, _ := os.Stat(p)
		if st != nil && !st.IsDir() && len(set.Skipped) > 0 {
			var why []string
			for _, e := range set.Skipped {
				why = append(why, e.Error())
			}
			return nil, &exitError{code: 2, msg: "Sigma rule not loaded:\n  " + strings.Join(why, "\n  ")}
		}
		for _, e := range set.Skipped {
			fmt.Fprintf(os.Stderr, "lanner: Sigma rule not loaded: %v\n", e)
		}
		for _, w := range set.Warnings {
			fmt.Fprintf(os.Stderr, "lanner: warning: %s\n", w)
		}
		fmt.Fprintf(os.Stderr, "lanner: %s from %s\n", set.Summary(), p)
		all = append(all, set.Rules...)
	}
	seen := map[string]string{}
	for _, c := range all {
		r := c.Rule
		key := r.Key()
		if prev, dup := seen[strings.ToLower(key)]; dup {
			return nil, usageErr("Sigma rule %s of %s is also the id of %s", key, r.Source, prev)
		}
		seen[strings.ToLower(key)] = r.Source
		level := strings.ToLower(r.Level)
		if detect.SeverityRank(level) == 0 {
			level = "medium"
		}
		status := r.Status
		if status == "" {
			status = "experimental"
		}
		sr.Rules = append(sr.Rules, &detect.Rule{ID: key, Title: r.Title, Status: status, Description: r.Description,
			Severity: level, FalsePositives: r.FalsePositives, References: r.References,
			Query: c.Query.String(), Source: r.Source})
	}
	rs, err := sigma.NewRuleset(all)
	if err != nil {
		return nil, usageErr("--sigma: %v", err)
	}
	sr.rs = rs
	return sr, nil
}

// programs returns the programs and sinks of the run: those of the CQL
// rules as they are, and for the Sigma rules (the last len(sr.Rules) of
// the set) one program that passes the events of their logsources to a
// dispatcher, which evaluates the Ruleset and feeds each rule's sink.
func (sr *sigmaRules) programs(set *detect.Set) ([]*engine.Program, []engine.Sink, error) {
	progs, sinks := set.Programs(), set.Sinks()
	n := len(sr.Rules)
	if n == 0 {
		return progs, sinks, nil
	}
	k := len(progs) - n
	routes := map[string]bool{}
	var alts []cql.Filter
	for _, c := range sr.rs.Rules {
		if s := c.Route.String(); !routes[s] {
			routes[s] = true
			alts = append(alts, c.Route)
		}
	}
	f := alts[0]
	for _, a := range alts[1:] {
		f = &cql.OrFilter{L: f, R: a}
	}
	p, err := engine.Compile(&cql.Query{Stages: []cql.Stage{&cql.FilterStage{Filter: f}}}, engine.Options{})
	if err != nil {
		return nil, nil, err
	}
	d := &sigmaDispatch{m: sr.rs.NewMatcher(), sinks: sinks[k:]}
	return append(progs[:k:k], p), append(sinks[:k:k], d), nil
}

// sigmaDispatch takes the events of the Sigma logsources, in input order,
// and pushes each to the sinks of the rules it matches.
type sigmaDispatch struct {
	m     *sigma.Matcher
	sinks []engine.Sink
}

func (d *sigmaDispatch) Push(e *event.Event) {
	hits := d.m.Match(e)
	for i, r := range hits {
		x := e
		if i > 0 {
			x = e.Clone()
		}
		d.sinks[r].Push(x)
	}
}

func (d *sigmaDispatch) Flush() {
	for _, s := range d.sinks {
		s.Flush()
	}
}
