package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/simulate"
)

func newSimulateCmd() *cobra.Command {
	var test int
	var src, rulesDir string
	var seed uint64
	var list bool
	cmd := &cobra.Command{
		Use:   "simulate RULE [--test N] [--source falcon|sysmon|sysmon-xml|security|mde] [--seed S]",
		Short: "Write the telemetry a rule's atomic tests produce, in a source's own format",
		Long: `Write, on stdout, the telemetry each atomic test of RULE's pack produces (every
test, or the one --test names), as the source holds it:

  falcon      ` + simulate.SourceInfo["falcon"] + `
  sysmon      ` + simulate.SourceInfo["sysmon"] + `
  sysmon-xml  ` + simulate.SourceInfo["sysmon-xml"] + `
  security    ` + simulate.SourceInfo["security"] + `
  mde         ` + simulate.SourceInfo["mde"] + `

Host, user, process ids, GUIDs and times come from --seed: the same seed always gives
the same bytes. A test that leaves no record in a source (a file drop in the Security
log) writes nothing and says so on stderr. Pipe the output into 'lanner detect -'.`,
		Example: `  lanner simulate T1204.001 --list
  lanner simulate T1204.001 --test 4 --source sysmon | lanner detect -
  lanner simulate T1204.001 --source security --seed 7 > t1204-4688.xml
  lanner simulate T1204.001 --test 5 --source mde | jq .FolderPath`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !simulate.IsSource(src) {
				return usageErr("unknown --source %q (sources: %s)", src, strings.Join(simulate.Sources, ", "))
			}
			packs, err := loadPacks(rulesDir)
			if err != nil {
				return err
			}
			p := findPack(packs, args[0])
			if p == nil {
				return usageErr("no rule %q (rules: %s)", args[0], ruleIDs(packs))
			}
			if len(p.Atomic) == 0 {
				return usageErr("pack %s has no atomic tests (tests/atomic.yml)", p.ID)
			}
			if list {
				for _, a := range p.Atomic {
					fmt.Printf("%d  %s\n", a.Test, a.Name)
					if s := strings.TrimSpace(a.Signal); s != "" {
						fmt.Printf("   %s\n", wrapAfter(s, 92, 3, "   "))
					}
				}
				return nil
			}
			var scs []*simulate.Scenario
			for _, a := range p.Atomic {
				if test == 0 || a.Test == test {
					sc := a.Scenario
					scs = append(scs, &sc)
				}
			}
			if len(scs) == 0 {
				var nums []string
				for _, a := range p.Atomic {
					nums = append(nums, strconv.Itoa(a.Test))
				}
				return usageErr("pack %s has no atomic test %d (tests: %s)", p.ID, test, strings.Join(nums, ", "))
			}
			out, err := simulate.Render(scs, src, seed)
			if err != nil {
				return err
			}
			if out.Records == 0 {
				what := "these tests leave"
				if test != 0 {
					what = fmt.Sprintf("test %d leaves", test)
				}
				fmt.Fprintf(os.Stderr, "lanner: %s no record in %s: not observable in this source\n", what, src)
				return nil
			}
			_, err = os.Stdout.Write(out.Data)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&test, "test", 0, "simulate only atomic test `N` (default: every test)")
	f.StringVar(&src, "source", "falcon", "output `FORMAT`: "+strings.Join(simulate.Sources, ", "))
	f.Uint64Var(&seed, "seed", 1, "`S` seeds host, user, ids and times")
	f.BoolVar(&list, "list", false, "list the pack's atomic tests and the telemetry each should produce")
	f.StringVar(&rulesDir, "rules", "", "also load rule packs from `DIR`")
	return cmd
}

// findPack returns the pack holding the rule id (case-insensitive), or nil.
func findPack(packs []*detect.Pack, id string) *detect.Pack {
	for _, p := range packs {
		if p.Rule(id) != nil {
			return p
		}
	}
	return nil
}

func ruleIDs(packs []*detect.Pack) string {
	var ids []string
	for _, r := range detect.RulesOf(packs) {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return strings.Join(ids, ", ")
}

// wrapAfter folds text at width when the first line already holds used
// columns; continuation lines start with indent (counted in width).
func wrapAfter(s string, width, used int, indent string) string {
	var b strings.Builder
	n := used
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+1+len(w) > width {
				b.WriteString("\n" + indent)
				n = len(indent)
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
