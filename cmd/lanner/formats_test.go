package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatsCommand(t *testing.T) {
	r := run(t, nil, "formats")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"auto", "falcon", "ndjson", "evtx", "xml", "evtx-json", "ecs", "nxlog", "mde-json", "mde-csv", "json", "csv"} {
		if !strings.Contains(r.stdout, "\n"+name+" ") && !strings.HasPrefix(r.stdout, name+" ") {
			t.Errorf("formats lacks %s", name)
		}
	}
	r = run(t, []byte("{}\n"), "query", "--input-format", "bogus", "a=*")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown --input-format "bogus"`) || !strings.Contains(r.stderr, "mde-csv") {
		t.Fatalf("bad --input-format: exit %d %s", r.code, r.stderr)
	}
}

// A directory of mixed formats: every file recognised, records counted per
// format, the seed rule firing the same from each.
func TestMixedFormatsCLI(t *testing.T) {
	r := run(t, nil, "query", "--format", "ndjson", "-f", seedQuery, "source/testdata/mixed")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := len(rows(t, r.stdout)); n != 16 {
		t.Errorf("%d rows, want 16 (2 per file)", n)
	}
	if !strings.Contains(r.stderr, "8 files, 28 records (ecs 3, evtx-json 3, falcon 3, mde-csv 3, mde-json 3, nxlog 3, xml 10), 0 skipped") {
		t.Errorf("summary: %s", r.stderr)
	}
}

func TestFalconLookupFlags(t *testing.T) {
	dir := t.TempDir()
	aid := filepath.Join(dir, "aidmaster.csv")
	os.WriteFile(aid, []byte("aid,ComputerName\nffff0001,HOST-ONE\n"), 0o644)
	ev := []byte(`{"event_simpleName":"ProcessRollup2","aid":"ffff0001","timestamp":"1700000000000","ImageFileName":"C:\\x\\cmd.exe"}` + "\n")
	r := run(t, ev, "query", "--format", "ndjson", "--falcon-aidmaster", aid, "ComputerName=HOST-ONE")
	if r.code != 0 || len(rows(t, r.stdout)) != 1 {
		t.Fatalf("aidmaster: exit %d, %q %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, ev, "query", "--falcon-userinfo", filepath.Join(dir, "missing"), "a=*")
	if r.code != 2 || !strings.Contains(r.stderr, "--falcon-userinfo") {
		t.Fatalf("missing userinfo: exit %d %s", r.code, r.stderr)
	}
}
