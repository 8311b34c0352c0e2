package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/internal/sharedtest"
)

func TestConvertTargets(t *testing.T) {
	for _, to := range []string{"logscale", "sigma", "spl", "kql", "esql", "eql"} {
		r := run(t, nil, "convert", "T1204.001", "--to", to)
		if r.code != 0 || r.stdout == "" {
			t.Errorf("convert --to %s: exit %d\n%s", to, r.code, r.stderr)
		}
	}
	if r := run(t, nil, "convert", "T1204.001", "--to", "kql", "--variant", "sentinel-security"); r.code != 0 || !strings.Contains(r.stdout, "SecurityEvent") {
		t.Errorf("kql sentinel-security: %d %s", r.code, r.stderr)
	}
	if r := run(t, nil, "convert", "T1204.001", "--to", "cobol"); r.code != 2 {
		t.Errorf("unknown target: exit %d, want 2", r.code)
	}
	if r := run(t, nil, "convert", "NOPE", "--to", "spl"); r.code != 2 {
		t.Errorf("unknown rule: exit %d, want 2", r.code)
	}
}

// TestConvertSigmaFileAndBack: the exported Sigma rule converts back to
// CQL and runs in detect --sigma on the demo, firing as often as the CQL
// rule's alerting part (--all: every match).
func TestConvertSigmaFileAndBack(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "convert", "T1204.001", "--to", "sigma")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	file := filepath.Join(dir, "t1204.yml")
	if err := os.WriteFile(file, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	back := run(t, nil, "convert", file, "--to", "logscale")
	if back.code != 0 || !strings.Contains(back.stdout, "ParentBaseFileName=") {
		t.Fatalf("convert FILE.yml --to logscale: %d\n%s%s", back.code, back.stdout, back.stderr)
	}
	d := run(t, nil, "detect", "--demo", "--all", "--format", "ndjson", "--sigma", file)
	if d.code != 0 {
		t.Fatal(d.stderr)
	}
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(d.stdout), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		counts[row["rule"].(string)]++
		if !strings.HasPrefix(line, `{"rule":`) {
			t.Fatalf("rule is not the first key: %s", line)
		}
	}
	var sigmaID string
	for id := range counts {
		if len(id) == 36 {
			sigmaID = id
		}
	}
	if sigmaID == "" || counts[sigmaID] != counts["T1204.001"] || counts["T1204.001"] == 0 {
		t.Errorf("alerts per rule: %v (the Sigma export must fire as often as T1204.001)", counts)
	}
}

func TestDetectSigmaRegression(t *testing.T) {
	rule := sharedtest.Path(t, "data", "sigmahq", "rules", "windows", "process_creation", "proc_creation_win_browsers_inline_file_download.yml")
	data := sharedtest.Path(t, "data", "sigmahq", "regression_data", "rules", "windows", "process_creation", "proc_creation_win_browsers_inline_file_download")
	r := run(t, nil, "detect", "--sigma", rule, "--format", "ndjson", "--input-format", "auto", filepath.Join(data, "94771a71-ba41-4b6e-a757-b531372eaab6.evtx"))
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	if !strings.HasPrefix(r.stdout, `{"rule":"94771a71-ba41-4b6e-a757-b531372eaab6","EventID":"1"`) {
		t.Errorf("want one alert of the Sigma rule, its id first and the event's fields after:\n%s", r.stdout)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("title: x\nlogsource: {product: windows, category: file_access}\ndetection: {s: {a: b}, condition: s}\n"), 0o644)
	if r := run(t, nil, "detect", "--sigma", bad, "--demo"); r.code != 2 || !strings.Contains(r.stderr, "file_access") {
		t.Errorf("a Sigma file that does not load: exit %d, want 2 with the reason\n%s", r.code, r.stderr)
	}
}
