package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CLI tests of the detection pack commands: simulate, test, rules,
// coverage, and detect's tuning and OCSF output. They use the binary and
// the run helper of cli_test.go.

// readerPending reports whether no reader normalises a source's records
// yet (then the tests that need it skip, saying so).
func readerPending(t *testing.T, src string) bool {
	t.Helper()
	sim := run(t, nil, "simulate", "T1204.001", "--source", src)
	q := run(t, []byte(sim.stdout), "query", "#event_simpleName=*", "-", "--format", "ndjson")
	if strings.TrimSpace(q.stdout) == "" {
		t.Logf("%s: no reader normalises this source yet: skipped", src)
		return true
	}
	return false
}

func TestSimulatePipedIntoDetect(t *testing.T) {
	for _, src := range []string{"falcon", "sysmon", "sysmon-xml", "security", "mde"} {
		if readerPending(t, src) {
			continue
		}
		sim := run(t, nil, "simulate", "T1204.001", "--test", "4", "--source", src)
		if sim.code != 0 || sim.stdout == "" {
			t.Fatalf("%s: simulate exit %d: %s", src, sim.code, sim.stderr)
		}
		det := run(t, []byte(sim.stdout), "detect", "-", "--format", "ndjson")
		if det.code != 0 {
			t.Fatalf("%s: detect exit %d: %s", src, det.code, det.stderr)
		}
		got := map[string]string{}
		for _, r := range rows(t, det.stdout) {
			got[r["rule"]] = r["suspicion_level"]
		}
		if got["T1204.001"] != "high" || got["T1204.001-temp-script"] != "high" || len(got) != 2 {
			t.Errorf("%s: alerts %v, want T1204.001 high and T1204.001-temp-script high", src, got)
		}
	}
	r := run(t, nil, "simulate", "T1204.001", "--test", "2", "--source", "security")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "not observable in this source") {
		t.Fatalf("test 2 in security: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
}

func TestSimulateDeterministicAndErrors(t *testing.T) {
	a := run(t, nil, "simulate", "T1204.001-image-exec", "--source", "mde", "--seed", "9")
	b := run(t, nil, "simulate", "T1204.001", "--source", "mde", "--seed", "9")
	c := run(t, nil, "simulate", "T1204.001", "--source", "mde", "--seed", "10")
	if a.code != 0 || a.stdout != b.stdout || b.stdout == c.stdout {
		t.Fatalf("seeded output: exit %d, same seed equal %v, other seed differs %v", a.code, a.stdout == b.stdout, b.stdout != c.stdout)
	}
	for _, args := range [][]string{
		{"simulate", "T1204.001", "--source", "syslog"},
		{"simulate", "T9999"},
		{"simulate", "T1204.001", "--test", "9"},
	} {
		if r := run(t, nil, args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
	l := run(t, nil, "simulate", "T1204.001", "--list")
	if !strings.Contains(l.stdout, "5  ISO/IMG mount and execute") || !strings.Contains(l.stdout, "Invoice_March2026.exe") {
		t.Fatalf("--list: %s", l.stdout)
	}
}

func TestDetectOCSF(t *testing.T) {
	sim := run(t, nil, "simulate", "T1204.001")
	r := run(t, []byte(sim.stdout), "detect", "-", "--format", "ocsf")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d findings, want 8 (the Falcon column of the matrix)", len(lines))
	}
	levels := map[string]int{}
	for _, l := range lines {
		var f struct {
			ClassUID    int                         `json:"class_uid"`
			SeverityID  int                         `json:"severity_id"`
			FindingInfo struct{ UID, Title string } `json:"finding_info"`
			Metadata    struct {
				Product struct{ Name string } `json:"product"`
			} `json:"metadata"`
			Evidences []struct {
				Process struct {
					Name          *string `json:"name"`
					CmdLine       *string `json:"cmd_line"`
					ParentProcess struct {
						Name *string `json:"name"`
					} `json:"parent_process"`
				} `json:"process"`
			} `json:"evidences"`
			Unmapped struct {
				Rule struct{ ID string } `json:"rule"`
			} `json:"unmapped"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if f.ClassUID != 2004 || f.Metadata.Product.Name != "lanner" || f.FindingInfo.UID == "" || f.FindingInfo.Title == "" {
			t.Fatalf("finding: %s", l)
		}
		if len(f.Evidences) != 1 || f.Evidences[0].Process.Name == nil || f.Evidences[0].Process.CmdLine == nil || f.Evidences[0].Process.ParentProcess.Name == nil {
			t.Fatalf("evidence: %s", l)
		}
		levels[f.Unmapped.Rule.ID+" "+[]string{"", "informational", "low", "medium", "high", "critical"}[f.SeverityID]]++
	}
	want := map[string]int{"T1204.001 medium": 2, "T1204.001 high": 1, "T1204.001-download-exe medium": 1, "T1204.001-image-exec high": 1, "T1204.001-image-exec medium": 1, "T1204.001-temp-script high": 2}
	for k, n := range want {
		if levels[k] != n {
			t.Errorf("%s: %d findings, want %d (all: %v)", k, levels[k], n, levels)
		}
	}
	again := run(t, []byte(sim.stdout), "detect", "-", "--format", "ocsf")
	if again.stdout != r.stdout {
		t.Fatal("OCSF output is not deterministic")
	}
}

func TestDetectTuning(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tuning.yml")
	os.WriteFile(tf, []byte(`exclusions:
  - name: lab-mshta
    rules: [T1204.001, T1204.001-temp-script]
    reason: the lab host runs HTA tests
    owner: soc@corp.example
    filter: FileName=/(?i)^mshta\.exe$/
  - name: old-window
    rules: ["*"]
    reason: an exercise that ended
    owner: soc@corp.example
    expires: "2025-01-31"
    filter: FileName=*
`), 0o644)
	sim := run(t, nil, "simulate", "T1204.001", "--test", "4")
	r := run(t, []byte(sim.stdout), "detect", "-", "--format", "ndjson", "--tuning", tf)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"exclusion old-window", "expired on 2025-01-31 and no longer applies", "0 alerts, 2 suppressed (lab-mshta 2)", "T1204.001: 1 events matched, 1 suppressed, 0 shown"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "suppressed by lab-mshta") {
		t.Error("suppressed alerts listed without --show-suppressed")
	}
	r = run(t, []byte(sim.stdout), "detect", "-", "--format", "ndjson", "--tuning", tf, "--show-suppressed")
	if strings.Count(r.stderr, "lanner: suppressed by lab-mshta: {\"rule\":") != 2 {
		t.Fatalf("--show-suppressed: %s", r.stderr)
	}
	r = run(t, []byte(sim.stdout), "detect", "-", "--format", "ocsf", "--tuning", tf, "--show-suppressed")
	if strings.Count(r.stdout, `"status_id":3`) != 2 || !strings.Contains(r.stdout, `"is_alert":false`) {
		t.Fatalf("ocsf --show-suppressed: %s", r.stdout)
	}
	r = run(t, []byte(sim.stdout), "detect", "-", "--format", "table", "--tuning", tf, "--show-suppressed")
	if !strings.Contains(r.stdout, "suppressed alerts") || !strings.Contains(r.stdout, "lab-mshta") {
		t.Fatalf("table --show-suppressed: %s", r.stdout)
	}
	os.WriteFile(tf, []byte("exclusions:\n  - {name: x, rules: [T1204.001], filter: 'a=('}\n"), 0o644)
	r = run(t, []byte(sim.stdout), "detect", "-", "--tuning", tf)
	if r.code != 2 || !strings.Contains(r.stderr, "exclusions[0].reason: missing") || !strings.Contains(r.stderr, "exclusions[0].filter") {
		t.Fatalf("bad tuning file: exit %d: %s", r.code, r.stderr)
	}
}

func TestLannerTest(t *testing.T) {
	r := run(t, nil, "test")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"coverage matrix", "not observable", "+temp-script high", "+image-exec high", "PASS: ", "exclusion onboarding-portal-powershell suppresses its intended events and nothing else"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	j := run(t, nil, "test", "T1204.001-temp-script", "--format", "json")
	var rep struct {
		Packs []struct {
			Pack   string
			Matrix []struct {
				Test   int
				Source string
				Status string
				Fired  []struct{ Rule, Level string }
			}
		}
		Summary struct {
			Pass          bool
			CellsPassed   int `json:"cells_passed"`
			NotObservable int `json:"cells_not_observable"`
			Pending       int `json:"cells_pending"`
		}
	}
	if err := json.Unmarshal([]byte(j.stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, j.stdout)
	}
	if j.code != 0 || !rep.Summary.Pass || len(rep.Packs) != 1 || len(rep.Packs[0].Matrix) != 25 {
		t.Fatalf("json report: exit %d, %+v", j.code, rep.Summary)
	}
	if rep.Summary.CellsPassed+rep.Summary.Pending != 24 || rep.Summary.NotObservable != 1 {
		t.Fatalf("cells: %+v", rep.Summary)
	}
	if rep.Summary.Pending > 0 {
		t.Logf("%d cells pending: a reader is missing", rep.Summary.Pending)
	}
}

// A pack whose expectation is wrong fails `lanner test` with exit 1 and
// says what differs.
func TestLannerTestFailsOnWrongExpectation(t *testing.T) {
	dir := t.TempDir()
	pack := filepath.Join(dir, "mine")
	os.MkdirAll(filepath.Join(pack, "tests"), 0o755)
	os.WriteFile(filepath.Join(pack, "rule.yml"), []byte(`id: MINE-1
title: cmd from Word
description: Word starts cmd.
attack: {tactic: Execution, technique: T1204 User Execution, subtechnique: T1204.002 Malicious File, reference: "https://attack.mitre.org/techniques/T1204/002/"}
severity: low
confidence: low
data_sources: [Falcon]
required_events: ["#event_simpleName=ProcessRollup2"]
`), 0o644)
	os.WriteFile(filepath.Join(pack, "query.cql"), []byte("#event_simpleName=ProcessRollup2 ParentBaseFileName=/(?i)^winword\\.exe$/ FileName=/(?i)^cmd\\.exe$/\n"), 0o644)
	os.WriteFile(filepath.Join(pack, "playbook.md"), []byte("# mine\n\n## MINE-1\n\nLook.\n"), 0o644)
	os.WriteFile(filepath.Join(pack, "tests", "c.yml"), []byte(`cases:
  - name: word starts cmd
    events:
      - {event_simpleName: ProcessRollup2, ParentBaseFileName: WINWORD.EXE, FileName: cmd.exe, CommandLine: cmd}
    expect:
      - {rule: MINE-1, level: high}
`), 0o644)
	r := run(t, nil, "test", "MINE-1", "--rules", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "missing: MINE-1 high") || !strings.Contains(r.stdout, "unexpected: MINE-1 low") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	// the user pack also runs under detect --rules
	in := `{"event_simpleName":"ProcessRollup2","ParentBaseFileName":"WINWORD.EXE","FileName":"cmd.exe","CommandLine":"cmd"}` + "\n"
	d := run(t, []byte(in), "detect", "-", "--rules", dir, "--rule", "MINE-1", "--format", "ndjson")
	if d.code != 0 || !strings.Contains(d.stdout, `"rule":"MINE-1"`) {
		t.Fatalf("detect --rules: exit %d %s %s", d.code, d.stdout, d.stderr)
	}
	if v := run(t, nil, "rules", "validate", dir); v.code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	os.WriteFile(filepath.Join(pack, "rule.yml"), []byte("id: MINE-1\ntitle: t\nseverity: loud\n"), 0o644)
	v := run(t, nil, "rules", "validate", dir)
	if v.code != 1 || !strings.Contains(v.stdout, "rule.yml: severity: \"loud\" is not one of") || !strings.Contains(v.stdout, "rule.yml: description: missing") {
		t.Fatalf("validate a broken pack: exit %d\n%s", v.code, v.stdout)
	}
	// a pack folder named on its own that does not load is exit 2
	if d := run(t, []byte(in), "detect", "-", "--rules", pack); d.code != 2 {
		t.Fatalf("detect --rules on a broken pack: exit %d", d.code)
	}
}

func TestRulesCommands(t *testing.T) {
	l := run(t, nil, "rules", "list", "--format", "json")
	var list []struct{ ID, Severity, Technique string }
	if err := json.Unmarshal([]byte(l.stdout), &list); err != nil || len(list) != 4 {
		t.Fatalf("rules list: %v %s", err, l.stdout)
	}
	s := run(t, nil, "rules", "show", "T1204.001")
	for _, want := range []string{
		"T1204.001 — Malicious Link", "Tactic         TA0002 Execution", "Technique      T1204 User Execution",
		"Sub-technique  T1204.001 Malicious Link", "https://attack.mitre.org/techniques/T1204/001/",
		"severity high · confidence high", "#event_simpleName=ProcessRollup2", "| limit 200",
		"ClickOnce", "certutil.exe", "Security-awareness", "FIN7", "Kimsuky",
		"1. Browser spawning PowerShell via URI handler", "5. ISO/IMG mount and execute", "Invoice_March2026.exe",
		"T1204.001-image-exec", "onboarding-portal-powershell (template, disabled)", "Response playbook", "Hunting queries",
	} {
		if !strings.Contains(s.stdout, want) {
			t.Errorf("rules show lacks %q", want)
		}
	}
	p := run(t, nil, "rules", "show", "T1204.001-temp-script", "--playbook")
	if !strings.HasPrefix(p.stdout, "## T1204.001-temp-script") || strings.Contains(p.stdout, "## T1204.001-image-exec") {
		t.Fatalf("companion playbook: %s", p.stdout)
	}
	if v := run(t, nil, "rules", "validate"); v.code != 0 || !strings.Contains(v.stdout, "ok    T1204.001") {
		t.Fatalf("validate: exit %d %s %s", v.code, v.stdout, v.stderr)
	}
	if v := run(t, nil, "rules", "validate", "/nonexistent"); v.code != 2 {
		t.Fatalf("validate of a missing folder: exit %d", v.code)
	}
	c := run(t, nil, "coverage", "--navigator", "-")
	var layer struct {
		Domain     string
		Versions   struct{ Layer string }
		Techniques []struct {
			TechniqueID string
			Tactic      string
			Score       int
			Comment     string
		}
	}
	if err := json.Unmarshal([]byte(c.stdout), &layer); err != nil {
		t.Fatalf("coverage: %v\n%s", err, c.stdout)
	}
	if layer.Domain != "enterprise-attack" || layer.Versions.Layer != "4.5" || len(layer.Techniques) != 2 {
		t.Fatalf("layer: %+v", layer)
	}
	tq := layer.Techniques[0]
	if tq.TechniqueID != "T1204.001" || tq.Tactic != "execution" || tq.Score != 4 || !strings.Contains(tq.Comment, "T1204.001-download-exe") {
		t.Fatalf("technique: %+v", tq)
	}
}

func TestExplainCommand(t *testing.T) {
	if readerPending(t, "sysmon-xml") {
		t.Skip("no Windows event XML reader yet")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "t4.xml")
	sim := run(t, nil, "simulate", "T1204.001", "--test", "4", "--source", "sysmon-xml")
	os.WriteFile(f, []byte(sim.stdout), 0o644)
	r := run(t, nil, "explain", "T1204.001", f)
	if r.code != 2 || !strings.Contains(r.stderr, "holds 3 records: pick one") {
		t.Fatalf("several records without --line: exit %d %s", r.code, r.stderr)
	}
	var line string
	for i, l := range strings.Split(sim.stdout, "\n") {
		if strings.Contains(l, "<EventID>1</EventID>") {
			line = strconv.Itoa(i + 1)
		}
	}
	r = run(t, nil, "explain", "T1204.001", f, "--line", line)
	for _, want := range []string{"ParentBaseFileName is \"msedge.exe\"", "✓ is_lolbin = \"true\" → \"high\" ←", "verdict: FIRES at level high"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("explain lacks %q (exit %d):\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	r = run(t, nil, "explain", "T1204.001-download-exe", f, "--line", line)
	if !strings.Contains(r.stdout, "verdict: does NOT fire — stage 1 drops the event") {
		t.Fatalf("non-match:\n%s", r.stdout)
	}
}
