package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func generate(t *testing.T, size int64, seed uint64, workers int) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Generate(&buf, size, seed, workers)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func TestDeterministic(t *testing.T) {
	a, sa := generate(t, 3<<20, 7, 1)
	b, sb := generate(t, 3<<20, 7, 4)
	if !bytes.Equal(a, b) || sa != sb {
		t.Fatalf("same seed, different output: %x vs %x", sha256.Sum256(a), sha256.Sum256(b))
	}
	c, _ := generate(t, 3<<20, 8, 0)
	if bytes.Equal(a[:1<<20], c[:1<<20]) {
		t.Fatal("different seeds, same output")
	}
	// a smaller size gives a prefix, and stops after the line that reaches the size
	p, sp := generate(t, 1<<20+12345, 7, 2)
	if !bytes.HasPrefix(a, p) {
		t.Fatal("smaller output is not a prefix of the larger one")
	}
	if sp.Bytes != int64(len(p)) || sp.Bytes < 1<<20+12345 || sp.Bytes-int64(bytes.LastIndexByte(p[:len(p)-1], '\n')+1) > sp.Bytes-(1<<20+12345)+4096 {
		t.Fatalf("size %d for 1MiB+12345", sp.Bytes)
	}
	if int64(bytes.Count(p, []byte{'\n'})) != sp.Events {
		t.Fatalf("%d lines, Stats says %d", bytes.Count(p, []byte{'\n'}), sp.Events)
	}
	var n int64
	if n, _ = Write(&bytes.Buffer{}, 1, 7); n != 1 {
		t.Fatalf("size 1 wrote %d events", n)
	}
}

// The seed query (shared/acceptance/seed.cql) evaluated independently of the generator, with
// the normalisation the engine applies.
var (
	reParent = regexp.MustCompile(`(?i)^(chrome|msedge|firefox|iexplore|opera|brave|vivaldi|browser)\.exe$`)
	reChild  = regexp.MustCompile(`(?i)^(powershell|pwsh|cmd|wscript|cscript|mshta|rundll32|regsvr32|certutil|bitsadmin|msiexec|wmic|msbuild|csc|installutil|regasm|regsvcs|odbcconf|forfiles|pcalua)\.exe$`)
	reEnc    = regexp.MustCompile(`(?i)(-encodedcommand|-enc\s|-e\s|-ec\s)`)
	reCradle = regexp.MustCompile(`(?i)(invoke-webrequest|net\.webclient|downloadfile|downloadstring|iex\(|invoke-expression|start-bitstransfer)`)
	reScript = regexp.MustCompile(`(?i)^(wscript|cscript|mshta)\.exe$`)
	reLolbin = regexp.MustCompile(`(?i)^(rundll32|regsvr32|certutil|mshta|msbuild|installutil|regasm|regsvcs)\.exe$`)
)

func TestValidJSONAndSeedMatches(t *testing.T) {
	data, st := generate(t, 12<<20, 1, 0)
	lines := bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'})
	if int64(len(lines)) != st.Events || data[len(data)-1] != '\n' {
		t.Fatalf("%d lines, Stats says %d", len(lines), st.Events)
	}
	var pr2, matches, noFileName, escaped, nonASCIIUser, fields int64
	levels := map[string]int{}
	stamps := map[string]bool{}
	types := map[string]int{}
	for i, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal(l, &ev); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		fields += int64(len(ev))
		get := func(k string) (string, bool) {
			v, ok := ev[k]
			if !ok {
				return "", false
			}
			s, isStr := v.(string)
			if !isStr {
				t.Fatalf("line %d: %s is %T, not a string", i+1, k, v)
			}
			return s, true
		}
		ts, _ := get("timestamp")
		if len(ts) != 13 || stamps[ts] {
			t.Fatalf("line %d: timestamp %q not 13 digits or not unique", i+1, ts)
		}
		stamps[ts] = true
		tag, ok := get("#event_simpleName")
		if !ok {
			tag, _ = get("event_simpleName")
		}
		types[tag]++
		if tag != "ProcessRollup2" {
			continue
		}
		pr2++
		parent, _ := get("ParentBaseFileName")
		fn, hasFN := get("FileName")
		if !hasFN {
			if img, ok := get("ImageFileName"); ok {
				fn = img[strings.LastIndexAny(img, `\/`)+1:]
			}
		}
		cmd, hasCmd := get("CommandLine")
		if !reParent.MatchString(parent) || !reChild.MatchString(fn) || !hasCmd {
			continue
		}
		matches++
		if !hasFN {
			noFileName++
		}
		if bytes.Contains(l, []byte(`\u`)) {
			escaped++
		}
		if u, ok := get("UserName"); ok && strings.IndexFunc(u, func(r rune) bool { return r >= 0x80 }) >= 0 {
			nonASCIIUser++
		}
		enc, cr := reEnc.MatchString(cmd), reCradle.MatchString(cmd)
		switch {
		case enc && cr:
			levels["critical"]++
		case enc || cr || reLolbin.MatchString(fn):
			levels["high"]++
		case reScript.MatchString(fn):
			levels["medium (script)"]++
		default:
			levels["medium"]++
		}
	}
	if pr2 != st.ProcessRollup2 || matches != st.SeedMatches {
		t.Fatalf("found %d ProcessRollup2 and %d matches; Stats says %d and %d", pr2, matches, st.ProcessRollup2, st.SeedMatches)
	}
	share := float64(matches) / float64(st.Events)
	t.Logf("%d events (%.0f B, %.1f fields each), %d ProcessRollup2, %d matches (%.2f%%): %d without FileName, %d with \\u escapes, %d non-ASCII UserName; levels %v; types %v",
		st.Events, float64(st.Bytes)/float64(st.Events), float64(fields)/float64(st.Events), pr2, matches, 100*share, noFileName, escaped, nonASCIIUser, levels, types)
	if share < 0.001 || share > 0.005 {
		t.Errorf("matches are %.3f%% of events, want 0.1–0.5%%", 100*share)
	}
	if f := float64(pr2) / float64(st.Events); f < 0.28 || f > 0.4 {
		t.Errorf("ProcessRollup2 is %.2f of events, want about a third", f)
	}
	if avg := float64(fields) / float64(st.Events); avg < 25 || avg > 45 {
		t.Errorf("%.1f fields per event", avg)
	}
	if noFileName == 0 || escaped == 0 || nonASCIIUser == 0 || levels["critical"] == 0 || levels["high"] == 0 || levels["medium"] == 0 || levels["medium (script)"] == 0 {
		t.Errorf("an edge case is missing among the matches")
	}
	if len(types) < 10 {
		t.Errorf("only %d event types", len(types))
	}
}

func TestTimestamp(t *testing.T) {
	seen := map[uint64]bool{}
	for i := int64(0); i < 64*50; i++ {
		ts := timestamp(i, uint64(i)*2654435761)
		if seen[ts] {
			t.Fatalf("timestamp %d repeats", ts)
		}
		seen[ts] = true
		if len(strconv.FormatUint(ts, 10)) != 13 {
			t.Fatal(ts)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	var n int64
	for b.Loop() {
		st, err := Generate(discard{}, 64<<20, 1, 0)
		if err != nil {
			b.Fatal(err)
		}
		n = st.Bytes
	}
	b.SetBytes(n)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
