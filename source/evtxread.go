package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
	"github.com/lanner-dev/lanner/source/evtx"
)

// readEVTX reads an EVTX file through source/evtx (which parses chunks in
// parallel and delivers records in file order). A plain file is read in
// place; a compressed one, or stdin, is read into memory first. Damage the
// evtx reader finds (bad checksums, torn records) is reported as skipped
// records with the chunk and offset; what could be read is delivered.
func (r *Reader) readEVTX(ctx context.Context, name string, f *os.File, size int64, rd io.Reader, out chan<- *engine.Batch) error {
	var ra io.ReaderAt
	if f != nil {
		ra = f
		if r.opts.Progress != nil {
			defer r.opts.Progress(size)
		}
	} else {
		data, err := io.ReadAll(rd)
		if err != nil {
			return fmt.Errorf("reading EVTX data: %v", err)
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	ef, err := evtx.NewReader(ra, size)
	if err != nil {
		if errors.Is(err, evtx.ErrNotEVTX) {
			return errors.New("not an EVTX file (no ElfFile signature)")
		}
		return err
	}
	if r.opts.Workers > 0 {
		ef.Workers = r.opts.Workers
	}
	b := r.newBatcher(ctx, out, name, FormatEVTX, normalize.Windows)
	stop := errors.New("stop")
	err = ef.Records(func(rec *evtx.Record) error {
		kvs := rec.Flat()
		e := &event.Event{Keys: make([]string, 0, len(kvs)+24), Vals: make([]string, 0, len(kvs)+24)}
		n := 0
		for _, kv := range kvs {
			e.Keys = append(e.Keys, kv.Key)
			e.Vals = append(e.Vals, kv.Value)
			n += len(kv.Key) + len(kv.Value)
		}
		e.NOrig = len(e.Keys)
		e.Origin.Record = rec.ID
		if !b.add(e, n) {
			return stop
		}
		return nil
	})
	if err == stop {
		return ctx.Err()
	}
	if err != nil {
		b.flush()
		return err
	}
	st := ef.Stats()
	for _, p := range st.Problems {
		if !b.problem(0, "EVTX "+p.String()) {
			return ctx.Err()
		}
	}
	if extra := st.ProblemCount - len(st.Problems); extra > 0 {
		b.problem(0, fmt.Sprintf("EVTX: %d more problems not listed", extra))
	}
	if !b.flush() {
		return ctx.Err()
	}
	return nil
}
