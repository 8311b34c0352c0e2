package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/output"
)

func newDetectCmd() *cobra.Command {
	var fl inputFlags
	var ruleIDs []string
	var rulesDir string
	var all, demoMode, failOnAlert bool
	cmd := &cobra.Command{
		Use:   "detect [PATH…]",
		Short: "Run detection rules (default: every built-in rule) and print the alerts",
		Long: `Run detection rules over telemetry and print each rule's triage table.
PATH is a file or directory (read recursively); '-' or no PATH reads stdin — but with a
terminal on stdin, or with --demo, lanner runs on its built-in demo telemetry.
A rule's own trailing sort/limit is kept (the seed rule shows the newest 200 matches);
stderr says how many matched in all, and --all shows every match.`,
		Example: `  lanner detect --demo
  lanner detect /data/fdr/ --format csv > alerts.csv
  zstdcat events.zst | lanner detect --rule T1204.001 --all --format ndjson | jq .CommandLine
  lanner detect events.ndjson.gz --fail-on-alert   # exit 1 when anything fires (CI)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := outputFormat(fl.format)
			if err != nil {
				return err
			}
			rules, err := detect.Builtin()
			if err != nil {
				return err
			}
			if rulesDir != "" {
				extra, errs := detect.LoadDir(rulesDir)
				for _, e := range errs {
					fmt.Fprintf(os.Stderr, "lanner: rule not loaded: %v\n", e)
				}
				fmt.Fprintf(os.Stderr, "lanner: %d rule%s loaded from %s, %d not loaded\n", len(extra), plural(int64(len(extra))), rulesDir, len(errs))
				rules = append(rules, extra...)
			}
			if len(ruleIDs) > 0 {
				byID := map[string]*detect.Rule{}
				for _, r := range rules {
					byID[strings.ToLower(r.ID)] = r
				}
				var sel []*detect.Rule
				for _, id := range ruleIDs {
					r, ok := byID[strings.ToLower(id)]
					if !ok {
						var ids []string
						for _, r := range rules {
							ids = append(ids, r.ID)
						}
						return usageErr("no rule %q (rules: %s)", id, strings.Join(ids, ", "))
					}
					sel = append(sel, r)
				}
				rules = sel
			}
			if len(rules) == 0 {
				return usageErr("no rules to run")
			}
			progs := make([]*engine.Program, len(rules))
			for i, r := range rules {
				p, err := r.Compile(engine.Options{LiftLimits: all})
				if err != nil {
					return queryError(r.Source+"/query.cql", r.Query, err)
				}
				for _, w := range p.Warnings {
					fmt.Fprintf(os.Stderr, "lanner: %s: warning: %s\n", r.ID, w)
				}
				progs[i] = p
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
			cols := make([]*engine.Collect, len(rules))
			sinks := make([]engine.Sink, len(rules))
			for i := range cols {
				cols[i] = &engine.Collect{}
				sinks[i] = cols[i]
			}
			res, runErr := runPrograms(progs, ins, fl, sinks)
			if res == nil {
				return runErr
			}
			var secs []*output.Section
			var fired int64
			for i, r := range rules {
				st := res.stats[i]
				fired += st.Rows
				note := ""
				left := st.Matched - st.Rows
				if progs[i].LimitNote != "" && left > 0 && !all {
					note = fmt.Sprintf("%s events matched; %s left out by the rule's %s (--all shows every match)", num(st.Matched), num(left), progs[i].LimitNote)
				}
				fmt.Fprintf(os.Stderr, "lanner: %s: %s events matched, %s shown", r.ID, num(st.Matched), num(st.Rows))
				if note != "" {
					fmt.Fprintf(os.Stderr, ", %s left out by the rule's %s (--all shows every match)", num(left), progs[i].LimitNote)
				}
				fmt.Fprintln(os.Stderr)
				secs = append(secs, &output.Section{Rule: r.ID, Title: r.Title, Severity: r.Severity, Fields: progs[i].Fields, Rows: cols[i].Rows, Note: note})
			}
			if err := output.Write(os.Stdout, format, secs, output.Options{Width: termWidth(), RuleColumn: true}); err != nil {
				return err
			}
			res.summary(os.Stderr, fmt.Sprintf("%s alert%s", num(fired), plural(fired)))
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
	f.BoolVar(&all, "all", false, "lift the rules' trailing sort/limit: show every match")
	f.BoolVar(&demoMode, "demo", false, "run on the built-in demo telemetry")
	f.BoolVar(&failOnAlert, "fail-on-alert", false, "exit 1 when any rule fired")
	addInputFlags(f, &fl)
	return cmd
}
