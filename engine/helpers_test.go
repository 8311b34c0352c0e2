package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/event"
)

// testDecoder decodes NDJSON the way the source package does (flattened
// fields, @timestamp from timestamp), without depending on it.
type testDecoder struct{ p fastjson.Parser }

func (d *testDecoder) Decode(raw []byte, e *event.Event) error {
	v, err := d.p.ParseBytes(raw)
	if err != nil {
		return err
	}
	e.Origin.Raw = append([]byte(nil), raw...)
	flattenJSON(v, "", func(k, val string, null bool) {
		if !null {
			e.Keys = append(e.Keys, k)
			e.Vals = append(e.Vals, val)
		}
	})
	e.NOrig = len(e.Keys)
	if _, ok := e.Get("@timestamp"); !ok {
		if ts, ok := e.Get("timestamp"); ok {
			e.Keys = append(e.Keys, "@timestamp")
			e.Vals = append(e.Vals, ts)
		}
	}
	return nil
}
func (d *testDecoder) Keep()              {}
func (d *testDecoder) InvalidUTF8() int64 { return 0 }

// testNow is the time now() and end() return in tests.
var testNow = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// batches splits NDJSON into batches of per lines.
func batches(ndjson string, per int) <-chan *Batch {
	lines := strings.SplitAfter(ndjson, "\n")
	ch := make(chan *Batch, len(lines)/per+2)
	var seq uint64
	for i := 0; i < len(lines); i += per {
		j := min(i+per, len(lines))
		ch <- &Batch{Seq: seq, File: "t.ndjson", Format: "ndjson", Line: int64(i + 1), Data: []byte(strings.Join(lines[i:j], ""))}
		seq++
	}
	close(ch)
	return ch
}

// run compiles and runs a query over NDJSON text.
func run(t testing.TB, query, ndjson string, opts Options, workers int) ([]*event.Event, *Stats) {
	t.Helper()
	rows, st, err := tryRun(query, ndjson, opts, workers, 7)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows, st
}

func tryRun(query, ndjson string, opts Options, workers, per int) ([]*event.Event, *Stats, error) {
	return tryRunPre(query, ndjson, opts, workers, per, true)
}

// tryRunPre is tryRun with the raw-bytes prefilter on or off.
func tryRunPre(query, ndjson string, opts Options, workers, per int, prefilter bool) ([]*event.Event, *Stats, error) {
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	p, err := CompileString(query, cql.Options{DefaultParam: &corpusStar}, opts)
	if err != nil {
		return nil, nil, err
	}
	if !prefilter {
		p.DisablePrefilter()
	}
	col := &Collect{}
	st, err := p.Run(context.Background(), batches(ndjson, per), func() Decoder { return &testDecoder{} }, RunOptions{Workers: workers}, col)
	return col.Rows, st, err
}

// rowsText renders rows one per line as k=v pairs, for golden comparisons.
func rowsText(rows []*event.Event) string {
	var b strings.Builder
	for _, r := range rows {
		for i, k := range r.Keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k + "=" + r.Vals[i])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ev builds one NDJSON line from k, v pairs (all values strings).
func ev(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonQuote(kv[i]) + ":" + jsonQuote(kv[i+1]))
	}
	b.WriteString("}\n")
	return b.String()
}

func jsonQuote(s string) string {
	var a fastjson.Arena
	return string(a.NewString(s).MarshalTo(nil))
}

func cqlOpts() cql.Options { return cql.Options{} }
