package source

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

// CSV with a header row (Defender advanced-hunting exports, and any other
// table). Each row becomes an event whose fields are the header's column
// names; every cell is kept, an empty one as an empty value (CSV cannot
// tell empty from absent). A row whose cell count differs from the
// header's is skipped and reported: its cells cannot be named safely.
// Quoted cells may span lines; a stray quote inside a cell is taken
// literally.

func (r *Reader) readCSV(ctx context.Context, name, format string, fam normalize.Family, rd io.Reader, out chan<- *engine.Batch) error {
	b := r.newBatcher(ctx, out, name, format, fam)
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var header []string
	lastOffset := int64(-1)
	for {
		rec, err := cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) && cr.InputOffset() != lastOffset {
				lastOffset = cr.InputOffset()
				if !b.problem(int64(pe.StartLine), "bad CSV: "+pe.Err.Error()) {
					return ctx.Err()
				}
				continue
			}
			b.flush()
			return err
		}
		lastOffset = cr.InputOffset()
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = csvHeader(rec)
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // a blank line inside quotes-free data
		}
		if len(rec) != len(header) {
			if !b.problem(int64(line), fmt.Sprintf("%d cells where the header has %d", len(rec), len(header))) {
				return ctx.Err()
			}
			continue
		}
		e := &event.Event{Keys: make([]string, 0, len(rec)+24), Vals: make([]string, 0, len(rec)+24)}
		size := 0
		for i, v := range rec {
			e.Keys = append(e.Keys, header[i])
			e.Vals = append(e.Vals, r.checkUTF8(v))
			size += len(v) + 1
		}
		e.NOrig = len(e.Keys)
		e.Origin.Line = int64(line)
		if !b.add(e, size) {
			return ctx.Err()
		}
	}
	if !b.flush() {
		return ctx.Err()
	}
	return nil
}

// csvHeader names the columns: trimmed, empty names become _colN and
// repeated names get a #N suffix.
func csvHeader(rec []string) []string {
	h := make([]string, len(rec))
	seen := map[string]int{}
	for i, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			c = "_col" + strconv.Itoa(i+1)
		}
		if n := seen[c]; n > 0 {
			seen[c] = n + 1
			c += "#" + strconv.Itoa(n+1)
		} else {
			seen[c] = 1
		}
		h[i] = c
	}
	return h
}
