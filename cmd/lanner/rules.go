package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/detect"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules [list | show ID | validate [DIR]]",
		Short: "List, show and validate detection rules and packs",
		Long: `lanner rules list              the rules (built-in and --rules DIR) with severity and ATT&CK
lanner rules show ID           a rule's card: ATT&CK, query, severity, data sources, false
                               positives, atomic tests and their expected telemetry, tuning
                               templates, playbook sections (--playbook prints the playbook)
lanner rules validate [DIR]    check packs without running them (default: the built-in ones):
                               schema, queries compile, tests present; every problem at once`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newRulesListCmd(), newRulesShowCmd(), newRulesValidateCmd())
	return cmd
}

func newRulesListCmd() *cobra.Command {
	var rulesDir, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the rules",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			rules := detect.RulesOf(packs)
			switch format {
			case "json":
				type item struct {
					ID         string `json:"id"`
					Title      string `json:"title"`
					Status     string `json:"status,omitempty"`
					Severity   string `json:"severity"`
					Confidence string `json:"confidence"`
					Tactic     string `json:"tactic"`
					Technique  string `json:"technique"`
					Pack       string `json:"pack"`
					Source     string `json:"source"`
				}
				var out []item
				for _, r := range rules {
					out = append(out, item{r.ID, r.Title, r.Status, r.Severity, r.Confidence, r.Attack.TacticName(), r.Attack.Most(), r.Pack.ID, r.Source})
				}
				enc := json.NewEncoder(os.Stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			case "table":
				t := table.NewWriter()
				t.SetOutputMirror(os.Stdout)
				style := table.StyleLight
				style.Format.Header = text.FormatDefault
				t.SetStyle(style)
				t.AppendHeader(table.Row{"id", "severity", "confidence", "ATT&CK", "status", "title"})
				for _, r := range rules {
					t.AppendRow(table.Row{r.ID, r.Severity, r.Confidence, r.Attack.TacticName() + " / " + r.Attack.Most(), statusOf(r), r.Title})
				}
				t.Render()
				return nil
			}
			return usageErr("unknown --format %q (formats: table, json)", format)
		},
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	cmd.Flags().StringVar(&format, "format", "table", "output `FORMAT`: table or json")
	return cmd
}

func statusOf(r *detect.Rule) string {
	if r.Status == "" {
		return "stable"
	}
	return r.Status
}

func newRulesShowCmd() *cobra.Command {
	var rulesDir string
	var playbook bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print a rule's card",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			p := findPack(packs, args[0])
			if p == nil {
				return usageErr("no rule %q (rules: %s)", args[0], ruleIDs(packs))
			}
			r := p.Rule(args[0])
			if playbook {
				if r.IsMain() {
					_, err := io.WriteString(os.Stdout, p.Playbook)
					return err
				}
				_, err := io.WriteString(os.Stdout, detect.PlaybookSection(p.Playbook, r.ID))
				return err
			}
			printCard(os.Stdout, p, r)
			return nil
		},
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	cmd.Flags().BoolVar(&playbook, "playbook", false, "print the rule's playbook (for a pack's main rule: the whole playbook)")
	return cmd
}

func printCard(w io.Writer, p *detect.Pack, r *detect.Rule) {
	line := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	section := func(title string) { line("\n%s", title) }
	para := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" {
			line("  %s", wrapAfter(s, 92, 2, "  "))
		}
	}
	line("%s — %s", r.ID, r.Title)
	line("%s", strings.Repeat("=", min(100, len([]rune(r.ID+" — "+r.Title)))))
	para(r.Description)
	section("MITRE ATT&CK")
	line("  Tactic         %s", strings.TrimSpace(r.Attack.TacticID()+" "+r.Attack.TacticName()))
	line("  Technique      %s", r.Attack.Technique)
	if r.Attack.Subtechnique.ID != "" {
		line("  Sub-technique  %s", r.Attack.Subtechnique)
	}
	line("  Reference      %s", r.Attack.Reference)
	section("Severity and confidence")
	line("  severity %s · confidence %s · status %s", r.Severity, r.Confidence, statusOf(r))
	line("  alert level: the row's suspicion_level where the query sets one, else the severity")
	section("Query (" + r.Source + "/query.cql)")
	for _, l := range strings.Split(strings.TrimRight(r.Query, "\n"), "\n") {
		line("  %s", l)
	}
	if r.Summary != "" {
		section("What it does")
		para(r.Summary)
	}
	section("Data sources")
	for _, d := range r.DataSources {
		line("  • %s", d)
	}
	section("Required events")
	for _, d := range r.RequiredEvents {
		line("  • %s", d)
	}
	section("False positives and tuning")
	for _, fp := range r.FalsePositives {
		line("  • %s", wrapAfter(fp, 92, 4, "    "))
	}
	var tmpl []string
	for _, x := range p.Tuning {
		if x.AppliesTo(r.ID) {
			state := "enabled"
			if !x.IsEnabled() {
				state = "template, disabled"
			}
			if x.Expires != "" {
				state += ", expires " + x.Expires
			}
			head := fmt.Sprintf("    %s (%s): ", x.Name, state)
			tmpl = append(tmpl, head+wrapAfter(strings.TrimSpace(x.Description), 92, len(head), "      "))
		}
	}
	if len(tmpl) > 0 {
		line("  exclusions in %s/tuning/:", p.Source)
		for _, t := range tmpl {
			line("%s", t)
		}
	}
	if len(r.Actors) > 0 {
		section("Known users of the technique")
		line("  %s", strings.Join(r.Actors, ", "))
	}
	if len(r.References) > 0 {
		section("References")
		for _, u := range r.References {
			line("  %s", u)
		}
	}
	if r.IsMain() && len(p.Rules) > 1 {
		section("Companion rules (what the main query cannot see)")
		for _, c := range p.Rules[1:] {
			line("  %-26s %-8s %s", c.ID, c.Severity, c.Title)
		}
	} else if !r.IsMain() {
		section("Pack")
		line("  companion of %s — %s", p.Main().ID, p.Main().Title)
	}
	if len(p.Atomic) > 0 {
		section("Testing methodology: atomic tests (lanner simulate " + p.ID + " --test N)")
		for _, a := range p.Atomic {
			line("  %d. %s", a.Test, a.Name)
			if s := strings.TrimSpace(a.Signal); s != "" {
				line("     Expected signal: %s", wrapAfter(s, 92, 22, "       "))
			}
			var exp []string
			for _, e := range a.Expected("falcon") {
				if strings.EqualFold(e.Rule, r.ID) || r.IsMain() {
					exp = append(exp, strings.TrimSpace(e.Rule+" "+e.Level))
				}
			}
			if len(exp) > 0 {
				line("     Fires (Falcon): %s", strings.Join(exp, ", "))
			}
		}
	}
	n := 0
	for _, c := range p.Cases {
		for _, e := range c.Expect {
			if strings.EqualFold(e.Rule, r.ID) {
				n++
				break
			}
		}
	}
	section("Tests")
	line("  %d test case%s expect alerts from this rule; run them with: lanner test %s", n, plural(int64(n)), r.ID)
	section("Response playbook")
	sec := detect.PlaybookSection(p.Playbook, r.ID)
	var heads []string
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "### ") {
			heads = append(heads, strings.TrimPrefix(l, "### "))
		}
	}
	if len(heads) > 0 {
		line("  sections: %s", strings.Join(heads, " · "))
	}
	line("  lanner rules show %s --playbook", r.ID)
}

func newRulesValidateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check rule packs without running them (default: the built-in packs)",
		Long: `Check every pack under DIR (default: the built-in packs): rule.yml schema and values
(unknown keys, severity, confidence, ATT&CK ids and reference), query.cql compiles, test
cases and atomic tests well formed and present for every rule, tuning exclusions valid,
a playbook section for every rule. Every problem is listed, each with its file and key.
Exit 0 when all packs are valid, 1 when any is not, 2 when DIR cannot be read.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var packs []*detect.Pack
			var errs []error
			where := "built-in packs"
			if len(args) == 0 {
				p, err := detect.BuiltinPacks()
				if err != nil {
					errs = append(errs, err)
				}
				packs = p
			} else {
				where = args[0]
				if _, err := os.Stat(args[0]); err != nil {
					return usageErr("%v", err)
				}
				packs, errs = detect.LoadPacks(args[0])
			}
			for _, p := range packs {
				fmt.Printf("ok    %s (%s): %d rule%s, %d test case%s, %d atomic test%s, %d exclusion%s\n", p.ID, p.Source,
					len(p.Rules), plural(int64(len(p.Rules))), len(p.Cases), plural(int64(len(p.Cases))),
					len(p.Atomic), plural(int64(len(p.Atomic))), len(p.Tuning), plural(int64(len(p.Tuning))))
			}
			nprob := 0
			for _, e := range errs {
				if pe, ok := e.(*detect.PackError); ok {
					fmt.Printf("FAIL  %s: %d problem%s\n", pe.Source, len(pe.Problems), plural(int64(len(pe.Problems))))
					for _, p := range pe.Problems {
						fmt.Printf("      %s\n", strings.ReplaceAll(p.Error(), "\n", "\n        "))
					}
					nprob += len(pe.Problems)
					continue
				}
				fmt.Printf("FAIL  %v\n", e)
				nprob++
			}
			if len(errs) > 0 {
				fmt.Fprintf(os.Stderr, "lanner: %s: %d pack%s valid, %d not (%d problem%s)\n", where, len(packs), plural(int64(len(packs))), len(errs), nprob, plural(int64(nprob)))
				return &exitError{code: 1, msg: ""}
			}
			fmt.Fprintf(os.Stderr, "lanner: %s: %d pack%s valid\n", where, len(packs), plural(int64(len(packs))))
			return nil
		},
	}
	return cmd
}

func newCoverageCmd() *cobra.Command {
	var rulesDir, navigator string
	cmd := &cobra.Command{
		Use:   "coverage --navigator FILE",
		Short: "Write an ATT&CK Navigator layer of the loaded rules",
		Long: `Write an ATT&CK Navigator layer (format 4.5, enterprise-attack) with one entry per
technique or sub-technique the loaded rules cover: its tactic, a score equal to the number
of rules, and the rule ids in the comment and metadata. '-' writes to stdout.`,
		Example: `  lanner coverage --navigator layer.json
  lanner coverage --rules ./my-packs --navigator - | jq .techniques`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if navigator == "" {
				return usageErr("--navigator FILE is required")
			}
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			layer := navigatorLayer(detect.RulesOf(packs))
			b, err := json.MarshalIndent(layer, "", "  ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			if navigator == "-" {
				_, err = os.Stdout.Write(b)
				return err
			}
			if err := os.WriteFile(navigator, b, 0o644); err != nil {
				return usageErr("%v", err)
			}
			fmt.Fprintf(os.Stderr, "lanner: wrote %s: %d technique%s covered by %d rule%s\n", navigator,
				len(layer.Techniques), plural(int64(len(layer.Techniques))), len(detect.RulesOf(packs)), plural(int64(len(detect.RulesOf(packs)))))
			return nil
		},
	}
	cmd.Flags().StringVar(&navigator, "navigator", "", "write the layer to `FILE` ('-' for stdout)")
	cmd.Flags().StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	return cmd
}

type navLayer struct {
	Name        string      `json:"name"`
	Versions    navVersions `json:"versions"`
	Domain      string      `json:"domain"`
	Description string      `json:"description"`
	Techniques  []navTech   `json:"techniques"`
	Gradient    navGradient `json:"gradient"`
	Layout      navLayout   `json:"layout"`
	HideDisable bool        `json:"hideDisabled"`
}

type navVersions struct {
	Layer     string `json:"layer"`
	Navigator string `json:"navigator"`
}

type navTech struct {
	TechniqueID       string    `json:"techniqueID"`
	Tactic            string    `json:"tactic,omitempty"`
	Score             int       `json:"score,omitempty"`
	Comment           string    `json:"comment"`
	Enabled           bool      `json:"enabled"`
	Metadata          []navMeta `json:"metadata"`
	ShowSubtechniques bool      `json:"showSubtechniques"`
}

type navMeta struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type navGradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

type navLayout struct {
	Layout              string `json:"layout"`
	ShowID              bool   `json:"showID"`
	ShowName            bool   `json:"showName"`
	ShowAggregateScores bool   `json:"showAggregateScores"`
	AggregateFunction   string `json:"aggregateFunction"`
}

func navigatorLayer(rules []*detect.Rule) *navLayer {
	type key struct{ tech, tactic string }
	byKey := map[key][]*detect.Rule{}
	var order []key
	for _, r := range rules {
		k := key{r.Attack.Most(), detect.TacticSlug(r.Attack.TacticName())}
		if k.tech == "" {
			continue
		}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	l := &navLayer{
		Name:        "lanner detections",
		Versions:    navVersions{Layer: "4.5", Navigator: "4.9.0"},
		Domain:      "enterprise-attack",
		Description: "Techniques covered by the loaded lanner rules; score = number of rules.",
		Gradient:    navGradient{Colors: []string{"#ffffff", "#66b1ff"}, MinValue: 0, MaxValue: 1},
		Layout:      navLayout{Layout: "side", ShowID: true, ShowName: true, ShowAggregateScores: true, AggregateFunction: "max"},
		Techniques:  []navTech{},
	}
	parents := map[key]bool{}
	for _, k := range order {
		rs := byKey[k]
		var ids []string
		var meta []navMeta
		for _, r := range rs {
			ids = append(ids, r.ID)
			meta = append(meta, navMeta{Name: r.ID, Value: r.Title + " (" + r.Severity + ")"})
		}
		l.Techniques = append(l.Techniques, navTech{TechniqueID: k.tech, Tactic: k.tactic, Score: len(rs), Comment: strings.Join(ids, ", "), Enabled: true, Metadata: meta})
		if len(rs) > l.Gradient.MaxValue {
			l.Gradient.MaxValue = len(rs)
		}
		if i := strings.IndexByte(k.tech, '.'); i > 0 {
			parents[key{k.tech[:i], k.tactic}] = true
		}
	}
	// show the parent technique expanded so the sub-technique is visible
	var pks []key
	for k := range parents {
		if _, ok := byKey[k]; !ok {
			pks = append(pks, k)
		}
	}
	sort.Slice(pks, func(i, j int) bool { return pks[i].tech+pks[i].tactic < pks[j].tech+pks[j].tactic })
	for _, k := range pks {
		l.Techniques = append(l.Techniques, navTech{TechniqueID: k.tech, Tactic: k.tactic, Score: 0, Enabled: true, ShowSubtechniques: true, Metadata: []navMeta{}})
	}
	return l
}
