package cql

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// corpusQuery is one query of spec/logscale.md §6.
type corpusQuery struct {
	Name, Text string
}

// loadCorpus extracts the ```logscale blocks of §6 (real CrowdStrike and
// community queries, verbatim) from the spec, at test time.
func loadCorpus(t *testing.T) []corpusQuery {
	path := sharedtest.Path(t, "spec", "logscale.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "## 6. Conformance corpus")
	end := strings.Index(s, "## 7. ")
	if start < 0 || end < start {
		t.Skip("logscale.md has no §6 corpus")
	}
	s = s[start:end]
	head := regexp.MustCompile(`(?m)^#### (C\d+)\.`)
	block := regexp.MustCompile("(?s)```logscale\n(.*?)```")
	var out []corpusQuery
	for _, m := range block.FindAllStringSubmatchIndex(s, -1) {
		name := "extra"
		for _, h := range head.FindAllStringSubmatchIndex(s[:m[0]], -1) {
			name = s[h[2]:h[3]]
		}
		out = append(out, corpusQuery{Name: name, Text: s[m[2]:m[3]]})
	}
	return out
}

// TestCorpusParses lists which corpus queries parse. Every one must parse
// except the documented negative test (an empty match guard), and every
// parse must round-trip through the canonical printer.
func TestCorpusParses(t *testing.T) {
	qs := loadCorpus(t)
	if len(qs) < 30 {
		t.Fatalf("found only %d corpus queries", len(qs))
	}
	parsed := 0
	star := "*"
	for _, q := range qs {
		if _, err := Parse(q.Text); err != nil && strings.Contains(err.Error(), "has no value; give it with --param") {
			t.Logf("%s needs a parameter: %v", q.Name, err)
		}
		pq, err := ParseWith(q.Text, Options{DefaultParam: &star})
		if err != nil {
			if strings.Contains(q.Text, "; => severity") { // empty guard: a negative test (§6)
				t.Logf("%s: refused as expected: %v", q.Name, err)
				continue
			}
			t.Errorf("%s does not parse: %v\n%s", q.Name, err, q.Text)
			continue
		}
		parsed++
		s := pq.String()
		pq2, err := ParseWith(s, Options{DefaultParam: &star})
		if err != nil {
			t.Errorf("%s: canonical form does not reparse: %v\n%s", q.Name, err, s)
			continue
		}
		if pq2.String() != s {
			t.Errorf("%s: canonical form is not a fixed point:\n%s\n---\n%s", q.Name, s, pq2.String())
		}
	}
	t.Logf("%d of %d corpus queries parse", parsed, len(qs))
}
