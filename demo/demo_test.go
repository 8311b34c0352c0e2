package demo

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goldenSHA256 pins the output bytes. Update it only when the mix is changed
// on purpose (and update the counts below with it).
const goldenSHA256 = "572aae11ee4c483fcd0f5fc728380564fb28e19a38b3ec3bb2f1da68cc04c481"

var wantCounts = map[string]int{
	"critical_ps_encoded_cradle":           18,
	"critical_cmd_encoded_cradle":          6,
	"high_encoded_powershell":              30,
	"high_download_cradle":                 28,
	"high_lolbin":                          40,
	"high_atomic4_mshta_hta":               8,
	"high_fp_onboarding_portal":            12,
	"high_fp_certutil_crl":                 14,
	"high_fp_phishsim_mshta":               4,
	"medium_script_engine":                 18,
	"medium_atomic3_wscript_vbs":           8,
	"medium_fp_phishsim_script":            20,
	"medium_default_cmd":                   24,
	"medium_default_other":                 21,
	"medium_atomic1_ps_uri_handler":        8,
	"medium_atomic2_invoice_drop":          6,
	"medium_atomic5_iso_shell_application": 6,
	"medium_fp_onboarding_clickonce":       12,
	"noise_session_explorer":               34,
	"noise_browser_launch":                 55,
	"noise_browser_to_browser":             760,
	"noise_browser_to_benign":              80,
	"noise_browser_opens_download":         6,
	"noise_iso_payload":                    6,
	"noise_explorer_shell":                 60,
	"noise_system":                         480,
	"noise_parent_bak":                     4,
	"noise_child_bak":                      4,
	"noise_child_ise":                      4,
	"noise_no_commandline":                 8,
	"noise_synthetic_pr2":                  8,
	"noise_non_windows":                    20,
	"other_file_written":                   60,
	"other_dns_request":                    460,
	"other_network_connect":                380,
	"other_user_logon":                     68,
	"other_end_of_process":                 300,
}

// ---- an independent reading of the seed query --------------------------------

var (
	reParent = regexp.MustCompile(`(?i)^(chrome|msedge|firefox|iexplore|opera|brave|vivaldi|browser)\.exe$`)
	reChild  = regexp.MustCompile(`(?i)^(powershell|pwsh|cmd|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msiexec|wmic|msbuild|csc|installutil|regasm|regsvcs|odbcconf|forfiles|pcalua)\.exe$`)
	reEnc    = regexp.MustCompile(`(?i)(-encodedcommand|-enc\s|-e\s|-ec\s)`)
	reCradle = regexp.MustCompile(`(?i)(invoke-webrequest|net\.webclient|downloadfile|downloadstring|iex\(|invoke-expression|start-bitstransfer)`)
	reScript = regexp.MustCompile(`(?i)^(wscript|cscript|mshta)\.exe$`)
	reLolbin = regexp.MustCompile(`(?i)^(rundll32|regsvr32|certutil|mshta|msbuild|installutil|regasm|regsvcs)\.exe$`)
)

func fileNameOf(ev map[string]string) string {
	if f, ok := ev["FileName"]; ok {
		return f
	}
	return baseName(ev["ImageFileName"])
}

// seedLevel returns the suspicion_level the seed query gives ev, or "" when
// the query drops it. `CommandLine != null` is read as "has a CommandLine".
func seedLevel(ev map[string]string) string {
	name, ok := ev["#event_simpleName"]
	if !ok {
		name = ev["event_simpleName"]
	}
	if name != "ProcessRollup2" || !reParent.MatchString(ev["ParentBaseFileName"]) {
		return ""
	}
	fn := fileNameOf(ev)
	cl, ok := ev["CommandLine"]
	if !reChild.MatchString(fn) || !ok {
		return ""
	}
	enc, cradle := reEnc.MatchString(cl), reCradle.MatchString(cl)
	switch {
	case enc && cradle:
		return "critical"
	case enc || cradle:
		return "high"
	case reLolbin.MatchString(fn):
		return "high"
	case reScript.MatchString(fn):
		return "medium"
	}
	return "medium"
}

// parse decodes every line, failing on anything but a flat object of strings.
func parse(t *testing.T, data []byte) []map[string]string {
	t.Helper()
	var out []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var raw map[string]any
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if dec.More() {
			t.Fatalf("line %d: trailing data", n)
		}
		ev := make(map[string]string, len(raw))
		for k, v := range raw {
			s, ok := v.(string)
			if !ok {
				t.Fatalf("line %d: field %q is %T, not a string", n, k, v)
			}
			ev[k] = s
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b := NDJSON(), NDJSON()
	if !bytes.Equal(a, b) {
		t.Fatal("two calls returned different bytes")
	}
	a[0] ^= 0xff // callers get a copy
	if c := NDJSON(); !bytes.Equal(c, b) {
		t.Fatal("mutating the result changed later results")
	}
	// A fresh generator, not the cached one, gives the same bytes too.
	if fresh := build().data; !bytes.Equal(fresh, b) {
		t.Fatal("a second build differs from the first")
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != goldenSHA256 {
		t.Errorf("output SHA-256 = %s, golden %s (update it if the change is intended)", got, goldenSHA256)
	}
}

func TestLinesAreFlatStringJSON(t *testing.T) {
	data := NDJSON()
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatal("output does not end in a newline")
	}
	evs := parse(t, data)
	if len(evs) != TotalLines {
		t.Fatalf("got %d lines, want TotalLines = %d", len(evs), TotalLines)
	}
	lo := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC).UnixMilli()
	hi := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC).UnixMilli()
	tagged := 0
	for i, ev := range evs {
		_, hasTag := ev["#event_simpleName"]
		_, hasName := ev["event_simpleName"]
		if hasTag == hasName {
			t.Fatalf("line %d: want exactly one of #event_simpleName and event_simpleName", i+1)
		}
		if hasTag {
			tagged++
		}
		ts := ev["timestamp"]
		ms, err := strconv.ParseInt(ts, 10, 64)
		if len(ts) != 13 || err != nil || ms < lo || ms >= hi {
			t.Fatalf("line %d: bad timestamp %q", i+1, ts)
		}
		for _, k := range []string{"aid", "cid", "event_platform", "id"} {
			if ev[k] == "" {
				t.Fatalf("line %d: missing %s", i+1, k)
			}
		}
		if strings.HasSuffix(ev["#event_simpleName"]+ev["event_simpleName"], "ProcessRollup2") {
			for _, k := range []string{"ImageFileName", "TargetProcessId", "ParentProcessId", "RawProcessId", "ParentBaseFileName", "SHA256HashData", "ComputerName", "UserName"} {
				if _, ok := ev[k]; !ok {
					t.Fatalf("line %d: process event without %s", i+1, k)
				}
			}
		}
	}
	if tagged < TotalLines*2/5 || tagged > TotalLines*3/5 {
		t.Errorf("%d of %d lines use #event_simpleName; want about half", tagged, TotalLines)
	}
	if !bytes.Contains(data, []byte(`\u0026`)) {
		t.Error("expected JSON-escaped '&' somewhere (cmd chains)")
	}
}

func TestCategoryCounts(t *testing.T) {
	cats := Categories()
	total, byLevel := 0, map[string]int{}
	seen := map[string]bool{}
	for _, c := range cats {
		if seen[c.Name] {
			t.Errorf("duplicate category %s", c.Name)
		}
		seen[c.Name] = true
		want, ok := wantCounts[c.Name]
		if !ok {
			t.Errorf("category %s (%d lines) not in wantCounts", c.Name, c.Lines)
		} else if c.Lines != want {
			t.Errorf("category %s: %d lines, want %d", c.Name, c.Lines, want)
		}
		if c.Lines == 0 {
			t.Errorf("category %s is empty", c.Name)
		}
		total += c.Lines
		byLevel[c.Level] += c.Lines
	}
	if len(cats) != len(wantCounts) {
		t.Errorf("%d categories, want %d", len(cats), len(wantCounts))
	}
	if total != TotalLines {
		t.Errorf("categories add up to %d, want TotalLines = %d", total, TotalLines)
	}
	if byLevel["critical"] != CriticalLines || byLevel["high"] != HighLines || byLevel["medium"] != MediumLines {
		t.Errorf("levels by category: %v; constants critical=%d high=%d medium=%d", byLevel, CriticalLines, HighLines, MediumLines)
	}
	if MatchingLines <= SeedLimit {
		t.Errorf("MatchingLines = %d must exceed the seed's limit %d", MatchingLines, SeedLimit)
	}
}

// TestSeedQuery evaluates the seed query on every line and checks it against
// the category each line was generated for.
func TestSeedQuery(t *testing.T) {
	evs := parse(t, NDJSON())
	recs := get().recs
	if len(recs) != len(evs) {
		t.Fatalf("%d records, %d lines", len(recs), len(evs))
	}
	level := map[string]string{}
	for _, c := range Categories() {
		level[c.Name] = c.Level
	}
	type hit struct {
		i     int
		ts    int64
		level string
	}
	var hits []hit
	byLevel := map[string]int{}
	coverage := map[string]map[string]bool{} // level -> lower-case parent -> seen
	children := map[string]bool{}
	mixedCase, noFileName := 0, 0
	for i, ev := range evs {
		got, want := seedLevel(ev), level[recs[i].cat]
		if got != want {
			t.Errorf("line %d (%s): seed level %q, category says %q\n%v", i+1, recs[i].cat, got, want, ev)
			continue
		}
		if got == "" {
			continue
		}
		ts, _ := strconv.ParseInt(ev["timestamp"], 10, 64)
		hits = append(hits, hit{i, ts, got})
		byLevel[got]++
		p := ev["ParentBaseFileName"]
		if p != strings.ToLower(p) {
			mixedCase++
		}
		if coverage[got] == nil {
			coverage[got] = map[string]bool{}
		}
		coverage[got][strings.ToLower(p)] = true
		children[strings.ToLower(fileNameOf(ev))] = true
		if _, ok := ev["FileName"]; !ok {
			noFileName++
		}
	}
	if len(hits) != MatchingLines || byLevel["critical"] != CriticalLines || byLevel["high"] != HighLines || byLevel["medium"] != MediumLines {
		t.Fatalf("seed query matches %d (%v), want %d (critical %d, high %d, medium %d)",
			len(hits), byLevel, MatchingLines, CriticalLines, HighLines, MediumLines)
	}
	for _, lv := range []string{"critical", "high", "medium"} {
		for _, b := range browserDefs {
			if !coverage[lv][b.key+".exe"] {
				t.Errorf("no %s hit with parent %s.exe", lv, b.key)
			}
		}
	}
	for _, c := range strings.Split("powershell|pwsh|cmd|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msiexec|wmic|msbuild|csc|installutil|regasm|regsvcs|odbcconf|forfiles|pcalua", "|") {
		if !children[c+".exe"] {
			t.Errorf("no hit with child %s.exe", c)
		}
	}
	if mixedCase < 20 {
		t.Errorf("only %d hits with a mixed-case parent name", mixedCase)
	}
	if !bytes.Contains(NDJSON(), []byte(`"ParentBaseFileName":"MSEDGE.EXE"`)) {
		t.Error("no MSEDGE.EXE parent")
	}
	if noFileName < 10 {
		t.Errorf("only %d hits lack FileName", noFileName)
	}

	// sort(field=timestamp, order=desc) | limit 200
	slices.SortStableFunc(hits, func(a, b hit) int {
		switch {
		case a.ts > b.ts:
			return -1
		case a.ts < b.ts:
			return 1
		}
		return 0
	})
	if hits[SeedLimit-1].ts == hits[SeedLimit].ts {
		t.Errorf("hits %d and %d share timestamp %d: the limit's cut is ambiguous", SeedLimit, SeedLimit+1, hits[SeedLimit].ts)
	}
	tiesTop, tiesAll := 0, 0
	for i := 1; i < len(hits); i++ {
		if hits[i].ts == hits[i-1].ts {
			tiesAll++
			if i < SeedLimit {
				tiesTop++
			}
		}
	}
	if tiesTop < 3 || tiesAll < 10 {
		t.Errorf("ties among hits: %d in the top %d, %d overall; want some", tiesTop, SeedLimit, tiesAll)
	}
	top := map[string]int{}
	for _, h := range hits[:SeedLimit] {
		top[h.level]++
	}
	t.Logf("seed query: %d matches (%v); top %d: %v; ties %d (top %d); cut between %d and %d",
		len(hits), byLevel, SeedLimit, top, tiesAll, tiesTop, hits[SeedLimit-1].ts, hits[SeedLimit].ts)
}

// TestNearMisses checks that the noise classes are what their names say.
func TestNearMisses(t *testing.T) {
	evs := parse(t, NDJSON())
	recs := get().recs
	seen := map[string]bool{}
	for i, ev := range evs {
		name := ev["#event_simpleName"] + ev["event_simpleName"]
		pb, fn := ev["ParentBaseFileName"], fileNameOf(ev)
		_, hasCmd := ev["CommandLine"]
		check := func(ok bool, what string) {
			if !ok {
				t.Errorf("line %d (%s): %s\n%v", i+1, recs[i].cat, what, ev)
			}
			seen[recs[i].cat] = true
		}
		switch recs[i].cat {
		case "noise_browser_to_browser":
			check(reParent.MatchString(pb) && strings.EqualFold(fn, pb), "not browser -> same browser")
		case "noise_parent_bak":
			check(pb == "chrome.exe.bak" && reChild.MatchString(fn), "not chrome.exe.bak -> listed child")
		case "noise_child_bak":
			check(reParent.MatchString(pb) && fn == "powershell.exe.bak", "not browser -> powershell.exe.bak")
		case "noise_child_ise":
			check(reParent.MatchString(pb) && fn == "powershell_ise.exe", "not browser -> powershell_ise.exe")
		case "noise_no_commandline":
			check(name == "ProcessRollup2" && reParent.MatchString(pb) && reChild.MatchString(fn) && !hasCmd, "not a command-line-less match")
		case "noise_synthetic_pr2":
			check(name == "SyntheticProcessRollup2" && reParent.MatchString(pb) && reChild.MatchString(fn) && hasCmd, "not a synthetic match")
		case "noise_explorer_shell":
			check(pb == "explorer.exe" && reChild.MatchString(fn), "not explorer -> listed child")
		case "noise_browser_opens_download":
			check(reParent.MatchString(pb) && fn == "Invoice_March2026.exe", "not browser -> Invoice_March2026.exe")
		}
	}
	for _, c := range []string{"noise_browser_to_browser", "noise_parent_bak", "noise_child_bak", "noise_child_ise", "noise_no_commandline", "noise_synthetic_pr2", "noise_explorer_shell", "noise_browser_opens_download"} {
		if !seen[c] {
			t.Errorf("no line of %s", c)
		}
	}
	kinds := map[string]bool{}
	for _, ev := range evs {
		kinds[ev["#event_simpleName"]+ev["event_simpleName"]] = true
	}
	for _, k := range []string{"ProcessRollup2", "SyntheticProcessRollup2", "NetworkConnectIP4", "DnsRequest", "NewExecutableWritten", "NewScriptWritten", "GenericFileWritten", "UserLogon", "EndOfProcess"} {
		if !kinds[k] {
			t.Errorf("no %s event", k)
		}
	}
	// the atomic-test artefacts are present
	data := NDJSON()
	for _, s := range []string{`malicious-link-test.txt`, `Downloads\\Invoice_March2026.exe`, `link_payload.vbs`, `link_test.hta`, `E:\\payload.exe`, `Shell.Application`, `-ExecutionPolicy Bypass -WindowStyle Hidden`} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("no %q in the data", s)
		}
	}
}

func TestDescription(t *testing.T) {
	d := Description()
	if strings.Contains(d, "\n") || !strings.Contains(d, strconv.Itoa(MatchingLines)) {
		t.Errorf("description should be one paragraph mentioning %d: %q", MatchingLines, d)
	}
}
