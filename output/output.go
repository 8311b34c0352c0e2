// Package output writes rows as NDJSON, JSON, CSV or an aligned table, as
// the CLI contract fixes them.
package output

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/internal/jsonw"
)

// Formats lists the output formats.
var Formats = []string{"table", "ndjson", "csv", "json"}

// Section is one block of output: a rule's alerts, or a query's rows.
type Section struct {
	Rule     string   // rule id ("" for a plain query): becomes the "rule" column
	Title    string   // table heading
	Severity string   // table heading
	Fields   []string // projected columns, or nil for every field
	Rows     []*event.Event
	Note     string // shown under a table (e.g. "83 more left out by the rule's limit")
}

// Options tune writing.
type Options struct {
	// Width is the terminal width for tables (0: no truncation).
	Width int
	// RuleColumn adds the rule id as the first column in ndjson/json/csv.
	RuleColumn bool
}

// columns returns the section's columns: the projection, else every field
// in first-seen order.
func (s *Section) columns() []string {
	if s.Fields != nil {
		return s.Fields
	}
	seen := map[string]bool{}
	var cols []string
	for _, r := range s.Rows {
		for _, k := range r.Keys {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	return cols
}

// Write renders the sections in the format.
func Write(w io.Writer, format string, sections []*Section, opts Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch format {
	case "ndjson":
		for _, s := range sections {
			for _, r := range s.Rows {
				bw.Write(AppendRow(nil, s.Rule, opts.RuleColumn, r))
				bw.WriteByte('\n')
			}
		}
	case "json":
		bw.WriteByte('[')
		n := 0
		for _, s := range sections {
			for _, r := range s.Rows {
				if n > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n  ")
				bw.Write(AppendRow(nil, s.Rule, opts.RuleColumn, r))
				n++
			}
		}
		if n > 0 {
			bw.WriteByte('\n')
		}
		bw.WriteString("]\n")
	case "csv":
		err = writeCSV(bw, sections, opts)
	case "table":
		err = writeTable(bw, sections, opts)
	default:
		return fmt.Errorf("unknown format %q (formats: %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// AppendRow appends one NDJSON object: "rule" first when asked, then the
// row's fields in order; values are strings.
func AppendRow(b []byte, rule string, ruleCol bool, r *event.Event) []byte {
	b = append(b, '{')
	n := 0
	if ruleCol {
		b = append(b, `"rule":`...)
		b = AppendString(b, rule)
		n++
	}
	for i, k := range r.Keys {
		if ruleCol && k == "rule" {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendString(b, r.Vals[i])
		n++
	}
	return append(b, '}')
}

// AppendString appends s as a JSON string. It does not escape HTML
// characters, so command lines stay readable.
func AppendString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }

func writeCSV(w io.Writer, sections []*Section, opts Options) error {
	cw := csv.NewWriter(w)
	var cols []string
	if len(sections) == 1 || !opts.RuleColumn {
		// one header for everything
		all := &Section{}
		for _, s := range sections {
			if s.Fields != nil && all.Fields == nil {
				all.Fields = s.Fields
			}
			all.Rows = append(all.Rows, s.Rows...)
		}
		if len(sections) > 1 {
			all.Fields = nil
		}
		cols = all.columns()
	} else {
		all := &Section{}
		for _, s := range sections {
			all.Rows = append(all.Rows, s.Rows...)
		}
		cols = all.columns()
	}
	header := cols
	if opts.RuleColumn {
		header = append([]string{"rule"}, withoutRule(cols)...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, s := range sections {
		for _, r := range s.Rows {
			j := 0
			if opts.RuleColumn {
				rec[0] = s.Rule
				j = 1
			}
			for _, c := range header[j:] {
				v, _ := r.Get(c)
				rec[j] = v
				j++
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func withoutRule(cols []string) []string {
	var out []string
	for _, c := range cols {
		if c != "rule" {
			out = append(out, c)
		}
	}
	return out
}

// DisplayValue shows epoch-millisecond timestamps as UTC date-times.
func DisplayValue(col, v string) string {
	if col == "timestamp" || col == "@timestamp" {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 1e11 && ms < 1e14 {
			return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
		}
	}
	return v
}

func writeTable(w io.Writer, sections []*Section, opts Options) error {
	for i, s := range sections {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if s.Rule != "" {
			fmt.Fprintf(w, "%s  %s  [severity %s]  %d row%s\n", s.Rule, s.Title, s.Severity, len(s.Rows), plural(len(s.Rows)))
		}
		cols := s.columns()
		if len(s.Rows) == 0 {
			if s.Rule == "" {
				fmt.Fprintln(w, "(no rows)")
			}
			if s.Note != "" {
				fmt.Fprintln(w, s.Note)
			}
			continue
		}
		t := table.NewWriter()
		t.SetOutputMirror(w)
		style := table.StyleLight
		style.Format.Header = text.FormatDefault
		t.SetStyle(style)
		hdr := make(table.Row, len(cols))
		for j, c := range cols {
			hdr[j] = c
		}
		t.AppendHeader(hdr)
		maxCell := 0
		if opts.Width > 0 && len(cols) > 0 {
			maxCell = max(12, (opts.Width-3*len(cols))/len(cols))
			if maxCell > 80 {
				maxCell = 80
			}
		}
		for _, r := range s.Rows {
			row := make(table.Row, len(cols))
			for j, c := range cols {
				v, _ := r.Get(c)
				v = DisplayValue(c, v)
				v = strings.NewReplacer("\n", "⏎", "\r", "", "\t", " ").Replace(v)
				if maxCell > 0 && utf8.RuneCountInString(v) > maxCell {
					v = string([]rune(v)[:maxCell-1]) + "…"
				}
				row[j] = v
			}
			t.AppendRow(row)
		}
		t.Render()
		if s.Note != "" {
			fmt.Fprintln(w, s.Note)
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
