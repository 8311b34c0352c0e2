package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/detect"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/gen"
	"github.com/lanner-dev/lanner/internal/sharedtest"
	"github.com/lanner-dev/lanner/sigma"
	"github.com/lanner-dev/lanner/simulate"
	"github.com/lanner-dev/lanner/source"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func seedRule(t testing.TB) (*detect.Rule, *detect.Pack) {
	t.Helper()
	packs, err := detect.BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packs {
		if r := p.Rule("T1204.001"); r != nil {
			return r, p
		}
	}
	t.Fatal("no built-in rule T1204.001")
	return nil, nil
}

func seedMeta(r *detect.Rule) Meta {
	m := Meta{ID: r.ID, Title: r.Title, Description: strings.TrimSpace(r.Description), Status: r.Status,
		Level: r.Severity, References: r.References, FalsePositives: r.FalsePositives}
	m.Tags = []string{"attack." + detect.TacticSlug(r.Attack.TacticName()), "attack." + strings.ToLower(r.Attack.Most())}
	return m
}

func seedQuery(t testing.TB) *cql.Query {
	r, _ := seedRule(t)
	q, err := cql.Parse(r.Query)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestGolden pins each target's translation of the seed rule.
func TestGolden(t *testing.T) {
	r, _ := seedRule(t)
	q := seedQuery(t)
	cases := []struct{ file, target, variant string }{
		{"T1204.001.cql", "logscale", ""},
		{"T1204.001.sigma.yml", "sigma", ""},
		{"T1204.001.spl", "spl", ""},
		{"T1204.001.kql", "kql", "defender"},
		{"T1204.001.sentinel-security.kql", "kql", "sentinel-security"},
		{"T1204.001.sentinel-sysmon.kql", "kql", "sentinel-sysmon"},
		{"T1204.001.esql", "esql", ""},
		{"T1204.001.eql", "eql", ""},
	}
	for _, c := range cases {
		got, err := Translate(q, c.target, seedMeta(r), Options{Variant: c.variant})
		if err != nil {
			t.Fatalf("%s: %v", c.target, err)
		}
		path := filepath.Join("testdata", c.file)
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./translate -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s (%s) differs from %s:\n%s", c.target, c.variant, path, got)
		}
	}
}

// TestLogscaleRoundTrip: the canonical CQL parses back to itself.
func TestLogscaleRoundTrip(t *testing.T) {
	q := seedQuery(t)
	out, err := Translate(q, "logscale", Meta{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q2, err := cql.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if q2.String()+"\n" != out {
		t.Errorf("round trip differs:\n%s\n%s", out, q2.String())
	}
}

// TestSigmaExportSchema: the exported rule is valid against the Sigma
// JSON schema.
func TestSigmaExportSchema(t *testing.T) {
	schemaPath := sharedtest.Path(t, "data", "sigma-specification", "json-schema", "sigma-detection-rule-schema.json")
	r, _ := seedRule(t)
	out, err := Translate(seedQuery(t), "sigma", seedMeta(r), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("exported Sigma rule is not valid:\n%v\n%s", err, out)
	}
	// the validator does reject: no title, a bad level
	bad := map[string]any{}
	for k, v := range inst.(map[string]any) {
		bad[k] = v
	}
	delete(bad, "title")
	bad["level"] = "severe"
	if err := sch.Validate(bad); err == nil {
		t.Error("the schema accepted a rule without a title and with level severe")
	}
}

// readAll reads records with lanner's sources into events.
func readAll(t testing.TB, name string, data []byte) []*event.Event {
	t.Helper()
	rd := source.NewReader(source.Options{})
	ch := make(chan *engine.Batch, 4)
	go rd.Run(context.Background(), []source.Input{{Path: name, Reader: bytes.NewReader(data), Size: int64(len(data))}}, ch)
	dec := source.NewNDJSONDecoder()
	var out []*event.Event
	for b := range ch {
		out = append(out, b.Events...)
		line := b.Line
		for _, rec := range bytes.Split(b.Data, []byte("\n")) {
			line++
			if len(bytes.TrimSpace(rec)) == 0 {
				continue
			}
			e := &event.Event{}
			if err := dec.Decode(rec, e); err != nil {
				continue
			}
			dec.Keep()
			e.Origin.File, e.Origin.Line = name, line-1
			out = append(out, e)
		}
		if b.Release != nil {
			b.Release()
		}
	}
	if len(rd.Errors) > 0 {
		t.Fatal(rd.Errors[0])
	}
	return out
}

// matches runs a program over the events (each cloned) and says which
// passed.
func matches(t testing.TB, p *engine.Program, evs []*event.Event) []bool {
	t.Helper()
	clones := make([]*event.Event, len(evs))
	idx := map[*event.Event]int{}
	for i, e := range evs {
		clones[i] = e.Clone()
		idx[clones[i]] = i
	}
	ch := make(chan *engine.Batch, 1)
	ch <- &engine.Batch{Events: clones, Records: int64(len(clones)), Format: "event"}
	close(ch)
	hit := make([]bool, len(evs))
	if _, err := p.Run(context.Background(), ch, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, engine.SinkFunc(func(e *event.Event) {
		if i, ok := idx[e]; ok {
			hit[i] = true
		}
	})); err != nil {
		t.Fatal(err)
	}
	return hit
}

// TestSigmaExportSameDetections: the exported Sigma rule, read back by
// lanner's Sigma front-end, fires on exactly the events the CQL rule's
// alerting part fires on (every match, not only the newest 200), on the
// demo telemetry, every atomic simulation in every source, and generated
// Falcon telemetry.
func TestSigmaExportSameDetections(t *testing.T) {
	r, pack := seedRule(t)
	q := seedQuery(t)
	exported, err := Translate(q, "sigma", seedMeta(r), Options{})
	if err != nil {
		t.Fatal(err)
	}
	set := sigma.LoadBytes([]byte(exported), "exported.yml", sigma.Options{})
	if len(set.Rules) != 1 {
		t.Fatalf("exported rule does not load: %v", set.Skipped)
	}
	sc := set.Rules[0]
	sigProg, err := engine.Compile(sc.Query, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sigma.NewRuleset(set.Rules)
	if err != nil {
		t.Fatal(err)
	}
	m := rs.NewMatcher()
	alerting := &cql.Query{Stages: q.Stages[:detect.SplitPoint(q.Stages)]}
	cqlProg, err := engine.Compile(alerting, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}

	type dataset struct {
		name string
		data []byte
	}
	sets := []dataset{{"demo", demo.NDJSON()}}
	var scen []*simulate.Scenario
	for _, a := range pack.Atomic {
		s := a.Scenario
		scen = append(scen, &s)
	}
	for _, src := range simulate.Sources {
		for _, seed := range []uint64{1, 2} {
			out, err := simulate.Render(scen, src, seed)
			if err != nil {
				t.Fatal(err)
			}
			sets = append(sets, dataset{"simulate-" + src + "-" + string(rune('0'+seed)), out.Data})
		}
	}
	var g bytes.Buffer
	if _, err := gen.Write(&g, 6<<20, 3); err != nil {
		t.Fatal(err)
	}
	sets = append(sets, dataset{"generated", g.Bytes()})

	total := 0
	for _, ds := range sets {
		evs := readAll(t, ds.name, ds.data)
		want := matches(t, cqlProg, evs)
		got := matches(t, sigProg, evs)
		n := 0
		for i, e := range evs {
			rsHit := len(m.Match(e)) > 0
			if want[i] {
				n++
			}
			if got[i] != want[i] || rsHit != want[i] {
				t.Errorf("%s: event %d (%s:%d): CQL %v, Sigma on the engine %v, Sigma ruleset %v\n%s", ds.name, i, e.Origin.File, e.Origin.Line, want[i], got[i], rsHit, fields(e))
			}
		}
		total += n
		t.Logf("%s: %d events, %d matches", ds.name, len(evs), n)
	}
	if total == 0 {
		t.Fatal("no event matched at all")
	}
}

func fields(e *event.Event) string {
	var parts []string
	for i, k := range e.Keys {
		parts = append(parts, k+"="+e.Vals[i])
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestLogscaleStrict: the canonical CQL parses under --strict (LogScale's
// own language) and gives the same rows as the seed's dialect query, on
// the demo and on generated telemetry.
func TestLogscaleStrict(t *testing.T) {
	r, _ := seedRule(t)
	out, err := Translate(seedQuery(t), "logscale", Meta{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	strict, err := engine.CompileString(out, cql.Options{Strict: true}, engine.Options{LiftLimits: true})
	if err != nil {
		t.Fatalf("canonical CQL is refused under --strict: %v\n%s", err, out)
	}
	orig, err := engine.CompileString(r.Query, cql.Options{}, engine.Options{LiftLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	var g bytes.Buffer
	if _, err := gen.Write(&g, 2<<20, 9); err != nil {
		t.Fatal(err)
	}
	for _, ds := range []struct {
		name string
		data []byte
	}{{"demo", demo.NDJSON()}, {"generated", g.Bytes()}} {
		evs := readAll(t, ds.name, ds.data)
		a, b := rowsOf(t, strict, evs), rowsOf(t, orig, evs)
		if len(a) == 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%s: strict canonical CQL gives %d rows, the seed query %d (or different rows)", ds.name, len(a), len(b))
		}
	}
}

func rowsOf(t *testing.T, p *engine.Program, evs []*event.Event) []string {
	clones := make([]*event.Event, len(evs))
	for i, e := range evs {
		clones[i] = e.Clone()
	}
	ch := make(chan *engine.Batch, 1)
	ch <- &engine.Batch{Events: clones, Records: int64(len(clones)), Format: "event"}
	close(ch)
	var c engine.Collect
	if _, err := p.Run(context.Background(), ch, source.NewNDJSONDecoder, engine.RunOptions{Workers: 1}, &c); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range c.Rows {
		var parts []string
		for i, k := range row.Keys {
			parts = append(parts, k+"="+row.Vals[i])
		}
		out = append(out, strings.Join(parts, "\x1f"))
	}
	return out
}
