package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/demo"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/output"
	"github.com/lanner-dev/lanner/source"
)

// inputFlags are shared by detect and query.
type inputFlags struct {
	format      string
	inputFormat string
	strictInput bool
	workers     int
	noPrefilter bool
	noMmap      bool
	aidmaster   string // --falcon-aidmaster FILE
	userinfo    string // --falcon-userinfo FILE
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func outputFormat(f string) (string, error) {
	if f == "" {
		if isTerminal(os.Stdout) {
			return "table", nil
		}
		return "ndjson", nil
	}
	for _, k := range output.Formats {
		if f == k {
			return f, nil
		}
	}
	return "", usageErr("unknown --format %q (formats: %s)", f, strings.Join(output.Formats, ", "))
}

// inputs resolves PATH arguments; demo selects the built-in telemetry.
func inputs(paths []string, demoMode bool) ([]source.Input, bool, error) {
	if demoMode {
		return []source.Input{{Path: "demo", Reader: bytes.NewReader(demo.NDJSON())}}, true, nil
	}
	if len(paths) == 0 {
		return []source.Input{{Path: "-", Reader: os.Stdin}}, false, nil
	}
	in, err := source.Expand(paths)
	if err != nil {
		return nil, false, usageErr("%v", err)
	}
	return in, false, nil
}

// runResult is what a pass over the input gives.
type runResult struct {
	stats   []*engine.Stats
	readErr []error
	elapsed time.Duration
	files   int
}

// runPrograms reads the inputs once and runs every program.
func runPrograms(progs []*engine.Program, ins []source.Input, fl inputFlags, sinks []engine.Sink) (*runResult, error) {
	ropts, newDecoder, err := readerSetup(fl)
	if err != nil {
		return nil, err
	}
	ropts.NoMap = fl.noMmap
	if fl.noPrefilter || fl.strictInput || !ropts.Lookups.Empty() {
		// --strict-input validates every record, so every record is parsed.
		// Lookups fill ComputerName/UserName that are not in the raw line;
		// the raw-bytes prefilter would wrongly reject lines on them.
		for _, p := range progs {
			p.DisablePrefilter()
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var total int64
	for _, in := range ins {
		total += in.Size
	}
	var bar *progressbar.ProgressBar
	if total > 50<<20 && isTerminal(os.Stderr) {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("reading"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		ropts.Progress = func(n int64) { bar.Add64(n) }
	}
	start := time.Now()
	rd := source.NewReader(ropts)
	batches := make(chan *engine.Batch, 8)
	go rd.Run(ctx, ins, batches)
	stats, err := engine.RunAll(ctx, progs, batches, newDecoder, engine.RunOptions{Workers: fl.workers, StrictInput: fl.strictInput}, sinks)
	for _, st := range stats {
		st.InvalidUTF8 += rd.InvalidUTF8() // records the reader decoded itself
	}
	for range batches { // drain after an early stop
	}
	if bar != nil {
		bar.Finish()
	}
	res := &runResult{stats: stats, readErr: rd.Errors, elapsed: time.Since(start), files: rd.Files}
	var bad *engine.ErrBadRecord
	if errors.As(err, &bad) {
		return res, &exitError{code: 2, msg: bad.Error() + " (--strict-input)"}
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// summary prints the one-line run summary and the first skipped records.
func (r *runResult) summary(w io.Writer, extra string) {
	if len(r.stats) == 0 {
		return
	}
	st := r.stats[0]
	for _, p := range st.Problems {
		fmt.Fprintf(w, "lanner: skipped %s\n", p)
	}
	if st.Skipped > int64(len(st.Problems)) {
		fmt.Fprintf(w, "lanner: … and %s more skipped records\n", num(st.Skipped-int64(len(st.Problems))))
	}
	var per []string
	keys := make([]string, 0, len(st.PerFormat))
	for k := range st.PerFormat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		per = append(per, k+" "+num(st.PerFormat[k]))
	}
	line := fmt.Sprintf("lanner: %s file%s, %s records", num(int64(r.files)), plural(int64(r.files)), num(st.Records))
	if len(per) > 0 {
		line += " (" + strings.Join(per, ", ") + ")"
	}
	line += fmt.Sprintf(", %s skipped", num(st.Skipped))
	if st.InvalidUTF8 > 0 {
		line += fmt.Sprintf(", %s values with invalid UTF-8 kept", num(st.InvalidUTF8))
	}
	if extra != "" {
		line += ", " + extra
	}
	line += fmt.Sprintf(", %.2fs", r.elapsed.Seconds())
	fmt.Fprintln(w, line)
	for _, s := range r.stats {
		for _, warn := range s.Warnings {
			fmt.Fprintf(w, "lanner: warning: %s\n", warn)
		}
	}
	if st.Records == 0 {
		fmt.Fprintln(w, "lanner: warning: no record was read")
	}
}

// inputErrors reports damaged or unreadable inputs; any means exit 2.
func (r *runResult) inputErrors(w io.Writer) error {
	if len(r.readErr) == 0 {
		return nil
	}
	for _, e := range r.readErr {
		fmt.Fprintf(w, "lanner: %v\n", e)
	}
	return &exitError{code: 2, msg: ""}
}

func num(n int64) string {
	s := fmt.Sprint(n)
	if n < 1000 && n > -1000 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// queryError renders a parse or compile error with the query line and a caret.
func queryError(name, src string, err error) error {
	var ce *cql.Error
	if errors.As(err, &ce) {
		return &exitError{code: 2, msg: name + ":" + ce.Caret(src)}
	}
	return &exitError{code: 2, msg: name + ": " + err.Error()}
}

func termWidth() int {
	if !isTerminal(os.Stdout) {
		return 0
	}
	w, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		return 0
	}
	return w
}
