package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/output"
)

func newExplainCmd() *cobra.Command {
	var fl inputFlags
	var line int64
	var record, rulesDir, format string
	var tuningFiles []string
	cmd := &cobra.Command{
		Use:   "explain RULE PATH [--line N | --record ID]",
		Short: "Show why a rule fired on an event, or did not, stage by stage",
		Long: `Run RULE's query over one event of PATH a stage at a time and show each result:
every AND-ed clause of each filter with the values of the fields it reads, the value
each assignment gives, which condition of a case() or if() held and so set the level,
and which exclusion (the pack's, and those of --tuning FILE) would suppress the alert.

Pick the event with --line N (the line of an NDJSON or XML file) or --record ID (an EVTX
record id, a Windows EventRecordID or a Falcon event id); a PATH holding one record
needs neither.`,
		Example: `  lanner explain T1204.001 events.ndjson --line 42
  lanner simulate T1204.001 --test 4 --source sysmon > t4.jsonl && lanner explain T1204.001 t4.jsonl --line 2
  lanner explain T1204.001 Security.evtx --record 5999462 --tuning tuning.yml`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if line > 0 && record != "" {
				return usageErr("give --line or --record, not both")
			}
			if format != "text" && format != "json" {
				return usageErr("unknown --format %q (formats: text, json)", format)
			}
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			p := findPack(packs, args[0])
			if p == nil {
				return usageErr("no rule %q (rules: %s)", args[0], ruleIDs(packs))
			}
			r := p.Rule(args[0])
			exclusions := append([]*detect.Exclusion(nil), p.Tuning...)
			for _, f := range tuningFiles {
				xs, err := detect.LoadTuning(f)
				if err != nil {
					return usageErr("tuning file not loaded:\n  %s", indentErr(err))
				}
				exclusions = append(exclusions, xs...)
			}
			ins, _, err := inputs(args[1:], false)
			if err != nil {
				return err
			}
			all, err := engine.Compile(&cql.Query{}, engine.Options{})
			if err != nil {
				return err
			}
			var picked []*event.Event
			var n int64
			sink := engine.SinkFunc(func(e *event.Event) {
				n++
				switch {
				case line > 0:
					if e.Origin.Line == line {
						picked = append(picked, e.Clone())
					}
				case record != "":
					if recordMatches(e, record) {
						picked = append(picked, e.Clone())
					}
				default:
					if len(picked) < 1 {
						picked = append(picked, e.Clone())
					}
				}
			})
			res, runErr := runPrograms([]*engine.Program{all}, ins, fl, []engine.Sink{sink})
			if runErr != nil {
				return runErr
			}
			if res != nil {
				if err := res.inputErrors(os.Stderr); err != nil {
					return err
				}
			}
			switch {
			case line == 0 && record == "" && n > 1:
				return usageErr("%s holds %d records: pick one with --line N or --record ID", args[1], n)
			case len(picked) == 0 && line > 0:
				return usageErr("%s has no record at line %d", args[1], line)
			case len(picked) == 0 && record != "":
				return usageErr("%s has no record %s", args[1], record)
			case len(picked) == 0:
				return usageErr("%s holds no record", args[1])
			case len(picked) > 1:
				return usageErr("%d records match; pick one with --line N", len(picked))
			}
			x, err := detect.Explain(r, picked[0], exclusions, time.Now())
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(os.Stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(x)
			}
			printExplanation(os.Stdout, x, picked[0])
			return nil
		},
	}
	f := cmd.Flags()
	f.Int64Var(&line, "line", 0, "explain the record at line `N`")
	f.StringVar(&record, "record", "", "explain the record with this `ID` (EVTX record id, EventRecordID or Falcon id)")
	f.StringArrayVar(&tuningFiles, "tuning", nil, "also check the exclusions in `FILE` (repeatable)")
	f.StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	addInputFlags(f, &fl)
	f.Lookup("format").Usage = "output `FORMAT`: text or json"
	f.Lookup("format").DefValue = "text"
	format = "text"
	cmd.PreRun = func(*cobra.Command, []string) {
		format = fl.format
		if format == "" {
			format = "text"
		}
	}
	return cmd
}

func recordMatches(e *event.Event, id string) bool {
	if n, err := strconv.ParseUint(id, 10, 64); err == nil && e.Origin.Record == n {
		return true
	}
	for _, k := range []string{"EventRecordID", "Event.System.EventRecordID", "id", "ReportId"} {
		if v, ok := e.Get(k); ok && v == id {
			return true
		}
	}
	return false
}

func printExplanation(w io.Writer, x *detect.Explanation, ev *event.Event) {
	r := x.Rule
	fmt.Fprintf(w, "%s — %s\n", r.ID, r.Title)
	o := ev.Origin
	where := o.File
	if o.Line > 0 {
		where += fmt.Sprintf(" line %d", o.Line)
	}
	if o.Record > 0 {
		where += fmt.Sprintf(" record %d", o.Record)
	}
	if o.Format != "" {
		where += " (" + o.Format + ")"
	}
	fmt.Fprintf(w, "event: %s\n", where)
	for _, k := range []string{"#event_simpleName", "ComputerName", "UserName", "ParentBaseFileName", "FileName", "CommandLine", "TargetFileName"} {
		if v, ok := ev.Get(k); ok {
			fmt.Fprintf(w, "  %s = %s\n", k, quote(v))
		} else if k == "#event_simpleName" {
			if v, ok := ev.Get("event_simpleName"); ok {
				fmt.Fprintf(w, "  event_simpleName = %s\n", quote(v))
			}
		}
	}
	fmt.Fprintln(w)
	for i, s := range x.Steps {
		fmt.Fprintf(w, "%2d %s %s\n", i+1, tick(s.Pass), oneLine(s.Stage))
		for _, c := range s.Clauses {
			if len(s.Clauses) == 1 && len(c.Fields) == 0 {
				continue
			}
			if len(s.Clauses) > 1 {
				fmt.Fprintf(w, "     %s %s\n", tick(c.Pass), oneLine(c.Text))
			}
			keys := make([]string, 0, len(c.Fields))
			for k := range c.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "       %s is %s\n", k, quote(c.Fields[k]))
			}
			if len(keys) == 0 && !c.Pass {
				fmt.Fprintf(w, "       (the fields it reads are missing)\n")
			}
		}
		for _, c := range s.Conditions {
			mark := " "
			if c.Chosen {
				mark = "←"
			}
			if c.Gives == "" {
				fmt.Fprintf(w, "     %s %s\n", tick(c.Holds), oneLine(c.Text))
				continue
			}
			fmt.Fprintf(w, "     %s %s → %s %s\n", tick(c.Holds), oneLine(c.Text), quote(c.Gives), mark)
		}
		if s.Field != "" {
			if s.Value != nil {
				fmt.Fprintf(w, "     %s = %s\n", s.Field, quote(*s.Value))
			} else {
				fmt.Fprintf(w, "     %s is not set\n", s.Field)
			}
		}
	}
	if !x.Matched {
		fmt.Fprintf(w, "\nverdict: does NOT fire — stage %d drops the event\n", x.StoppedAt+1)
		return
	}
	if x.Presentation != "" {
		fmt.Fprintf(w, "   then (presentation, over all matches): %s\n", oneLine(x.Presentation))
	}
	if x.Row != nil {
		fmt.Fprintf(w, "   row: %s\n", output.AppendRow(nil, "", false, x.Row))
	}
	if len(x.Checks) > 0 {
		fmt.Fprintln(w, "\nexclusions:")
		for _, c := range x.Checks {
			state := []string{}
			if !c.Enabled {
				state = append(state, "disabled")
			}
			if c.Expired {
				state = append(state, "expired")
			}
			if !c.Applies {
				state = append(state, "not for this rule")
			}
			s := ""
			if len(state) > 0 {
				s = " (" + strings.Join(state, ", ") + ")"
			}
			m := "does not match"
			if c.Matches {
				m = "matches"
			}
			fmt.Fprintf(w, "   %s %s%s: %s\n", tick(c.Matches && c.Enabled && !c.Expired && c.Applies), c.Name, s, m)
		}
	}
	if x.SuppressedBy != "" {
		fmt.Fprintf(w, "\nverdict: matches at level %s, but exclusion %s suppresses the alert\n", x.Level, x.SuppressedBy)
		return
	}
	fmt.Fprintf(w, "\nverdict: FIRES at level %s\n", x.Level)
}

func tick(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func quote(s string) string {
	b := output.AppendString(nil, s)
	return string(b)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 150 {
		return string(r[:149]) + "…"
	}
	return s
}
