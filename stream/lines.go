package stream

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/normalize"
	"github.com/lanner-dev/lanner/source"
)

// subBatch is the size the processor cuts raw data into, so the engine's
// workers share a chunk.
const subBatch = 256 << 10

// Decoding turns records that arrived as text into engine batches.
type Decoding struct {
	// Format forces the input format ("" or "auto": recognised per file or
	// per Kafka record).
	Format string
	// Lookups fill ComputerName/UserName (FDR aidmaster, userinfo).
	Lookups *normalize.Lookups
}

func (d *Decoding) forced() string {
	if d.Format == source.FormatAuto {
		return ""
	}
	return d.Format
}

// isRaw reports whether a format's records go to the engine as raw lines
// (decoded, and prefiltered, by its workers).
func isRaw(format string) bool { return format == source.FormatFalcon || format == source.FormatNDJSON }

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// lineFormat recognises the format of text from its head and says whether
// it has one record per line (so it can be followed as it grows).
func (d *Decoding) lineFormat(head []byte) (format string, perLine bool) {
	if bytes.HasPrefix(head, gzipMagic) || bytes.HasPrefix(head, zstdMagic) {
		return "compressed", false
	}
	format = d.forced()
	if format == "" {
		format = source.Sniff(head, false)
	}
	if isRaw(format) {
		return format, true
	}
	first := firstLine(head)
	switch format {
	case source.FormatECS, source.FormatNXLog, source.FormatMDEJSON, source.FormatEVTXJSON, source.FormatJSON:
		return format, json.Valid(first)
	case source.FormatXML:
		return format, bytes.HasPrefix(first, []byte("<Event")) && bytes.HasSuffix(first, []byte("</Event>"))
	}
	return format, false
}

func firstLine(b []byte) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var l []byte
		if i < 0 {
			l, b = b, nil
		} else {
			l, b = b[:i], b[i+1:]
		}
		if l = bytes.TrimSpace(l); len(l) > 0 {
			return l
		}
	}
	return nil
}

// batches turns whole lines of one input (the first is line number first)
// in a known line format into engine batches. Seq is left for the
// processor to number.
func (d *Decoding) batches(name string, first int64, data []byte, format string) []*engine.Batch {
	if isRaw(format) {
		return []*engine.Batch{{File: name, Format: format, Line: first, Data: data}}
	}
	return d.read(name, first, data, format)
}

// read decodes text with the source package's reader (a forced format;
// "" recognises it) and shifts line numbers to start at first.
func (d *Decoding) read(name string, first int64, data []byte, format string) []*engine.Batch {
	rd := source.NewReader(source.Options{Format: format, Lookups: d.Lookups, Workers: 1})
	ch := make(chan *engine.Batch, 16)
	go rd.Run(context.Background(), []source.Input{{Path: name, Reader: bytes.NewReader(data), Size: int64(len(data))}}, ch)
	var out []*engine.Batch
	shift := first - 1
	for b := range ch {
		if b.Line > 0 {
			b.Line += shift
		}
		for _, e := range b.Events {
			if e.Origin.Line > 0 {
				e.Origin.Line += shift
			}
		}
		for i := range b.Problems {
			if b.Problems[i].Line > 0 {
				b.Problems[i].Line += shift
			}
		}
		if b.Data != nil && b.Release != nil {
			// The reader recycles its buffers; the stream keeps batches
			// longer (windows), so it owns a copy.
			b.Data = append([]byte(nil), b.Data...)
			b.Release()
			b.Release = nil
		}
		out = append(out, b)
	}
	for _, err := range rd.Errors {
		out = append(out, &engine.Batch{File: name, Format: format, Problems: []engine.Problem{{File: name, Reason: err.Error()}}, Records: 1})
	}
	return out
}

// split cuts raw-data batches larger than subBatch at line ends.
func split(bs []*engine.Batch) []*engine.Batch {
	var out []*engine.Batch
	for _, b := range bs {
		if len(b.Data) <= subBatch {
			out = append(out, b)
			continue
		}
		data, line := b.Data, b.Line
		for len(data) > 0 {
			n := len(data)
			if n > subBatch {
				if i := bytes.LastIndexByte(data[:subBatch], '\n'); i >= 0 {
					n = i + 1
				} else if i := bytes.IndexByte(data[subBatch:], '\n'); i >= 0 {
					n = subBatch + i + 1
				}
			}
			nb := *b
			nb.Data, nb.Line, nb.Problems, nb.Records, nb.Release = data[:n], line, nil, 0, nil
			out = append(out, &nb)
			line += int64(bytes.Count(data[:n], []byte{'\n'}))
			data = data[n:]
		}
		if len(b.Problems) > 0 {
			out = append(out, &engine.Batch{File: b.File, Format: b.Format, Problems: b.Problems, Records: b.Records})
		}
	}
	return out
}
