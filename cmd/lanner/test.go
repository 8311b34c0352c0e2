package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/simulate"
	"github.com/lanner-dev/lanner/source"
)

// cliRunner reads test inputs exactly as `lanner detect` reads files.
func cliRunner(fl inputFlags) detect.Runner {
	return func(progs []*engine.Program, ins []source.Input, sinks []engine.Sink) error {
		res, err := runPrograms(progs, ins, fl, sinks)
		if err != nil {
			return err
		}
		if res != nil && len(res.readErr) > 0 {
			return res.readErr[0]
		}
		return nil
	}
}

// packReport is one pack's test results.
type packReport struct {
	Pack    string               `json:"pack"`
	Source  string               `json:"source"`
	Rules   []string             `json:"rules"`
	Cases   []*detect.CaseResult `json:"cases"`
	Tuning  []*detect.CaseResult `json:"tuning"`
	Seed    uint64               `json:"seed"`
	Sources []string             `json:"sources"`
	Matrix  []*detect.Cell       `json:"matrix"`
}

type testSummary struct {
	CasesPassed   int  `json:"cases_passed"`
	CasesFailed   int  `json:"cases_failed"`
	TuningPassed  int  `json:"tuning_passed"`
	TuningFailed  int  `json:"tuning_failed"`
	CellsPassed   int  `json:"cells_passed"`
	CellsFailed   int  `json:"cells_failed"`
	NotObservable int  `json:"cells_not_observable"`
	Pending       int  `json:"cells_pending"`
	Pass          bool `json:"pass"`
}

func newTestCmd() *cobra.Command {
	var rulesDir, format, sources string
	var seed uint64
	cmd := &cobra.Command{
		Use:   "test [RULE…]",
		Short: "Run the rule packs' test cases and atomic simulations; print the coverage matrix",
		Long: `Run every test case of the packs (tests/*.yml: events and the alerts every rule of the
pack must raise on them), check every exclusion template (it suppresses its intended
events and nothing else), then simulate every atomic test (tests/atomic.yml) in every
source format, read it back as 'lanner detect' reads files, and print the coverage
matrix: test × source → which rule fired at which level, or "not observable in this
source". RULE limits the run to the packs holding those rules.

A cell is "pending" when no reader normalises that source yet (no record came out as
a typed event); pending cells are reported, not failed. Exit 1 when any expectation
fails. --format json writes the whole report for CI.`,
		Example: `  lanner test
  lanner test T1204.001 --format json | jq '.packs[].matrix[] | select(.status=="fail")'
  lanner test --rules ./my-packs --seed 42`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("unknown --format %q (formats: table, json)", format)
			}
			srcs := simulate.Sources
			if sources != "" {
				srcs = nil
				for _, s := range strings.Split(sources, ",") {
					s = strings.TrimSpace(s)
					if !simulate.IsSource(s) {
						return usageErr("unknown source %q (sources: %s)", s, strings.Join(simulate.Sources, ", "))
					}
					srcs = append(srcs, s)
				}
			}
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			if len(args) > 0 {
				var sel []*detect.Pack
				for _, id := range args {
					p := findPack(packs, id)
					if p == nil {
						return usageErr("no rule %q (rules: %s)", id, ruleIDs(packs))
					}
					dup := false
					for _, q := range sel {
						dup = dup || q == p
					}
					if !dup {
						sel = append(sel, p)
					}
				}
				packs = sel
			}
			run := cliRunner(inputFlags{})
			var reports []*packReport
			var sum testSummary
			for _, p := range packs {
				t := &detect.Tester{Pack: p, Run: run, Now: time.Now()}
				rep := &packReport{Pack: p.ID, Source: p.Source, Seed: seed, Sources: srcs}
				for _, r := range p.Rules {
					rep.Rules = append(rep.Rules, r.ID)
				}
				rep.Cases = t.RunCases()
				rep.Tuning = t.RunTuningChecks(seed)
				rep.Matrix = t.RunAtomic(seed, srcs)
				for _, c := range rep.Cases {
					if c.Pass {
						sum.CasesPassed++
					} else {
						sum.CasesFailed++
					}
				}
				for _, c := range rep.Tuning {
					if c.Pass {
						sum.TuningPassed++
					} else {
						sum.TuningFailed++
					}
				}
				for _, c := range rep.Matrix {
					switch c.Status {
					case detect.CellPass:
						sum.CellsPassed++
					case detect.CellFail:
						sum.CellsFailed++
					case detect.CellNotObservable:
						sum.NotObservable++
					case detect.CellPending:
						sum.Pending++
					}
				}
				reports = append(reports, rep)
			}
			sum.Pass = sum.CasesFailed == 0 && sum.TuningFailed == 0 && sum.CellsFailed == 0
			if format == "json" {
				enc := json.NewEncoder(os.Stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					Packs   []*packReport `json:"packs"`
					Summary testSummary   `json:"summary"`
				}{reports, sum}); err != nil {
					return err
				}
			} else {
				for _, rep := range reports {
					printReport(os.Stdout, rep)
				}
				fmt.Fprintf(os.Stdout, "\n%s\n", summaryLine(sum))
			}
			if !sum.Pass {
				return &exitError{code: 1, msg: ""}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&rulesDir, "rules", "", "also load and test rule packs from `DIR`")
	f.StringVar(&format, "format", "table", "output `FORMAT`: table or json")
	f.Uint64Var(&seed, "seed", 1, "seed of the atomic simulations")
	f.StringVar(&sources, "sources", "", "simulate only these sources (comma-separated; default: all)")
	return cmd
}

func summaryLine(s testSummary) string {
	verdict := "PASS"
	if !s.Pass {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s: %d test cases passed, %d failed; %d exclusion checks passed, %d failed; matrix: %d cells passed, %d failed, %d not observable",
		verdict, s.CasesPassed, s.CasesFailed, s.TuningPassed, s.TuningFailed, s.CellsPassed, s.CellsFailed, s.NotObservable)
	if s.Pending > 0 {
		line += fmt.Sprintf(", %d pending (no reader for the source yet)", s.Pending)
	}
	return line
}

func mark(pass bool) string {
	if pass {
		return "ok  "
	}
	return "FAIL"
}

func printReport(w io.Writer, rep *packReport) {
	fmt.Fprintf(w, "%s  (%s; rules: %s)\n", rep.Pack, rep.Source, strings.Join(rep.Rules, ", "))
	fmt.Fprintf(w, "\ntest cases\n")
	for _, c := range rep.Cases {
		fmt.Fprintf(w, "  %s  %-20s %s\n", mark(c.Pass), c.File, c.Name)
		for _, p := range c.Problems {
			fmt.Fprintf(w, "          %s\n", p)
		}
	}
	if len(rep.Tuning) > 0 {
		fmt.Fprintf(w, "\nexclusion templates\n")
		for _, c := range rep.Tuning {
			fmt.Fprintf(w, "  %s  %s\n", mark(c.Pass), c.Name)
			for _, p := range c.Problems {
				fmt.Fprintf(w, "          %s\n", p)
			}
		}
	}
	if len(rep.Matrix) == 0 {
		return
	}
	fmt.Fprintf(w, "\ncoverage matrix: atomic tests × sources (seed %d)\n", rep.Seed)
	t := table.NewWriter()
	t.SetOutputMirror(w)
	style := table.StyleLight
	style.Format.Header = text.FormatDefault
	t.SetStyle(style)
	hdr := table.Row{"test"}
	for _, s := range rep.Sources {
		hdr = append(hdr, s)
	}
	t.AppendHeader(hdr)
	type key struct {
		test int
		src  string
	}
	cells := map[key]*detect.Cell{}
	var tests []int
	names := map[int]string{}
	for _, c := range rep.Matrix {
		cells[key{c.Test, c.Source}] = c
		if _, ok := names[c.Test]; !ok {
			tests = append(tests, c.Test)
			names[c.Test] = c.Name
		}
	}
	var failed []*detect.Cell
	for _, n := range tests {
		row := table.Row{fmt.Sprintf("%d %s", n, shorten(names[n], 34))}
		for _, s := range rep.Sources {
			c := cells[key{n, s}]
			row = append(row, cellText(rep.Pack, c))
			if c != nil && c.Status == detect.CellFail {
				failed = append(failed, c)
			}
		}
		t.AppendRow(row)
		t.AppendSeparator()
	}
	t.Render()
	for _, c := range failed {
		fmt.Fprintf(w, "  FAIL  test %d in %s\n", c.Test, c.Source)
		for _, p := range c.Problems {
			fmt.Fprintf(w, "          %s\n", p)
		}
	}
	fmt.Fprintln(w)
}

// cellText is what a matrix cell shows: each alert as "rule level" (the
// pack's id prefix dropped from companions), or the cell's state.
func cellText(pack string, c *detect.Cell) string {
	if c == nil {
		return ""
	}
	switch c.Status {
	case detect.CellNotObservable:
		return "not observable\nin this source"
	case detect.CellPending:
		return "pending:\nno reader yet"
	}
	var lines []string
	for _, f := range c.Fired {
		id := f.Rule
		if strings.HasPrefix(id, pack+"-") {
			id = "+" + strings.TrimPrefix(id, pack+"-")
		}
		lines = append(lines, id+" "+f.Level)
	}
	if len(lines) == 0 {
		lines = []string{"(nothing fired)"}
	}
	if c.Status == detect.CellFail {
		lines = append(lines, "✗ FAIL")
	} else {
		lines[len(lines)-1] += " ✓"
	}
	return strings.Join(lines, "\n")
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
