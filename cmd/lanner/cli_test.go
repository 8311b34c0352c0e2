package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/lanner-dev/lanner/internal/gen"
)

// The CLI tests build the real binary once and run it as a user would.

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lanner-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "lanner")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = "../.." // the module root, so rules/ paths resolve
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

func rows(t *testing.T, ndjson string) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		if l == "" {
			continue
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line is not a JSON object of strings: %v\n%s", err, l)
		}
		out = append(out, m)
	}
	return out
}

const seedQuery = "rules/T1204.001/query.cql"
const seedCases = "cmd/lanner/testdata/seed-cases.ndjson"

// seedWant is the seed query's result over testdata/seed-cases.ndjson,
// derived by hand from the query text: ComputerName names each case; the
// flags are is_encoded_ps, is_download_cradle, is_script_engine, is_lolbin.
// Rows come newest first; the two rows with the same timestamp keep input
// order. Every case not listed (the drop-* events) must not appear.
var seedWant = []struct{ host, level, flags string }{
	{"tie-first", "medium", "ffff"},
	{"tie-second", "medium", "ffff"},
	{"medium-escaped-tag", "medium", "fftf"},      // Process\u0052ollup2 is ProcessRollup2
	{"high-numbers-escapes", "high", "ftff"},      // JSON numbers; \u0070owershell.exe
	{"high-long-s", "high", "ffft"},               // mſedge.exe: (?i) folds ſ to s
	{"crit-filename-derived", "critical", "ttff"}, // FileName from ImageFileName
	{"high-tag-plain", "high", "ffft"},            // event_simpleName without '#'
	{"medium-empty-cmdline", "medium", "ffff"},    // an empty CommandLine is present
	{"medium-execpolicy", "medium", "ffff"},       // -ExecutionPolicy is not -e\s
	{"medium-default", "medium", "ffff"},
	{"medium-script", "medium", "fftf"},
	{"high-lolbin", "high", "fftt"}, // mshta: the LOLBin branch wins over script engine
	{"high-cradle", "high", "ftff"},
	{"high-enc", "high", "tfff"},
	{"crit-enc-cradle", "critical", "ttff"},
}

func flagsOf(r map[string]string) string {
	b := ""
	for _, k := range []string{"is_encoded_ps", "is_download_cradle", "is_script_engine", "is_lolbin"} {
		b += r[k][:1]
	}
	return b
}

func checkSeedRows(t *testing.T, got []map[string]string) {
	t.Helper()
	if len(got) != len(seedWant) {
		var hosts []string
		for _, r := range got {
			hosts = append(hosts, r["ComputerName"])
		}
		t.Fatalf("got %d rows, want %d: %v", len(got), len(seedWant), hosts)
	}
	for i, w := range seedWant {
		r := got[i]
		if r["ComputerName"] != w.host || r["suspicion_level"] != w.level || flagsOf(r) != w.flags {
			t.Errorf("row %d: got %s %s %s, want %s %s %s", i+1, r["ComputerName"], r["suspicion_level"], flagsOf(r), w.host, w.level, w.flags)
		}
	}
}

func TestSeedQueryGolden(t *testing.T) {
	for _, extra := range [][]string{nil, {"--no-prefilter"}, {"--workers", "1"}} {
		args := append([]string{"query", "--format", "ndjson", "-f", seedQuery, seedCases}, extra...)
		r := run(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, r.code, r.stderr)
		}
		checkSeedRows(t, rows(t, r.stdout))
		// The two bad records are skipped, counted and reported with file:line.
		for _, want := range []string{"seed-cases.ndjson:25: not JSON", "seed-cases.ndjson:26: not a JSON object", "2 skipped"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", extra, want, r.stderr)
			}
		}
	}
}

func TestSeedOutputColumns(t *testing.T) {
	r := run(t, nil, "query", "--format", "ndjson", "-f", seedQuery, seedCases)
	first := strings.SplitN(r.stdout, "\n", 2)[0]
	want := `{"timestamp":"1700000000200","ComputerName":"tie-first","UserName":"alice","ParentBaseFileName":"chrome.exe","FileName":"cmd.exe","CommandLine":"cmd /c echo 1","is_encoded_ps":"false","is_download_cradle":"false","is_script_engine":"false","is_lolbin":"false","suspicion_level":"medium"}`
	if first != want {
		t.Fatalf("first row:\n got %s\nwant %s", first, want)
	}
	// csv: a header of the 12 projected fields
	r = run(t, nil, "query", "--format", "csv", "-f", seedQuery, seedCases)
	hdr := strings.SplitN(r.stdout, "\n", 2)[0]
	if hdr != "timestamp,ComputerName,UserName,ParentBaseFileName,ParentCommandLine,FileName,CommandLine,is_encoded_ps,is_download_cradle,is_script_engine,is_lolbin,suspicion_level" {
		t.Fatalf("csv header: %s", hdr)
	}
	// json: one array
	r = run(t, nil, "query", "--format", "json", "-f", seedQuery, seedCases)
	var arr []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &arr); err != nil || len(arr) != len(seedWant) {
		t.Fatalf("json: %v, %d rows", err, len(arr))
	}
}

func TestCompressedAndStdin(t *testing.T) {
	raw, err := os.ReadFile("testdata/seed-cases.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	var zs bytes.Buffer
	ze, _ := zstd.NewWriter(&zs)
	ze.Write(raw)
	ze.Close()
	gzPath := filepath.Join(dir, "events.log") // any name: content decides
	zsPath := filepath.Join(dir, "events.data")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	os.WriteFile(zsPath, zs.Bytes(), 0o644)
	for _, p := range []string{gzPath, zsPath} {
		r := run(t, nil, "query", "--format", "ndjson", "-f", seedQuery, p)
		if r.code != 0 {
			t.Fatalf("%s: exit %d %s", p, r.code, r.stderr)
		}
		checkSeedRows(t, rows(t, r.stdout))
	}
	r := run(t, raw, "query", "--format", "ndjson", "-f", seedQuery, "-")
	checkSeedRows(t, rows(t, r.stdout))
	r = run(t, gz.Bytes(), "query", "--format", "ndjson", "-f", seedQuery)
	checkSeedRows(t, rows(t, r.stdout))

	// A truncated gzip keeps the rows before the damage, names the file and exits 2.
	big := bytes.Repeat(raw, 400)
	var gz2 bytes.Buffer
	zw = gzip.NewWriter(&gz2)
	zw.Write(big)
	zw.Close()
	cut := filepath.Join(dir, "cut.gz")
	os.WriteFile(cut, gz2.Bytes()[:gz2.Len()/2], 0o644)
	r = run(t, nil, "query", "--format", "ndjson", "FileName=cmd.exe", cut)
	if r.code != 2 || !strings.Contains(r.stderr, "cut.gz") {
		t.Fatalf("truncated gzip: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := len(rows(t, r.stdout)); n == 0 {
		t.Fatalf("truncated gzip: no rows kept before the damage")
	}
}

func TestDirectoryOrder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	os.MkdirAll(filepath.Join(dir, "a", "z"), 0o755)
	os.WriteFile(filepath.Join(dir, "b", "1.json"), []byte(`{"n":"4"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a", "z", "9.txt"), []byte(`{"n":"2"}`+"\n"+`{"n":"3"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "a", "0.ndjson"), []byte(`{"n":"1"}`+"\n"), 0o644)
	r := run(t, nil, "query", "--format", "ndjson", "n=*", dir)
	var got []string
	for _, row := range rows(t, r.stdout) {
		got = append(got, row["n"])
	}
	if strings.Join(got, ",") != "1,2,3,4" {
		t.Fatalf("directory order: got %v, want 1,2,3,4 (lexical paths, file order)", got)
	}
	if !strings.Contains(r.stderr, "3 files, 4 records") {
		t.Fatalf("summary: %s", r.stderr)
	}
	// A file that is not telemetry (a README) is skipped whole, reported once.
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# notes\nsome text\nmore text\n"), 0o644)
	r = run(t, nil, "query", "--format", "ndjson", "n=*", dir)
	if len(rows(t, r.stdout)) != 4 || !strings.Contains(r.stderr, "README.md: not telemetry") || !strings.Contains(r.stderr, "1 skipped") || r.code != 0 {
		t.Fatalf("README in the folder: exit %d\n%s", r.code, r.stderr)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(p, []byte("{\"a\":\"x\xffy\"}\n{oops\n{\"a\":\"z\"}\n"), 0o644)
	r := run(t, nil, "query", "--format", "ndjson", "a=*", p)
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	got := rows(t, r.stdout)
	if len(got) != 2 || got[0]["a"] != "x\ufffdy" {
		t.Fatalf("invalid UTF-8 must be kept as U+FFFD: %v", got)
	}
	for _, want := range []string{"bad.ndjson:2: not JSON", "1 skipped", "1 values with invalid UTF-8 kept"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	r = run(t, nil, "query", "--format", "ndjson", "--strict-input", "a=*", p)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.ndjson:2") {
		t.Fatalf("--strict-input: exit %d, %s", r.code, r.stderr)
	}
	r = run(t, nil, "query", "a=*", filepath.Join(dir, "missing"))
	if r.code != 2 {
		t.Fatalf("unreadable path: exit %d", r.code)
	}
}

func TestQueryErrors(t *testing.T) {
	r := run(t, []byte("{}"), "query", "a=1 | b := (1 + ")
	if r.code != 2 || !strings.Contains(r.stderr, "query:1:17: expected an expression, found end of query") || !strings.Contains(r.stderr, "^") {
		t.Fatalf("parse error: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, []byte("{}"), "query", "a=1 | ipLocation(ip)")
	if r.code != 2 || !strings.Contains(r.stderr, "ipLocation") {
		t.Fatalf("unsupported: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, []byte("{}"), "query", "--strict", "eval x := 1")
	if r.code != 2 || !strings.Contains(r.stderr, "is not LogScale") {
		t.Fatalf("--strict: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, nil, "query", "--format", "xml", "a=1")
	if r.code != 2 {
		t.Fatalf("bad --format: exit %d", r.code)
	}
	// A parameter without a value is an error naming --param; --param fills it.
	r = run(t, []byte(`{"aid":"x1"}`), "query", "--format", "ndjson", "aid=?AID")
	if r.code != 2 || !strings.Contains(r.stderr, "parameter ?AID has no value; give it with --param AID=VALUE") {
		t.Fatalf("missing parameter: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, []byte(`{"aid":"x1"}`+"\n"+`{"aid":"x2"}`), "query", "--format", "ndjson", "--param", "AID=x2", "aid=?AID")
	if r.code != 0 || strings.TrimSpace(r.stdout) != `{"aid":"x2"}` {
		t.Fatalf("--param: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
}

func TestDetectDemo(t *testing.T) {
	r := run(t, nil, "detect", "--demo", "--format", "table")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, col := range []string{"timestamp", "ComputerName", "UserName", "ParentBaseFileName", "ParentCommandLine", "FileName", "CommandLine", "is_encoded_ps", "is_download_cradle", "is_script_engine", "is_lolbin", "suspicion_level"} {
		if !strings.Contains(r.stdout, col) {
			t.Errorf("table lacks column %s", col)
		}
	}
	if !strings.Contains(r.stderr, "283 events matched, 200 shown, 83 left out") || !strings.Contains(r.stderr, "demo") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	r = run(t, nil, "detect", "--demo", "--rule", "T1204.001", "--all", "--format", "ndjson")
	got := rows(t, r.stdout)
	if len(got) != 283 {
		t.Fatalf("--all: %d rows, want 283", len(got))
	}
	if got[0]["rule"] != "T1204.001" {
		t.Fatalf("ndjson rows start with rule: %v", got[0])
	}
	r = run(t, nil, "detect", "--demo", "--fail-on-alert", "--format", "ndjson")
	if r.code != 1 {
		t.Fatalf("--fail-on-alert: exit %d, want 1", r.code)
	}
	r = run(t, []byte(`{"a":"b"}`+"\n"), "detect", "--fail-on-alert", "-")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("no alerts: exit %d, %q", r.code, r.stdout)
	}
	r = run(t, nil, "--version")
	if !strings.HasPrefix(r.stdout, "lanner ") {
		t.Fatalf("--version: %q", r.stdout)
	}
}

// Files of 4 MB and more are memory-mapped; the rows, the line numbers of
// bad records and the counts must be those of reading with read().
func TestMappedReading(t *testing.T) {
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, 12<<20, 7); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// plant bad records at known places, one of them at the very end
	lines := bytes.SplitAfter(data, []byte{'\n'})
	lines[1000] = []byte("garbage line\n")
	lines[5001] = []byte("{\"truncated\": \n")
	data = append(bytes.Join(lines, nil), []byte(`{"last":"no newline"`)...)
	p := filepath.Join(t.TempDir(), "big.ndjson")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a := run(t, nil, "query", "--format", "ndjson", "-f", seedQuery, p)
	b := run(t, nil, "query", "--format", "ndjson", "--no-mmap", "-f", seedQuery, p)
	if a.code != 0 || b.code != 0 {
		t.Fatalf("exit %d / %d: %s %s", a.code, b.code, a.stderr, b.stderr)
	}
	if a.stdout != b.stdout || len(rows(t, a.stdout)) == 0 {
		t.Fatalf("mapped and read() runs differ (%d vs %d bytes)", len(a.stdout), len(b.stdout))
	}
	strip := func(s string) string { // drop the elapsed time
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if i := strings.LastIndex(l, ", "); i > 0 && strings.HasSuffix(l, "s") && strings.Contains(l, "records") {
				l = l[:i]
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	if strip(a.stderr) != strip(b.stderr) {
		t.Fatalf("stderr differs:\nmapped: %s\nread:   %s", a.stderr, b.stderr)
	}
	for _, want := range []string{"big.ndjson:1001: not JSON", "big.ndjson:5002: not JSON", "3 skipped"} {
		if !strings.Contains(a.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, a.stderr)
		}
	}
	// Mapped batches after the first leave line counting to the engine: each
	// alert's origin must name the line that holds its event.
	for _, mode := range []string{"--no-mmap", "--mmap"} {
		args := []string{"detect", "--all", "--format", "ocsf", p}
		if mode == "--no-mmap" {
			args = append(args[:1], append([]string{mode}, args[1:]...)...)
		}
		r := run(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, r.code, r.stderr)
		}
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var row map[string]any
			if err := json.Unmarshal([]byte(l), &row); err != nil {
				t.Fatalf("%s: %v: %s", mode, err, l)
			}
			um, _ := row["unmapped"].(map[string]any)
			origin, _ := um["origin"].(map[string]any)
			ev, _ := um["event"].(map[string]any)
			line, _ := origin["line"].(float64)
			if line < 1 || int(line) > len(lines) {
				t.Fatalf("%s: origin line %v", mode, origin["line"])
			}
			raw := lines[int(line)-1]
			if id, _ := ev["id"].(string); id == "" || !bytes.Contains(raw, []byte(`"id":"`+id+`"`)) {
				t.Fatalf("%s: line %d does not hold the alert's event %v:\n%s", mode, int(line), ev["id"], raw)
			}
			n++
		}
		if n < 100 {
			t.Fatalf("%s: only %d alerts", mode, n)
		}
	}
}
