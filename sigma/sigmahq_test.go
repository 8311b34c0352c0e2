package sigma

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// TestSigmaHQLoadRate: at least 98 % of the rules under rules/windows load
// (compile, and their logsource maps onto lanner's sources); the rest are
// listed with their reasons.
func TestSigmaHQLoadRate(t *testing.T) {
	dir := sharedtest.Path(t, "data", "sigmahq", "rules", "windows")
	set, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	total := len(set.Rules) + len(set.Skipped)
	rate := float64(len(set.Rules)) / float64(total)
	t.Logf("rules/windows: %d of %d loaded (%.2f %%); not loaded:", len(set.Rules), total, 100*rate)
	for _, e := range set.Skipped {
		t.Logf("  %v", e)
	}
	if rate < 0.98 {
		t.Errorf("load rate %.2f %% < 98 %%", 100*rate)
	}
	// every query prints as CQL that parses back to the same text
	for _, c := range set.Rules {
		text := c.Query.String()
		q, err := cql.Parse(text)
		if err != nil {
			t.Errorf("%s: printed query does not parse: %v", c.Rule.Source, err)
			continue
		}
		if q.String() != text {
			t.Errorf("%s: printed query does not round-trip:\n%s\n%s", c.Rule.Source, text, q.String())
		}
	}
	rs := sigmaHQRuleset(t)
	t.Logf("all rule folders: %d rules load, %d with a witness", len(rs.Rules), rs.Witnessed)
}

type regressionCase struct {
	dir    string
	ruleID string
	files  []string
}

func regressionCases(t testing.TB) []regressionCase {
	root := sharedtest.Path(t, "data", "sigmahq", "regression_data")
	var cases []regressionCase
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "info.yml" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var info struct {
			RuleMetadata []struct {
				ID string `yaml:"id"`
			} `yaml:"rule_metadata"`
		}
		if err := yaml.Unmarshal(data, &info); err != nil {
			return err
		}
		dir := filepath.Dir(path)
		ents, _ := os.ReadDir(dir)
		var files []string
		for _, e := range ents {
			if ext := filepath.Ext(e.Name()); ext == ".evtx" || ext == ".json" {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
		for _, m := range info.RuleMetadata {
			cases = append(cases, regressionCase{dir: dir, ruleID: m.ID, files: files})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].dir < cases[j].dir })
	return cases
}

// TestSigmaHQRegression: every SigmaHQ regression case, EVTX and JSON, read
// by lanner's sources, is detected by its rule.
func TestSigmaHQRegression(t *testing.T) {
	cases := regressionCases(t)
	rs := sigmaHQRuleset(t)
	byID := map[string]int{}
	for i, c := range rs.Rules {
		byID[c.Rule.ID] = i
	}
	m := rs.NewMatcher()
	files, detected := 0, 0
	var missed []string
	for _, c := range cases {
		ri, ok := byID[c.ruleID]
		if !ok {
			missed = append(missed, c.ruleID+": rule not loaded ("+c.dir+")")
			continue
		}
		for _, f := range c.files {
			files++
			evs := readEvents(t, f)
			hit := false
			for _, e := range evs {
				for _, k := range m.Match(e) {
					hit = hit || k == ri
				}
			}
			if hit {
				detected++
			} else {
				missed = append(missed, rs.Rules[ri].Rule.Source+": not detected in "+f+" ("+itoa(len(evs))+" events)\n    "+strings.ReplaceAll(rs.Rules[ri].Query.String(), "\n", "\n    "))
			}
		}
	}
	t.Logf("%d regression cases, %d files, %d detected", len(cases), files, detected)
	for _, s := range missed {
		t.Error(s)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
