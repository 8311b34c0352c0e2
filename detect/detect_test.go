package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/sharedtest"
	"github.com/lanner-dev/lanner/simulate"
	"github.com/lanner-dev/lanner/source"
)

func builtinPack(t *testing.T) *Pack {
	t.Helper()
	packs, err := BuiltinPacks()
	if err != nil {
		t.Fatalf("built-in packs do not load:\n%v", err)
	}
	for _, p := range packs {
		if p.ID == "T1204.001" {
			return p
		}
	}
	t.Fatal("no T1204.001 pack")
	return nil
}

func TestBuiltinPack(t *testing.T) {
	p := builtinPack(t)
	var ids []string
	for _, r := range p.Rules {
		ids = append(ids, r.ID)
	}
	want := "T1204.001 T1204.001-download-exe T1204.001-image-exec T1204.001-temp-script"
	if got := strings.Join(ids, " "); got != want {
		t.Fatalf("rules %q, want %q", got, want)
	}
	m := p.Main()
	if m.Attack.TacticID() != "TA0002" || m.Attack.Technique.ID != "T1204" || m.Attack.Subtechnique.ID != "T1204.001" {
		t.Fatalf("ATT&CK mapping: %+v", m.Attack)
	}
	if m.Severity != "high" || m.Confidence != "high" || len(m.FalsePositives) != 3 {
		t.Fatalf("card: severity %s confidence %s, %d false positives", m.Severity, m.Confidence, len(m.FalsePositives))
	}
	if len(p.Atomic) != 5 || len(p.Tuning) != 3 || len(p.Cases) == 0 {
		t.Fatalf("%d atomic tests, %d exclusions, %d cases", len(p.Atomic), len(p.Tuning), len(p.Cases))
	}
	for _, x := range p.Tuning {
		if x.IsEnabled() {
			t.Errorf("template %s ships enabled", x.Name)
		}
	}
}

// The main rule's query is the seed's, byte for byte.
func TestMainQueryIsTheSeedVerbatim(t *testing.T) {
	shared := sharedtest.Dir(t)
	seed, err := os.ReadFile(filepath.Join(shared, "acceptance", "seed.cql"))
	if err != nil {
		t.Skipf("no seed.cql: %v", err)
	}
	got := builtinPack(t).Main().Query
	if strings.TrimRight(got, "\n") != strings.TrimRight(string(seed), "\n") {
		t.Fatalf("rules/T1204.001/query.cql differs from the seed's query:\n%s", got)
	}
	page, err := os.ReadFile(filepath.Join(shared, "spec", "seed-T1204.001-logscale.txt"))
	if err == nil && !bytes.Contains(page, []byte(strings.TrimRight(got, "\n"))) {
		t.Fatal("query.cql is not found verbatim in the seed page")
	}
}

func TestPackCases(t *testing.T) {
	p := builtinPack(t)
	tt := &Tester{Pack: p, Run: SourceRunner, Now: time.Now()}
	for _, r := range tt.RunCases() {
		if !r.Pass {
			t.Errorf("%s: %s:\n  %s", r.File, r.Name, strings.Join(r.Problems, "\n  "))
		}
	}
}

// Each exclusion template suppresses the event its case names and, switched
// on everywhere else (every other case, every atomic simulation), nothing.
func TestTuningTemplates(t *testing.T) {
	p := builtinPack(t)
	tt := &Tester{Pack: p, Run: SourceRunner, Now: time.Now()}
	res := tt.RunTuningChecks(1)
	if len(res) != 3 {
		t.Fatalf("%d template checks, want 3", len(res))
	}
	for _, r := range res {
		if !r.Pass {
			t.Errorf("%s:\n  %s", r.Name, strings.Join(r.Problems, "\n  "))
		}
	}
}

// The coverage matrix: every atomic test in every source. A source whose
// reader does not exist yet reports "pending" and is skipped here.
func TestAtomicMatrix(t *testing.T) {
	p := builtinPack(t)
	tt := &Tester{Pack: p, Run: SourceRunner, Now: time.Now()}
	for _, seed := range []uint64{1, 2, 3, 42, 1204001} {
		for _, c := range tt.RunAtomic(seed, simulate.Sources) {
			switch c.Status {
			case CellFail:
				t.Errorf("seed %d, test %d in %s: %s\n  fired %v", seed, c.Test, c.Source, strings.Join(c.Problems, "; "), c.Fired)
			case CellPending:
				t.Logf("seed %d, test %d in %s: pending: %s", seed, c.Test, c.Source, strings.Join(c.Problems, "; "))
			case CellNotObservable:
				if c.Test != 2 || c.Source != "security" {
					t.Errorf("test %d in %s is not observable", c.Test, c.Source)
				}
			}
		}
	}
}

// Every cell the seed's expected signals name fires, with the levels the
// query's case() gives: checked here against the table itself so that a
// change to tests/atomic.yml cannot quietly weaken the matrix.
func TestAtomicExpectationsCoverSeedSignals(t *testing.T) {
	p := builtinPack(t)
	want := map[int][]string{
		1: {"T1204.001 medium"},
		2: {"T1204.001-download-exe medium"},
		3: {"T1204.001 medium", "T1204.001-temp-script high"},
		4: {"T1204.001 high", "T1204.001-temp-script high"},
		5: {"T1204.001-image-exec medium", "T1204.001-image-exec high"},
	}
	for _, a := range p.Atomic {
		var got []string
		for _, e := range a.Expected("falcon") {
			got = append(got, e.Rule+" "+e.Level)
		}
		if strings.Join(got, ",") != strings.Join(want[a.Test], ",") {
			t.Errorf("test %d expects %v in Falcon, want %v", a.Test, got, want[a.Test])
		}
	}
}

func writePack(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, "pack", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodRule = `id: X-1
title: test rule
description: a rule for tests
attack:
  tactic: Execution
  technique: T1204 User Execution
  subtechnique: T1204.001 Malicious Link
  reference: https://attack.mitre.org/techniques/T1204/001/
severity: high
confidence: medium
data_sources: [test]
required_events: ["#event_simpleName=ProcessRollup2"]
`

const goodCases = `cases:
  - name: fires
    events:
      - {event_simpleName: ProcessRollup2, FileName: cmd.exe, CommandLine: x}
    expect:
      - {rule: X-1, level: high}
`

func TestUserPackLoads(t *testing.T) {
	dir := writePack(t, map[string]string{
		"rule.yml":         goodRule,
		"query.cql":        "#event_simpleName=ProcessRollup2 FileName=cmd.exe\n",
		"tests/cases.yml":  goodCases,
		"playbook.md":      "# p\n\n## X-1 test\n\ntext\n",
		"tuning/tune.yml":  "exclusions:\n  - {name: a, rules: [X-1], reason: r, owner: o, filter: 'CommandLine=y'}\n",
		"other/readme.txt": "not a pack",
	})
	packs, errs := LoadPacks(dir)
	if len(errs) > 0 || len(packs) != 1 {
		t.Fatalf("packs %d, errors %v", len(packs), errs)
	}
	p := packs[0]
	if p.Main().Attack.Tactic.Name != "Execution" || p.Main().Attack.Technique.ID != "T1204" || p.Main().Attack.Subtechnique.Name != "Malicious Link" {
		t.Fatalf("string ATT&CK forms: %+v", p.Main().Attack)
	}
	tt := &Tester{Pack: p, Run: SourceRunner}
	for _, r := range tt.RunCases() {
		if !r.Pass {
			t.Fatalf("%s: %v", r.Name, r.Problems)
		}
	}
}

// A broken pack reports every problem at once, each naming the file and the key.
func TestValidationNamesFileAndKey(t *testing.T) {
	bad := strings.Replace(goodRule, "severity: high", "severity: urgent\nseverty: high", 1)
	bad = strings.Replace(bad, "tactic: Execution", "tactic: {id: TA0002, name: Persistence}", 1)
	bad = strings.Replace(bad, "subtechnique: T1204.001 Malicious Link", "subtechnique: T1059.001 PowerShell", 1)
	dir := writePack(t, map[string]string{
		"rule.yml":  bad,
		"query.cql": "#event_simpleName=ProcessRollup2 | FileName=/(/\n",
		"tests/cases.yml": `cases:
  - name: c
    events: [{a: b}]
    tuning: [nope]
    expect:
      - {rule: NOPE, level: severe}
`,
		"tests/atomic.yml": `atomic_tests:
  - test: 1
    name: t
    steps:
      - process: {image: 'C:\x.exe', parent: ghost}
    expect:
      all: []
      syslog: []
`,
		"tuning/t.yml":           "exclusions:\n  - {name: Bad Name, rules: [X-9], filter: 'FileName=x | groupBy(a)', expires: tomorrow}\n",
		"companions/c/rule.yml":  strings.Replace(goodRule, "id: X-1", "id: Y-2", 1),
		"companions/c/query.cql": "FileName=x\n",
	})
	_, errs := LoadPacks(dir)
	if len(errs) != 1 {
		t.Fatalf("errors: %v", errs)
	}
	msg := errs[0].Error()
	for _, want := range []string{
		"pack/rule.yml: severity: \"urgent\" is not one of",
		"pack/rule.yml: severty: unknown key",
		"pack/rule.yml: attack.tactic: TA0002 is \"Execution\", not \"Persistence\"",
		"pack/rule.yml: attack.subtechnique: T1059.001 is not a sub-technique of T1204",
		"pack/rule.yml: attack.reference: ",
		"pack/query.cql: ",
		"pack/companions/c/rule.yml: id: \"Y-2\": a companion's id starts with the pack's id",
		"pack/tests/cases.yml: cases[0].expect[0].rule: \"NOPE\" is not a rule of this pack",
		"pack/tests/cases.yml: cases[0].expect[0].level: \"severe\" is not one of",
		"pack/tests/cases.yml: cases[0].tuning[0]: \"nope\" is not an exclusion",
		"pack/tests/atomic.yml: atomic_tests[0].steps[0].process.parent: no running process or earlier step \"ghost\"",
		"pack/tests/atomic.yml: atomic_tests[0].expect.syslog: not a source",
		"pack/tuning/t.yml: exclusions[0].name: \"Bad Name\"",
		"pack/tuning/t.yml: exclusions[0].reason: missing",
		"pack/tuning/t.yml: exclusions[0].owner: missing",
		"pack/tuning/t.yml: exclusions[0].rules[0]: \"X-9\" is not a rule of this pack",
		"pack/tuning/t.yml: exclusions[0].expires: \"tomorrow\" is not a date",
		"pack/tuning/t.yml: exclusions[0].filter: an exclusion is a per-event filter",
		"pack/playbook.md: missing",
		"no test case or atomic test expects an alert from X-1",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing problem %q in:\n%s", want, msg)
		}
	}
}

// The rule's output fields and the whole event: an alert keeps its source
// record (file, line, raw bytes, fields the query does not project).
func TestAlertKeepsSourceEvent(t *testing.T) {
	p := builtinPack(t)
	set, err := Prepare([]*Rule{p.Main()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := "{\"event_simpleName\":\"ProcessRollup2\",\"timestamp\":\"1773134400000\",\"aid\":\"a1\",\"TargetProcessId\":\"77\",\"ParentBaseFileName\":\"chrome.exe\",\"ImageFileName\":\"\\\\Device\\\\HarddiskVolume3\\\\Windows\\\\System32\\\\mshta.exe\",\"CommandLine\":\"mshta.exe x.hta\"}\n"
	in = "{\"event_simpleName\":\"DnsRequest\"}\n" + in
	if err := SourceRunner(set.Programs(), []source.Input{{Path: "events.ndjson", Reader: strings.NewReader(in)}}, set.Sinks()); err != nil {
		t.Fatal(err)
	}
	res, err := set.Results()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || len(res[0].Alerts) != 1 {
		t.Fatalf("results %+v", res)
	}
	a := res[0].Alerts[0]
	if a.Row.Has("TargetProcessId") || !a.Row.Has("suspicion_level") {
		t.Fatalf("row is not the projection: %v", a.Row.Keys)
	}
	if v, _ := a.Event.Get("TargetProcessId"); v != "77" {
		t.Fatalf("event lost TargetProcessId: %v", a.Event.Keys)
	}
	if a.Row.Origin.File != "events.ndjson" || a.Row.Origin.Line != 2 || !bytes.Contains(a.Row.Origin.Raw, []byte(`"aid":"a1"`)) {
		t.Fatalf("origin %+v", a.Row.Origin)
	}
	if a.Level != "high" {
		t.Fatalf("level %s", a.Level)
	}
	if strings.Join(res[0].Fields, ",") != "timestamp,ComputerName,UserName,ParentBaseFileName,ParentCommandLine,FileName,CommandLine,is_encoded_ps,is_download_cradle,is_script_engine,is_lolbin,suspicion_level" {
		t.Fatalf("fields %v", res[0].Fields)
	}
}

func TestAlertUIDs(t *testing.T) {
	p := builtinPack(t)
	line := "{\"event_simpleName\":\"ProcessRollup2\",\"timestamp\":\"1\",\"ParentBaseFileName\":\"chrome.exe\",\"FileName\":\"cmd.exe\",\"CommandLine\":\"cmd /c x\"}\n"
	other := strings.Replace(line, "cmd /c x", "cmd /c y", 1)
	run := func(in string) []string {
		set, err := Prepare(p.Rules, Options{Engine: engine.Options{LiftLimits: true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := SourceRunner(set.Programs(), []source.Input{{Path: "-", Reader: strings.NewReader(in)}}, set.Sinks()); err != nil {
			t.Fatal(err)
		}
		res, err := set.Results()
		if err != nil {
			t.Fatal(err)
		}
		var uids []string
		for _, r := range res {
			for _, a := range r.Alerts {
				uids = append(uids, a.UID)
			}
		}
		return uids
	}
	a := run(line + other + line)
	b := run(line + other + line)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("not deterministic: %v vs %v", a, b)
	}
	if len(a) != 3 || a[0] == a[1] || a[1] == a[2] || a[0] == a[2] {
		t.Fatalf("not unique: %v", a)
	}
	// sorted newest first with ties in input order: line, other, line again
	if !strings.HasSuffix(a[2], "-2") || strings.TrimSuffix(a[2], "-2") != a[0] {
		t.Fatalf("a repeated record should get the same id with a -2 suffix: %v", a)
	}
}

func TestExclusionExpiryAndCounts(t *testing.T) {
	p := builtinPack(t)
	in := "{\"event_simpleName\":\"ProcessRollup2\",\"ParentBaseFileName\":\"chrome.exe\",\"FileName\":\"cmd.exe\",\"CommandLine\":\"cmd /c a\"}\n" +
		"{\"event_simpleName\":\"ProcessRollup2\",\"ParentBaseFileName\":\"chrome.exe\",\"FileName\":\"cmd.exe\",\"CommandLine\":\"cmd /c b\"}\n"
	dir := t.TempDir()
	tf := filepath.Join(dir, "t.yml")
	os.WriteFile(tf, []byte(`exclusions:
  - name: only-a
    rules: [T1204.001]
    reason: test
    owner: me
    expires: "2026-06-30"
    filter: CommandLine="cmd /c a"
  - name: off
    rules: ["*"]
    enabled: false
    reason: test
    owner: me
    filter: FileName=*
`), 0o644)
	xs, err := LoadTuning(tf)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now        string
		suppressed int
		warn       bool
	}{{"2026-06-30T23:59:59Z", 1, false}, {"2026-07-01T00:00:00Z", 0, true}} {
		now, _ := time.Parse(time.RFC3339, c.now)
		set, err := Prepare([]*Rule{p.Main()}, Options{Exclusions: xs, Now: now, KeepSuppressed: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := SourceRunner(set.Programs(), []source.Input{{Path: "-", Reader: strings.NewReader(in)}}, set.Sinks()); err != nil {
			t.Fatal(err)
		}
		res, err := set.Results()
		warn := set.Warnings()
		if err != nil {
			t.Fatal(err)
		}
		if len(res[0].Suppressed) != c.suppressed || len(res[0].Alerts) != 2-c.suppressed || (len(warn) > 0) != c.warn {
			t.Fatalf("at %s: %d suppressed, %d alerts, warnings %v", c.now, len(res[0].Suppressed), len(res[0].Alerts), warn)
		}
		if c.suppressed == 1 {
			sc := Suppressions(res)
			if len(sc) != 1 || sc[0].Exclusion.Name != "only-a" || sc[0].Count != 1 {
				t.Fatalf("counts %+v", sc)
			}
			if v, _ := res[0].Suppressed[0].Row.Get("CommandLine"); v != "cmd /c a" {
				t.Fatalf("suppressed the wrong alert: %v", v)
			}
		}
	}
}

func TestSplitPoint(t *testing.T) {
	for q, want := range map[string]int{
		"a=1 | b=2 | eval c := 1":                    3,
		"a=1 | fields a, b | sort(a)":                1,
		"a=1 | groupBy(a)":                           1,
		"a=1 | eval x := 2 | rename(a, as=b) | x=2":  2,
		"#event_simpleName=ProcessRollup2 | head(3)": 1,
	} {
		parsed, err := cql.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := SplitPoint(parsed.Stages); got != want {
			t.Errorf("%s: split at %d, want %d", q, got, want)
		}
	}
}

func TestPlaybookSection(t *testing.T) {
	md := "# T1204.001 pack\n## T1204.001 — main\ntext\n### Hunting\nq\n## T1204.001-download-exe — dl\nd\n## Other\n"
	if s := PlaybookSection(md, "T1204.001"); !strings.HasPrefix(s, "## T1204.001 — main") || strings.Contains(s, "download") {
		t.Fatalf("main section: %q", s)
	}
	if s := PlaybookSection(md, "T1204.001-download-exe"); s != "## T1204.001-download-exe — dl\nd\n" {
		t.Fatalf("companion section: %q", s)
	}
}

// The hunting queries in every playbook parse as CQL.
func TestPlaybookQueriesParse(t *testing.T) {
	p := builtinPack(t)
	blocks := strings.Split(p.Playbook, "```cql\n")
	if len(blocks) < 5 {
		t.Fatalf("%d cql blocks", len(blocks)-1)
	}
	for _, b := range blocks[1:] {
		q := b[:strings.Index(b, "```")]
		if _, err := cql.ParseWith(q, cql.Options{Params: map[string]string{"aid": "x", "TargetProcessId": "1", "CommandLine": "c"}}); err != nil {
			t.Errorf("hunting query does not parse: %v\n%s", err, q)
		}
	}
}

func TestExplain(t *testing.T) {
	p := builtinPack(t)
	run := func(line string) *Explanation {
		all, err := engine.Compile(&cql.Query{}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []*Explanation
		sink := engineSink(func(e *eventT) {
			x, err := Explain(p.Main(), e, p.Tuning, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, x)
		})
		if err := SourceRunner([]*engine.Program{all}, []source.Input{{Path: "-", Reader: strings.NewReader(line + "\n")}}, []engine.Sink{sink}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d events", len(got))
		}
		return got[0]
	}
	x := run(`{"event_simpleName":"ProcessRollup2","ParentBaseFileName":"chrome.exe","FileName":"certutil.exe","CommandLine":"certutil.exe -verify -urlfetch c.p7b"}`)
	if !x.Matched || x.Level != "high" || !x.Fires || len(x.Steps) != 9 {
		t.Fatalf("explanation: %+v", x)
	}
	last := x.Steps[8]
	var chosen []string
	for _, c := range last.Conditions {
		if c.Chosen {
			chosen = append(chosen, c.Text+" → "+c.Gives)
		}
	}
	if len(chosen) != 1 || chosen[0] != `is_lolbin = "true" → high` {
		t.Fatalf("case(): chosen %v", chosen)
	}
	matched := ""
	for _, c := range x.Checks {
		if c.Matches {
			matched += c.Name
		}
	}
	if matched != "certutil-certificate-checks" || x.SuppressedBy != "" {
		t.Fatalf("exclusions: the disabled certutil template matches but does not suppress: %+v", x.Checks)
	}
	y := run(`{"event_simpleName":"ProcessRollup2","ParentBaseFileName":"explorer.exe","FileName":"cmd.exe","CommandLine":"cmd"}`)
	if y.Matched || y.StoppedAt != 1 || y.Steps[1].Clauses[0].Fields["ParentBaseFileName"] != "explorer.exe" {
		t.Fatalf("non-match: %+v", y)
	}
}

type eventT = event.Event

type engineSink func(e *event.Event)

func (f engineSink) Push(e *event.Event) { f(e) }
func (f engineSink) Flush()              {}

// The main rule run the detect way (alerting part, tuning, then the
// presentation with the sort moved before the projection) gives exactly the
// rows the acceptance fixtures expect from the seed query.
func TestDetectRowsMatchAcceptance(t *testing.T) {
	shared := sharedtest.Dir(t)
	fx := filepath.Join(shared, "acceptance", "fixtures")
	data, err := os.ReadFile(filepath.Join(fx, "falcon-mixed.ndjson"))
	if err != nil {
		t.Skipf("no fixture: %v", err)
	}
	p := builtinPack(t)
	for _, c := range []struct {
		lift bool
		want string
	}{{false, "falcon-mixed.seed.expected.ndjson"}, {true, "falcon-mixed.seed-all.expected.ndjson"}} {
		want, err := os.ReadFile(filepath.Join(fx, c.want))
		if err != nil {
			t.Skipf("no expected rows: %v", err)
		}
		set, err := Prepare([]*Rule{p.Main()}, Options{Engine: engine.Options{LiftLimits: c.lift}})
		if err != nil {
			t.Fatal(err)
		}
		if !set.Rules[0].swapped {
			t.Fatal("the seed's presentation should sort before projecting")
		}
		if err := SourceRunner(set.Programs(), []source.Input{{Path: "fx", Reader: bytes.NewReader(data)}}, set.Sinks()); err != nil {
			t.Fatal(err)
		}
		res, err := set.Results()
		if err != nil {
			t.Fatal(err)
		}
		wantLines := strings.Split(strings.TrimSpace(string(want)), "\n")
		if len(res[0].Alerts) != len(wantLines) {
			t.Fatalf("%s: %d rows, want %d", c.want, len(res[0].Alerts), len(wantLines))
		}
		for i, a := range res[0].Alerts {
			var got, exp map[string]any
			row := "{"
			for j, k := range a.Row.Keys {
				if j > 0 {
					row += ","
				}
				row += string(appendJSON([]byte(nil), k)) + ":" + string(appendJSON(nil, a.Row.Vals[j]))
			}
			row += "}"
			if err := json.Unmarshal([]byte(row), &got); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal([]byte(wantLines[i]), &exp)
			for k, v := range exp {
				if v == nil {
					delete(exp, k)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Fatalf("%s row %d:\n got  %v\n want %v", c.want, i+1, got, exp)
			}
		}
	}
}

func TestSwappable(t *testing.T) {
	for q, want := range map[string]bool{
		"a=1 | fields a, b | sort(a, limit=3)":      true,
		"a=1 | fields a, b | sort(c)":               false, // c is projected away
		"a=1 | fields a, b | drop(a) | sort(a)":     false,
		"a=1 | fields a, b | head(3)":               true,
		"a=1 | fields a, b | groupBy(a)":            false,
		"a=1 | sort(a)":                             false, // no projection: nothing to swap
		"a=1 | rename(a, as=b) | sort(b)":           false,
		"a=1 | fields a, b | sort([a, b], limit=3)": true,
	} {
		parsed, err := cql.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		_, _, ok := swappable(parsed.Stages[SplitPoint(parsed.Stages):])
		if ok != want {
			t.Errorf("%s: swappable %v, want %v", q, ok, want)
		}
	}
}

// A source that no reader normalises is reported as pending, not failed:
// here every file is read as plain NDJSON, as before the readers existed.
func TestPendingWithoutReader(t *testing.T) {
	plain := func(progs []*engine.Program, ins []source.Input, sinks []engine.Sink) error {
		rd := source.NewReader(source.Options{Format: source.FormatNDJSON})
		batches := make(chan *engine.Batch, 8)
		go rd.Run(context.Background(), ins, batches)
		_, err := engine.RunAll(context.Background(), progs, batches, source.NewNDJSONDecoder, engine.RunOptions{}, sinks)
		for range batches {
		}
		return err
	}
	tt := &Tester{Pack: builtinPack(t), Run: plain}
	for _, c := range tt.RunAtomic(1, []string{"sysmon", "mde"}) {
		if c.Status != CellPending {
			t.Errorf("test %d in %s: %s, want pending (%v)", c.Test, c.Source, c.Status, c.Problems)
		}
	}
}
