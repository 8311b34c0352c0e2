package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/output"
)

// detectFormats are the output formats of detect: the row formats and ocsf.
var detectFormats = append(append([]string(nil), output.Formats...), "ocsf")

func newDetectCmd() *cobra.Command {
	var fl inputFlags
	var ruleIDs, tuningFiles, sigmaPaths []string
	var rulesDir string
	var all, demoMode, failOnAlert, showSuppressed bool
	cmd := &cobra.Command{
		Use:   "detect [PATH…]",
		Short: "Run detection rules (default: every built-in rule) and print the alerts",
		Long: `Run detection rules over telemetry and print each rule's triage table.
PATH is a file or directory (read recursively); '-' or no PATH reads stdin — but with a
terminal on stdin, or with --demo, lanner runs on its built-in demo telemetry.
A rule's own trailing sort/limit is kept (the seed rule shows the newest 200 matches);
stderr says how many matched in all, and --all shows every match.

--tuning FILE applies named exclusions (CQL filters with a reason, an owner and an
optional expiry; docs/rules.md): suppressed alerts are counted per exclusion in the run
summary and listed with --show-suppressed; an expired exclusion warns and no longer
applies. --format ocsf writes one OCSF Detection Finding (class 2004) per line.`,
		Example: `  lanner detect --demo
  lanner detect /data/fdr/ --format csv > alerts.csv
  zstdcat events.zst | lanner detect --rule T1204.001 --all --format ndjson | jq .CommandLine
  lanner simulate T1204.001 --test 4 --source sysmon | lanner detect -
  lanner detect events.ndjson.gz --tuning tuning.yml --show-suppressed
  lanner detect events.ndjson.gz --format ocsf > findings.ndjson
  lanner detect events.ndjson.gz --fail-on-alert   # exit 1 when anything fires (CI)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format := fl.format
			if format != "ocsf" {
				var err error
				if format, err = outputFormat(fl.format); err != nil {
					return usageErr("unknown --format %q (formats: %s)", fl.format, strings.Join(detectFormats, ", "))
				}
			}
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			rules := detect.RulesOf(packs)
			if len(ruleIDs) > 0 {
				if rules, err = selectRules(rules, ruleIDs); err != nil {
					return err
				}
			}
			sig, err := loadSigmaRules(sigmaPaths)
			if err != nil {
				return err
			}
			rules = append(rules, sig.Rules...)
			if len(rules) == 0 {
				return usageErr("no rules to run")
			}
			exclusions, err := loadExclusions(packs, tuningFiles)
			if err != nil {
				return err
			}
			set, err := detect.Prepare(rules, detect.Options{Engine: engine.Options{LiftLimits: all}, Exclusions: exclusions, Now: time.Now(), KeepSuppressed: showSuppressed})
			if err != nil {
				if ce, ok := err.(*detect.CompileError); ok {
					return queryError(ce.Rule.Source+"/query.cql", ce.Rule.Query, ce.Err)
				}
				return err
			}
			for _, c := range set.Rules {
				for _, w := range c.Warnings {
					fmt.Fprintf(os.Stderr, "lanner: %s: warning: %s\n", c.Rule.ID, w)
				}
			}
			if !demoMode && len(args) == 0 && isTerminal(os.Stdin) {
				demoMode = true
			}
			ins, _, err := inputs(args, demoMode)
			if err != nil {
				return err
			}
			if demoMode {
				fmt.Fprintf(os.Stderr, "lanner: running on the built-in demo telemetry (%s synthetic Falcon events; see docs/demo.md)\n", num(int64(demo.TotalLines)))
			}
			progs, sinks, err := sig.programs(set)
			if err != nil {
				return err
			}
			res, runErr := runPrograms(progs, ins, fl, sinks)
			if res == nil {
				return runErr
			}
			results, err := set.Results()
			if err != nil {
				return err
			}
			for _, w := range set.Warnings() {
				fmt.Fprintf(os.Stderr, "lanner: warning: %s\n", w)
			}
			var fired, suppressed int64
			for _, r := range results {
				fired += int64(len(r.Alerts))
				suppressed += int64(r.NSuppressed())
				line := fmt.Sprintf("lanner: %s: %s events matched", r.Rule.ID, num(r.Matched))
				if n := r.NSuppressed(); n > 0 {
					line += fmt.Sprintf(", %s suppressed", num(int64(n)))
				}
				line += fmt.Sprintf(", %s shown", num(int64(len(r.Alerts))))
				if r.LimitNote != "" && r.LeftOut > 0 && !all {
					line += fmt.Sprintf(", %s left out by the rule's %s (--all shows every match)", num(r.LeftOut), r.LimitNote)
				}
				fmt.Fprintln(os.Stderr, line)
			}
			if err := writeAlerts(os.Stdout, os.Stderr, format, results, showSuppressed, all); err != nil {
				return err
			}
			extra := fmt.Sprintf("%s alert%s", num(fired), plural(fired))
			if suppressed > 0 {
				var per []string
				for _, sc := range detect.Suppressions(results) {
					per = append(per, fmt.Sprintf("%s %d", sc.Exclusion.Name, sc.Count))
				}
				extra += fmt.Sprintf(", %s suppressed (%s)", num(suppressed), strings.Join(per, ", "))
			}
			res.summary(os.Stderr, extra)
			if runErr != nil {
				return runErr
			}
			if err := res.inputErrors(os.Stderr); err != nil {
				return err
			}
			if failOnAlert && fired > 0 {
				return &exitError{code: 1, msg: ""}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&ruleIDs, "rule", nil, "run only the rule with this `ID` (repeatable)")
	f.StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	f.StringArrayVar(&sigmaPaths, "sigma", nil, "also run the Sigma rules in `PATH` (file or directory, repeatable)")
	f.StringArrayVar(&tuningFiles, "tuning", nil, "apply the exclusions in `FILE` (repeatable)")
	f.BoolVar(&showSuppressed, "show-suppressed", false, "list the alerts the exclusions suppressed")
	f.BoolVar(&all, "all", false, "lift the rules' trailing sort/limit: show every match")
	f.BoolVar(&demoMode, "demo", false, "run on the built-in demo telemetry")
	f.BoolVar(&failOnAlert, "fail-on-alert", false, "exit 1 when any rule fired")
	addInputFlags(f, &fl)
	f.Lookup("format").Usage = "output `FORMAT`: " + strings.Join(detectFormats, ", ") + " (default: table on a terminal, else ndjson)"
	return cmd
}

// loadPacks returns the built-in packs and those under dir. Packs under
// dir that do not load are reported and skipped; an explicit pack folder
// (dir holds rule.yml) that does not load is an error (exit 2).
func loadPacks(dir string) ([]*detect.Pack, error) {
	packs, err := detect.BuiltinPacks()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return packs, nil
	}
	extra, errs := detect.LoadPacks(dir)
	if _, statErr := os.Stat(dir + "/rule.yml"); statErr == nil && len(errs) > 0 {
		return nil, &exitError{code: 2, msg: "rule pack not loaded:\n" + joinErrors(errs)}
	}
	if len(extra) == 0 && len(errs) > 0 {
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, usageErr("%v", statErr)
		}
	}
	for _, e := range errs {
		fmt.Fprintf(os.Stderr, "lanner: rule pack not loaded: %s\n", indentErr(e))
	}
	n := len(detect.RulesOf(extra))
	fmt.Fprintf(os.Stderr, "lanner: %d rule%s in %d pack%s loaded from %s, %d pack%s not loaded\n", n, plural(int64(n)), len(extra), plural(int64(len(extra))), dir, len(errs), plural(int64(len(errs))))
	seen := map[string]string{}
	for _, r := range detect.RulesOf(packs) {
		seen[strings.ToLower(r.ID)] = r.Source
	}
	for _, p := range extra {
		for _, r := range p.Rules {
			if prev, ok := seen[strings.ToLower(r.ID)]; ok {
				return nil, usageErr("rule id %s of %s is also the id of %s", r.ID, r.Source, prev)
			}
		}
		packs = append(packs, p)
	}
	return packs, nil
}

func joinErrors(errs []error) string {
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(indentErr(e))
	}
	return b.String()
}

// indentErr puts the second and later lines of a multi-line error under
// the first.
func indentErr(e error) string { return strings.ReplaceAll(e.Error(), "\n", "\n  ") }

// selectRules picks rules by id (case-insensitive).
func selectRules(rules []*detect.Rule, ids []string) ([]*detect.Rule, error) {
	byID := map[string]*detect.Rule{}
	for _, r := range rules {
		byID[strings.ToLower(r.ID)] = r
	}
	var sel []*detect.Rule
	for _, id := range ids {
		r, ok := byID[strings.ToLower(id)]
		if !ok {
			var all []string
			for _, r := range rules {
				all = append(all, r.ID)
			}
			return nil, usageErr("no rule %q (rules: %s)", id, strings.Join(all, ", "))
		}
		sel = append(sel, r)
	}
	return sel, nil
}

// loadExclusions gathers the enabled exclusions of the packs (the built-in
// templates are disabled) and those of the tuning files.
func loadExclusions(packs []*detect.Pack, files []string) ([]*detect.Exclusion, error) {
	var out []*detect.Exclusion
	for _, p := range packs {
		for _, x := range p.Tuning {
			if x.IsEnabled() {
				out = append(out, x)
			}
		}
	}
	for _, f := range files {
		xs, err := detect.LoadTuning(f)
		if err != nil {
			if _, ok := err.(*detect.PackError); ok {
				return nil, usageErr("tuning file not loaded:\n  %s", indentErr(err))
			}
			return nil, usageErr("--tuning: %v", err)
		}
		for _, x := range xs {
			if !x.IsEnabled() {
				fmt.Fprintf(os.Stderr, "lanner: exclusion %s (%s) is disabled\n", x.Name, f)
			}
		}
		out = append(out, xs...)
	}
	return out, nil
}

// writeAlerts writes the alerts in the format. Suppressed alerts, when
// asked for, go to stdout in table and ocsf (as findings with status
// Suppressed) and to stderr otherwise, so that ndjson, json and csv keep
// one row per alert and nothing else.
func writeAlerts(stdout, stderr io.Writer, format string, results []*detect.Result, showSuppressed, all bool) error {
	if format == "ocsf" {
		var alerts []*detect.Alert
		for _, r := range results {
			alerts = append(alerts, r.Alerts...)
			if showSuppressed {
				alerts = append(alerts, r.Suppressed...)
			}
		}
		return output.WriteOCSF(stdout, alerts, output.OCSFOptions{Version: version})
	}
	var secs []*output.Section
	for _, r := range results {
		sec := &output.Section{Rule: r.Rule.ID, Title: r.Rule.Title, Severity: r.Rule.Severity, Fields: r.Fields}
		for _, a := range r.Alerts {
			sec.Rows = append(sec.Rows, a.Row)
		}
		if r.LimitNote != "" && r.LeftOut > 0 && !all {
			sec.Note = fmt.Sprintf("%s events matched; %s left out by the rule's %s (--all shows every match)", num(r.Matched-int64(r.NSuppressed())), num(r.LeftOut), r.LimitNote)
		}
		secs = append(secs, sec)
	}
	if showSuppressed && format == "table" {
		for _, r := range results {
			if len(r.Suppressed) == 0 {
				continue
			}
			sec := &output.Section{Rule: r.Rule.ID, Title: "suppressed alerts (" + r.Rule.Title + ")", Severity: r.Rule.Severity}
			sec.Fields = append([]string{"suppressed_by"}, r.Fields...)
			for _, a := range r.Suppressed {
				row := a.Row.Clone()
				row.Set("suppressed_by", a.SuppressedBy.Name)
				sec.Rows = append(sec.Rows, row)
			}
			secs = append(secs, sec)
		}
	}
	if err := output.Write(stdout, format, secs, output.Options{Width: termWidth(), RuleColumn: true}); err != nil {
		return err
	}
	if showSuppressed && format != "table" {
		for _, r := range results {
			for _, a := range r.Suppressed {
				fmt.Fprintf(stderr, "lanner: suppressed by %s: %s\n", a.SuppressedBy.Name, output.AppendRow(nil, r.Rule.ID, true, a.Row))
			}
		}
	}
	return nil
}
