package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/output"
	"github.com/lanner-dev/lanner/source"
)

// The prefilter must be sound: with it, a query gives exactly the output it
// gives without it. This test generates queries and events built to break
// it — JSON escapes (\u0041, \/), Unicode case folding (ſ for s, K for k),
// mixed case, numbers, derived fields — and compares both runs.

var words = []string{
	"chrome.exe", "msedge.exe", "powershell.exe", "cmd.exe", "ProcessRollup2", "SyntheticProcessRollup2",
	"-enc", "-EncodedCommand", "DownloadString", "iex(", "a/b", `C:\Windows`, "Kelvin", "ss", "mshta",
	"42", "4.2e1", "", "x y", `quo"te`, "Ünïcode", "task", "desk",
}

var fields = []string{"FileName", "ParentBaseFileName", "CommandLine", "#event_simpleName", "event_simpleName", "ImageFileName", "n"}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func mangleCase(r *rand.Rand, s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case r.IntN(4) == 0:
			b.WriteString(strings.ToUpper(string(c)))
		case c == 's' && r.IntN(3) == 0:
			b.WriteRune('ſ')
		case c == 'k' && r.IntN(3) == 0:
			b.WriteRune('\u212a')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// jsonEscape writes s as a JSON string, escaping some characters that need
// no escape (\u0041, \/) the way other encoders do.
func jsonEscape(r *rand.Rand, s string) string {
	var b strings.Builder
	b.WriteByte('"')
	esc := r.IntN(5) == 0 // only some strings carry gratuitous escapes
	for _, c := range s {
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '/' && r.IntN(2) == 0:
			b.WriteString(`\/`)
		case c < 0x20 || esc && r.IntN(4) == 0 && c < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func genValue(r *rand.Rand) string {
	v := pick(r, words)
	if r.IntN(3) == 0 {
		v = pick(r, words) + pick(r, []string{" ", `\`, "", "/"}) + v
	}
	if r.IntN(2) == 0 {
		v = mangleCase(r, v)
	}
	return v
}

func genEvent(r *rand.Rand) string {
	var parts []string
	n := 1 + r.IntN(5)
	for i := 0; i < n; i++ {
		f := pick(r, fields)
		var v string
		switch r.IntN(10) {
		case 0:
			v = fmt.Sprint(r.IntN(100))
		case 1:
			v = "null"
		case 2:
			v = `{"x":` + jsonEscape(r, genValue(r)) + `}`
		default:
			v = jsonEscape(r, genValue(r))
		}
		parts = append(parts, jsonEscape(r, f)+":"+v)
	}
	if r.IntN(5) == 0 {
		parts = append(parts, `"ImageFileName":`+jsonEscape(r, `\Device\HarddiskVolume3\`+genValue(r)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func regexLit(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$/`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func genTerm(r *rand.Rand) string {
	f := pick(r, fields)
	w := pick(r, words)
	if w == "" || !utf8.ValidString(w) {
		w = "cmd"
	}
	q := func(s string) string {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
	}
	switch r.IntN(14) {
	case 0:
		return f + "=" + q(w)
	case 1:
		return f + "=" + q("*"+w+"*")
	case 2:
		return f + "=/" + regexLit(w) + "/"
	case 3:
		return f + "=/" + regexLit(w) + "/i"
	case 4:
		return f + "=/(?i)^(" + regexLit(w) + "|" + regexLit(pick(r, words)) + ")$/"
	case 5:
		return f + "!=" + q(w)
	case 6:
		return "in(" + q(f) + ", values=[" + q(w) + ", " + q(pick(r, words)+"*") + "])"
	case 7:
		return "in(" + q(f) + ", values=[" + q(w) + "], ignoreCase=true)"
	case 8:
		return q(w) // free text
	case 9:
		return "/" + regexLit(w) + "/i"
	case 10:
		return f + "=*"
	case 11:
		return f + ">" + fmt.Sprint(r.IntN(60))
	case 12:
		return "wildcard(" + q("*"+w+"*") + ", field=" + q(f) + ", ignoreCase=true)"
	default:
		return f + "=" + q(fmt.Sprint(r.IntN(50)))
	}
}

func genFilter(r *rand.Rand, depth int) string {
	if depth > 2 || r.IntN(3) == 0 {
		return genTerm(r)
	}
	switch r.IntN(4) {
	case 0:
		return genFilter(r, depth+1) + " and " + genFilter(r, depth+1)
	case 1:
		return "(" + genFilter(r, depth+1) + " or " + genFilter(r, depth+1) + ")"
	case 2:
		return "not " + genTerm(r)
	default:
		return genFilter(r, depth+1) + " " + genFilter(r, depth+1)
	}
}

// runQuery runs prog over data, cut into two batches at the newline after
// cut (the second continues the first, its lines numbered by the engine),
// and returns the rows and the counts a user sees.
func runQuery(t *testing.T, prog *engine.Program, data []byte, cut int) []string {
	t.Helper()
	batches := make(chan *engine.Batch, 2)
	first, rest := data, []byte(nil)
	if i := bytes.IndexByte(data[min(cut, len(data)):], '\n'); i >= 0 {
		first, rest = data[:cut+i+1], data[cut+i+1:]
	}
	batches <- &engine.Batch{File: "gen", Format: "ndjson", Line: 1, Data: first}
	if len(rest) > 0 {
		batches <- &engine.Batch{Seq: 1, File: "gen", Format: "ndjson", Continues: true, Data: rest}
	}
	close(batches)
	col := &engine.Collect{}
	st, err := prog.Run(context.Background(), batches, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, col)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(col.Rows))
	for i, e := range col.Rows {
		out[i] = fmt.Sprintf("%d: %s", e.Origin.Line, output.AppendRow(nil, "", false, e))
	}
	out = append(out, fmt.Sprintf("records %d, skipped %d", st.Records, st.Skipped))
	for _, p := range st.Problems {
		out = append(out, p.String())
	}
	return out
}

// oddLines are lines a prefilter must count or report like the engine
// does without one: blank, padded, not JSON, not an object.
var oddLines = []string{"", "   ", "\t", "not json", "[1,2]", `{"a":`, ` {"FileName":"cmd.exe"} `, `{"CommandLine":"x"} trailing`, "\r"}

func TestPrefilterSound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	queries, withPre, rejected := 0, 0, 0
	for i := 0; i < 1500; i++ {
		src := genFilter(r, 0)
		if r.IntN(3) == 0 {
			src += " | " + genFilter(r, 1)
		}
		q, err := cql.Parse(src)
		if err != nil {
			t.Fatalf("generated query does not parse: %v\n%s", err, src)
		}
		on, err := engine.Compile(q, engine.Options{})
		if err != nil {
			continue // e.g. a regex Go rejects
		}
		off, _ := engine.Compile(q, engine.Options{})
		off.DisablePrefilter()
		queries++
		if on.HasPrefilter() {
			withPre++
		}
		var lines []string
		for j := 0; j < 60; j++ {
			lines = append(lines, genEvent(r))
			if r.IntN(20) == 0 {
				lines = append(lines, oddLines[r.IntN(len(oddLines))])
			}
		}
		for _, l := range lines {
			if !on.Match([]byte(l)) {
				rejected++
			}
		}
		nl := "\n"
		if r.IntN(4) == 0 {
			nl = "\r\n"
		}
		data := []byte(strings.Join(lines, nl))
		if r.IntN(3) > 0 {
			data = append(data, nl...)
		}
		cut := r.IntN(len(data) + 1)
		a, b := runQuery(t, on, data, cut), runQuery(t, off, data, cut)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("prefilter changes the output of %s\nwith:    %v\nwithout: %v", src, a, b)
		}
	}
	t.Logf("%d queries (%d with a prefilter), %d records rejected on raw bytes, outputs identical", queries, withPre, rejected)
	if withPre < queries/3 || rejected == 0 {
		t.Fatalf("the generator does not exercise the prefilter (%d of %d queries, %d rejections)", withPre, queries, rejected)
	}
}

// TestPrefilterEdgeCases pins the cases the prefilter must let through.
func TestPrefilterEdgeCases(t *testing.T) {
	cases := []struct{ query, line string }{
		{`ParentBaseFileName=/(?i)^(chrome|msedge)\.exe$/`, `{"ParentBaseFileName":"mſedge.exe"}`},
		{`FileName=/(?i)kelvin/`, `{"FileName":"\u212aelvin"}`},
		{`in(f, values=[task], ignoreCase=true)`, `{"f":"taſk"}`},
		{`f=/(?i)task/`, `{"f":"TAſK"}`},
		{`#event_simpleName=ProcessRollup2`, `{"event_simpleName":"Process\u0052ollup2"}`},
		{`#event_simpleName=ProcessRollup2`, `{"#event_simpleName":"ProcessRollup2"}`},
		{`f="a/b"`, `{"f":"a\/b"}`},
		{`f=*Windows*`, `{"f":"C:\\Windows"}`},
		{`f=404`, `{"f":"404.0"}`},
		{`f=404`, `{"f":404}`},
		{`FileName=cmd.exe`, `{"ImageFileName":"\\Device\\HarddiskVolume3\\Windows\\cmd.exe"}`},
		{`"x y"`, `{"a":"x\u0020y"}`},
		{`f=/\x{FFFD}/`, "{\"f\":\"a\xffb\"}"},
	}
	for _, c := range cases {
		p, err := engine.CompileString(c.query, cql.Options{}, engine.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		off, _ := engine.CompileString(c.query, cql.Options{}, engine.Options{})
		off.DisablePrefilter()
		if got := runQuery(t, off, []byte(c.line+"\n"), 0); len(got) != 2 || !strings.HasPrefix(got[0], "1: ") {
			t.Errorf("%s must match %s (test case is wrong): %v", c.query, c.line, got)
			continue
		}
		if !p.Match([]byte(c.line)) {
			t.Errorf("prefilter of %s rejects %s, which the query accepts", c.query, c.line)
		}
	}
}

// TestPrefilterSoundTogether runs generated queries several at a time in
// one pass (each line is looked at for the programs that found a candidate
// place in it) and requires what each gives alone without a prefilter.
func TestPrefilterSoundTogether(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 300; i++ {
		n := 2 + r.IntN(4)
		var on, off []*engine.Program
		var srcs []string
		for len(on) < n {
			src := genFilter(r, 0)
			q, err := cql.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			a, err := engine.Compile(q, engine.Options{})
			if err != nil {
				continue
			}
			b, _ := engine.Compile(q, engine.Options{})
			b.DisablePrefilter()
			on, off, srcs = append(on, a), append(off, b), append(srcs, src)
		}
		var lines []string
		for j := 0; j < 80; j++ {
			lines = append(lines, genEvent(r))
			if r.IntN(20) == 0 {
				lines = append(lines, oddLines[r.IntN(len(oddLines))])
			}
		}
		data := []byte(strings.Join(lines, "\n") + "\n")
		run := func(progs []*engine.Program) []string {
			batches := make(chan *engine.Batch, 1)
			batches <- &engine.Batch{File: "gen", Format: "ndjson", Line: 1, Data: data}
			close(batches)
			cols := make([]*engine.Collect, len(progs))
			sinks := make([]engine.Sink, len(progs))
			for k := range progs {
				cols[k] = &engine.Collect{}
				sinks[k] = cols[k]
			}
			sts, err := engine.RunAll(context.Background(), progs, batches, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, sinks)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for k, c := range cols {
				for _, e := range c.Rows {
					out = append(out, fmt.Sprintf("%d %d: %s", k, e.Origin.Line, output.AppendRow(nil, "", false, e)))
				}
				out = append(out, fmt.Sprintf("%d: records %d, skipped %d", k, sts[k].Records, sts[k].Skipped))
			}
			return out
		}
		a, b := run(on), run(off)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("the prefilters change the output of %q run together\nwith:    %v\nwithout: %v", srcs, a, b)
		}
	}
}
