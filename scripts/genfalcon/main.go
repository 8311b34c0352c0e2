// Command genfalcon writes deterministic Falcon-like NDJSON telemetry (see internal/gen) for
// benchmarks:
//
//	go run ./scripts/genfalcon -size 200MB -seed 1 -o /tmp/falcon-200MB.ndjson
//
// Sizes take KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). A summary goes to
// stderr: events, bytes, ProcessRollup2 events, events the seed query matches, and speed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lanner-dev/lanner/internal/gen"
)

func main() {
	sizeFlag := flag.String("size", "200MB", "bytes to write (whole lines; stops after the line that reaches it)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed and size give the same bytes")
	out := flag.String("o", "-", "output file (\"-\": stdout)")
	workers := flag.Int("workers", 0, "generator goroutines (0: GOMAXPROCS); the output does not depend on it")
	quiet := flag.Bool("q", false, "no summary on stderr")
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genfalcon:", err)
		os.Exit(2)
	}
	if err := run(size, *seed, *out, *workers, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "genfalcon:", err)
		os.Exit(1)
	}
}

func run(size int64, seed uint64, out string, workers int, quiet bool) error {
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "-" {
		var err error
		if f, err = os.Create(out); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 4<<20)
	t0 := time.Now()
	st, err := gen.Generate(bw, size, seed, workers)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	d := time.Since(t0)
	if !quiet {
		fmt.Fprintf(os.Stderr, "genfalcon: %d events, %d bytes (%.0f B/event), %d ProcessRollup2, %d seed-query matches, %.2fs, %.0f MB/s\n",
			st.Events, st.Bytes, float64(st.Bytes)/float64(max(st.Events, 1)), st.ProcessRollup2, st.SeedMatches,
			d.Seconds(), float64(st.Bytes)/1e6/d.Seconds())
	}
	return nil
}

func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 200MB, 1GiB, 5000000)", s)
	}
	return int64(v * float64(mult)), nil
}
