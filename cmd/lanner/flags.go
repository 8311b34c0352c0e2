package main

import (
	"bufio"
	"io"

	"github.com/spf13/pflag"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/output"
)

type eventT = event.Event

func addInputFlags(f *pflag.FlagSet, fl *inputFlags) {
	f.StringVar(&fl.format, "format", "", "output `FORMAT`: table, ndjson, csv, json (default: table on a terminal, else ndjson)")
	f.StringVar(&fl.inputFormat, "input-format", "auto", "input `FORMAT` of every file (default: recognised per file; 'lanner formats' lists them)")
	f.StringVar(&fl.aidmaster, "falcon-aidmaster", "", "FDR aidmaster export (`FILE`, CSV or NDJSON): fill ComputerName from aid")
	f.StringVar(&fl.userinfo, "falcon-userinfo", "", "FDR userinfo export (`FILE`, CSV or NDJSON): fill UserName from UserSid")
	f.BoolVar(&fl.strictInput, "strict-input", false, "stop at the first bad record (exit 2) instead of skipping it")
	f.IntVar(&fl.workers, "workers", 0, "parallel workers (default: one per core)")
	f.BoolVar(&fl.noPrefilter, "no-prefilter", false, "parse every record (disable the raw-bytes prefilter)")
	f.BoolVar(&fl.noMmap, "no-mmap", false, "read files with read() instead of mapping them (for files that may be truncated while lanner reads them)")
	f.MarkHidden("no-prefilter")
}

// lineWriter streams NDJSON rows as they come.
type lineWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (l *lineWriter) row(rule string, ruleCol bool, e *event.Event) {
	l.buf = output.AppendRow(l.buf[:0], rule, ruleCol, e)
	l.buf = append(l.buf, '\n')
	l.w.Write(l.buf)
}

func (l *lineWriter) flush() { l.w.Flush() }
