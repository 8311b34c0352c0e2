package engine_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/internal/gen"
	"github.com/lanner-dev/lanner/internal/sharedtest"
	"github.com/lanner-dev/lanner/source"
)

// BenchmarkSeedQuery runs the built-in T1204.001 query over 32 MB of
// generated Falcon NDJSON held in memory: prefilter, parsing, filters,
// assignments and the bounded sort. MB/s is input bytes per second.
func BenchmarkSeedQuery(b *testing.B) {
	q, err := os.ReadFile(filepath.Join(sharedtest.Root(b), "rules", "T1204.001", "query.cql"))
	if err != nil {
		b.Fatal(err)
	}
	var data bytes.Buffer
	if _, err := gen.Write(&data, 32<<20, 1); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		pre  bool
	}{{"prefilter", true}, {"no-prefilter", false}} {
		b.Run(mode.name, func(b *testing.B) {
			prog, err := engine.CompileString(string(q), cql.Options{}, engine.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if !mode.pre {
				prog.DisablePrefilter()
			}
			b.SetBytes(int64(data.Len()))
			b.ReportAllocs()
			var parsed int64 // records the prefilter let through
			for b.Loop() {
				rd := source.NewReader(source.Options{})
				batches := make(chan *engine.Batch, 8)
				go rd.Run(context.Background(), []source.Input{{Path: "bench", Reader: bytes.NewReader(data.Bytes())}}, batches)
				col := &engine.Collect{}
				st, err := prog.Run(context.Background(), batches, source.NewNDJSONDecoder, engine.RunOptions{}, col)
				if err != nil {
					b.Fatal(err)
				}
				if len(col.Rows) == 0 {
					b.Fatalf("%d rows", len(col.Rows))
				}
				parsed = st.Records - st.Prefiltered
			}
			b.ReportMetric(float64(parsed), "parsed/op")
		})
	}
}
