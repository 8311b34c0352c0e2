package evtx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	vevtx "www.velocidex.com/golang/evtx"
)

type corpusFile struct {
	name string
	data []byte
}

// loadCorpus reads the hayabusa sample corpus into memory so that the
// benchmarks measure decoding, not disk I/O.
func loadCorpus(b *testing.B) ([]corpusFile, int64) {
	b.Helper()
	root := filepath.Join(sharedData(b), "evtx", "hayabusa-sample-evtx")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus %s not present", root)
	}
	var files []corpusFile
	var size int64
	for _, p := range evtxFiles(b, root) {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, corpusFile{p, data})
		size += int64(len(data))
	}
	return files, size
}

func benchOurs(b *testing.B, workers int, flat bool) {
	files, size := loadCorpus(b)
	b.SetBytes(size)
	b.ResetTimer()
	records := 0
	for i := 0; i < b.N; i++ {
		for _, cf := range files {
			f, err := NewReader(bytes.NewReader(cf.data), int64(len(cf.data)))
			if err != nil {
				continue
			}
			f.Workers = workers
			f.Records(func(r *Record) error {
				records++
				if flat {
					r.Flat()
				}
				return nil
			})
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
}

// BenchmarkCorpus decodes every record of the hayabusa sample corpus (the
// MB/s figure counts whole files, empty pre-allocated chunks included).
func BenchmarkCorpus(b *testing.B) { benchOurs(b, 0, false) }

// BenchmarkCorpusOneWorker is BenchmarkCorpus on one goroutine (per-core speed).
func BenchmarkCorpusOneWorker(b *testing.B) { benchOurs(b, 1, false) }

// BenchmarkCorpusFlat adds Record.Flat for every record.
func BenchmarkCorpusFlat(b *testing.B) { benchOurs(b, 0, true) }

// BenchmarkCorpusVelocidex decodes the same corpus with
// www.velocidex.com/golang/evtx v0.2.0 for comparison.
func BenchmarkCorpusVelocidex(b *testing.B) {
	files, size := loadCorpus(b)
	b.SetBytes(size)
	b.ResetTimer()
	records := 0
	for i := 0; i < b.N; i++ {
		for _, cf := range files {
			chunks, err := vevtx.GetChunks(bytes.NewReader(cf.data))
			if err != nil {
				continue
			}
			for _, c := range chunks {
				recs, _ := c.Parse(0)
				records += len(recs)
			}
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
}

// BenchmarkFlat measures Record.Flat alone over the corpus records.
func BenchmarkFlat(b *testing.B) {
	files, _ := loadCorpus(b)
	var recs []*Record
	for _, cf := range files {
		f, err := NewReader(bytes.NewReader(cf.data), int64(len(cf.data)))
		if err != nil {
			continue
		}
		f.Records(func(r *Record) error {
			recs = append(recs, r)
			return nil
		})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range recs {
			r.Flat()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
