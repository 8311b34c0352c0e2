package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// readResult is everything a Reader produced, decoded.
type readResult struct {
	events   []*event.Event
	problems []engine.Problem
	formats  map[string]int64 // records per batch format
	errs     []error
	invalid  int64
}

// readInputs runs a Reader over inputs and decodes raw NDJSON batches the
// way the engine's workers do (without a prefilter).
func readInputs(t testing.TB, opts Options, ins ...Input) *readResult {
	t.Helper()
	rd := NewReader(opts)
	out := make(chan *engine.Batch, 4)
	res := &readResult{formats: map[string]int64{}}
	done := make(chan struct{})
	dec := DecoderFactory(opts.Lookups)().(*NDJSONDecoder)
	go func() {
		defer close(done)
		for b := range out {
			res.formats[b.Format] += b.Records
			res.problems = append(res.problems, b.Problems...)
			res.events = append(res.events, b.Events...)
			line := b.Line
			forLinesNumbered(b.Data, func(n int64, rec []byte) {
				res.formats[b.Format]++
				e := &event.Event{}
				if err := dec.Decode(rec, e); err != nil {
					res.problems = append(res.problems, engine.Problem{File: b.File, Line: line + n, Reason: err.Error()})
					return
				}
				dec.Keep()
				e.Origin.File, e.Origin.Line, e.Origin.Format = b.File, line+n, b.Format
				res.events = append(res.events, e)
			})
			if b.Release != nil {
				b.Release()
			}
		}
	}()
	rd.Run(context.Background(), ins, out)
	<-done
	res.errs = rd.Errors
	res.invalid = rd.InvalidUTF8() + dec.InvalidUTF8()
	return res
}

func forLinesNumbered(data []byte, fn func(int64, []byte)) {
	var n int64
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		if len(bytes.TrimSpace(line)) > 0 {
			fn(n, bytes.TrimRight(line, "\r"))
		}
		n++
	}
}

// readBytes reads one in-memory input.
func readBytes(t testing.TB, name string, data []byte, opts Options) *readResult {
	t.Helper()
	return readInputs(t, opts, Input{Path: name, Reader: bytes.NewReader(data)})
}

// readPaths reads files and directories.
func readPaths(t testing.TB, opts Options, paths ...string) *readResult {
	t.Helper()
	ins, err := Expand(paths)
	if err != nil {
		t.Fatal(err)
	}
	return readInputs(t, opts, ins...)
}

// runQuery runs a CQL query over inputs through the engine, with or
// without its raw-bytes prefilter.
func runQuery(t testing.TB, query string, opts Options, prefilter bool, ins ...Input) ([]*event.Event, *engine.Stats, []error) {
	t.Helper()
	p, err := engine.CompileString(query, cql.Options{}, engine.Options{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if !prefilter {
		p.DisablePrefilter()
	}
	rd := NewReader(opts)
	out := make(chan *engine.Batch, 4)
	go rd.Run(context.Background(), ins, out)
	col := &engine.Collect{}
	st, err := engine.RunAll(context.Background(), []*engine.Program{p}, out, DecoderFactory(opts.Lookups), engine.RunOptions{}, []engine.Sink{col})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return col.Rows, st[0], rd.Errors
}

func seedQuery(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedtest.Root(t), "rules", "T1204.001", "query.cql"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func get(e *event.Event, k string) string {
	v, _ := e.Get(k)
	return v
}

func mustExpand(t testing.TB, paths ...string) []Input {
	t.Helper()
	ins, err := Expand(paths)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// skipShort skips the tests that read the whole shared corpus under -short.
func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole shared corpus; skipped with -short")
	}
}
