// Package source reads telemetry: it finds the files, recognises
// compression by content, splits records and hands batches to the engine.
package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/normalize"
)

// Options configure reading.
type Options struct {
	// MaxRecord is the longest record kept; longer ones are skipped and
	// reported. Default 64 MiB.
	MaxRecord int
	// BatchSize is the target size of a batch. Default 1 MiB.
	BatchSize int
	// Progress, when set, is called with the number of input bytes read.
	Progress func(n int64)
	// NoMap reads files with read() even where memory-mapping them is
	// possible (a file that may be truncated while lanner reads it).
	NoMap bool
	// Format forces the input format of every file (a name of Formats);
	// "" or "auto" recognises each file's format from its content.
	Format string
	// Lookups (FDR aidmaster and userinfo) fill ComputerName and UserName
	// into Falcon events the reader decodes itself; raw NDJSON lines get
	// them from the decoder (DecoderFactory).
	Lookups *normalize.Lookups
	// Workers bounds the EVTX reader's parallel chunk parsing; 0 means
	// one per core.
	Workers int
}

const (
	defaultMaxRecord = 64 << 20
	defaultBatch     = 1 << 20
)

// Input is one thing to read: a file path, or "-" for stdin.
type Input struct {
	Path string
	// Reader overrides opening Path (stdin, the demo).
	Reader io.Reader
	Size   int64
}

// InputError is a file that could not be read, or was damaged. Rows read
// before the damage were already delivered.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Expand turns PATH arguments into inputs: directories are walked
// recursively in lexical order; "-" is stdin.
func Expand(paths []string) ([]Input, error) {
	var out []Input
	for _, p := range paths {
		if p == "-" {
			out = append(out, Input{Path: "-", Reader: os.Stdin})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, Input{Path: p, Size: fi.Size()})
			continue
		}
		var files []Input
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && len(d.Name()) > 1 && d.Name()[0] == '.' {
					return filepath.SkipDir // hidden folders (.git)
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, Input{Path: path, Size: info.Size()})
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
		out = append(out, files...)
	}
	return out, nil
}

// Reader produces batches from inputs.
type Reader struct {
	opts Options
	seq  uint64
	pool sync.Pool
	norm *normalize.Normalizer
	// invalid counts values whose invalid UTF-8 was replaced by records
	// the reader decoded itself (see InvalidUTF8).
	invalid int64
	// Errors are the inputs that failed or were damaged.
	Errors []error
	// Files counts inputs opened.
	Files int
}

// InvalidUTF8 returns how many values of the records the reader decoded
// itself (EVTX, XML, CSV, JSON streams) had invalid UTF-8 replaced. Read it
// after Run has returned; the engine's count covers raw NDJSON lines only.
func (r *Reader) InvalidUTF8() int64 { return r.invalid }

// NewReader returns a reader.
func NewReader(opts Options) *Reader {
	if opts.MaxRecord <= 0 {
		opts.MaxRecord = defaultMaxRecord
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = defaultBatch
	}
	r := &Reader{opts: opts, norm: normalize.New(opts.Lookups)}
	r.pool.New = func() any { b := make([]byte, 0, opts.BatchSize); return &b }
	return r
}

// Run reads every input in order and sends batches; it closes out when done.
func (r *Reader) Run(ctx context.Context, inputs []Input, out chan<- *engine.Batch) {
	defer close(out)
	for _, in := range inputs {
		if ctx.Err() != nil {
			return
		}
		if err := r.safeReadInput(ctx, in, out); err != nil {
			r.Errors = append(r.Errors, &InputError{Path: in.Path, Err: err})
		}
	}
}

// magic numbers
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(int64(n))
	}
	return n, err
}

// safeReadInput reads one input; a bug that panics in a reader costs that
// input (reported as its error), never the run.
func (r *Reader) safeReadInput(ctx context.Context, in Input, out chan<- *engine.Batch) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error while reading (please report): %v", p)
		}
	}()
	return r.readInput(ctx, in, out)
}

func (r *Reader) readInput(ctx context.Context, in Input, out chan<- *engine.Batch) error {
	src := in.Reader
	name := in.Path
	var file *os.File
	if src == nil {
		f, err := os.Open(in.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		src, file = f, f
	}
	r.Files++
	cr := &countingReader{r: src, progress: r.opts.Progress}
	br := bufio.NewReaderSize(cr, 256<<10)
	head, _ := br.Peek(4)
	var rd io.Reader = br
	compressed := true
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("corrupt gzip stream: %v", err)
		}
		defer zr.Close()
		rd = zr
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return fmt.Errorf("corrupt zstd stream: %v", err)
		}
		defer zr.Close()
		rd = zr
	default:
		compressed = false
	}
	format := r.opts.Format
	if format == FormatAuto {
		format = ""
	}
	// Look at the decompressed head: EVTX, a text encoding, the format.
	sb, ok := rd.(*bufio.Reader)
	if !ok {
		sb = bufio.NewReaderSize(rd, 1<<20)
	}
	peek, perr := sb.Peek(sniffSize(sb))
	if format == FormatEVTX || format == "" && isEVTX(peek) {
		if compressed || file == nil {
			file = nil
		} else if r.opts.Progress != nil {
			defer func() { r.opts.Progress(max(0, in.Size-cr.n)) }()
		}
		return r.readEVTX(ctx, name, file, in.Size, sb, out)
	}
	var text io.Reader = sb
	switch enc, bom := detectEncoding(peek); enc {
	case encUTF8BOM:
		sb.Discard(bom)
		peek = peek[bom:]
	case encUTF16LE, encUTF16BE:
		sb.Discard(bom)
		sb = bufio.NewReaderSize(newUTF16Reader(sb, enc == encUTF16BE), 1<<20)
		text = sb
		peek, perr = sb.Peek(sniffSize(sb))
	}
	raw := format == FormatFalcon || format == FormatNDJSON // forced: no sniffing
	lines := false
	fam := familyOf(format) // a forced format forces its family
	if format == "" {
		sr := sniff(peek, perr != nil)
		format, raw, lines = sr.format, sr.raw, sr.lines
	}
	switch format {
	case FormatXML:
		return r.readXML(ctx, name, text, out)
	case FormatCSV, FormatMDECSV:
		return r.readCSV(ctx, name, format, fam, text, out)
	case FormatEVTX:
		return errors.New("not an EVTX file (no ElfFile signature)")
	case formatUnknown:
		b := &engine.Batch{Seq: r.seq, File: name, Format: "unrecognised", Records: 1,
			Problems: []engine.Problem{{File: name, Reason: "not telemetry: no format recognised (no JSON object, event XML, EVTX or known CSV header); file skipped (--input-format forces a format)"}}}
		r.seq++
		select {
		case out <- b:
		case <-ctx.Done():
		}
		return nil
	}
	if raw {
		if !compressed && file != nil && text == io.Reader(sb) && len(peek) > 0 && peek[0] != 0xef && in.Size >= mapMin && !r.opts.NoMap {
			if data, unmap, err := mapFile(file, in.Size); err == nil {
				return r.splitMapped(ctx, name, format, data, unmap, cr.n, out)
			}
		}
		return r.split(ctx, name, format, text, out)
	}
	return r.readJSON(ctx, name, format, fam, lines, text, out)
}

// mapMin is the smallest file worth memory-mapping.
const mapMin = 4 << 20

var errNoMap = errors.New("not mapped")

// splitMapped cuts a memory-mapped file into batches of whole lines
// without copying: each batch is a slice of the mapping, which is released
// when the engine has released every batch. A file truncated while it is
// mapped would fault; --no-mmap reads it with read() instead.
func (r *Reader) splitMapped(ctx context.Context, name, format string, data []byte, unmap func(), counted int64, out chan<- *engine.Batch) error {
	var wg sync.WaitGroup
	defer func() { go func() { wg.Wait(); unmap() }() }()
	// Lines are not counted here: that would be one more pass over every
	// byte. The first batch starts at line 1 and each later one continues
	// it; the engine numbers their lines in order.
	for off := 0; off < len(data); {
		end := min(off+r.opts.BatchSize, len(data))
		if end < len(data) {
			if i := bytes.LastIndexByte(data[off:end], '\n'); i >= 0 {
				end = off + i + 1
			} else if j := bytes.IndexByte(data[end:], '\n'); j >= 0 {
				end += j + 1 // one record longer than a batch
			} else {
				end = len(data)
			}
		}
		chunk := data[off:end]
		b := &engine.Batch{Seq: r.seq, File: name, Format: format, Line: 1}
		if off > 0 {
			b.Line, b.Continues = 0, true
		}
		if len(chunk) > r.opts.MaxRecord+1 && bytes.Count(chunk, []byte{'\n'}) <= 1 {
			line := b.Line
			if b.Continues {
				line = -1 // the batch's first line, relative
			}
			b.Problems = []engine.Problem{{File: name, Line: line, Reason: fmt.Sprintf("record longer than %d bytes skipped", r.opts.MaxRecord)}}
			b.Records = 1
		} else {
			wg.Add(1)
			b.Data, b.Release = chunk, wg.Done
			prefault(chunk)
		}
		r.seq++
		select {
		case out <- b:
		case <-ctx.Done():
			if b.Release != nil {
				wg.Done()
			}
			return ctx.Err()
		}
		if n := int64(len(chunk)); r.opts.Progress != nil && n > counted {
			r.opts.Progress(n - counted) // the sniffed head was counted when read
			counted = 0
		} else {
			counted -= n
		}
		off = end
	}
	return nil
}

// sniffSize is how much of the head the format sniffer sees.
func sniffSize(b *bufio.Reader) int { return min(b.Size(), 256<<10) }

// split cuts the stream into batches of whole lines. A line longer than
// MaxRecord is skipped (its bytes are read and dropped) and reported.
func (r *Reader) split(ctx context.Context, name, format string, rd io.Reader, out chan<- *engine.Batch) error {
	line := int64(1)
	var carry []byte
	bufp := r.pool.Get().(*[]byte)
	buf := (*bufp)[:0]
	skipping := false // inside an over-long record
	var skipLine int64
	send := func(data []byte, first int64, problems []engine.Problem, release func()) bool {
		b := &engine.Batch{Seq: r.seq, File: name, Format: format, Line: first, Data: data, Problems: problems, Records: int64(len(problems)), Release: release}
		r.seq++
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if cap(buf)-len(buf) == 0 {
			// One record fills the buffer: grow up to MaxRecord, then skip.
			if cap(buf) < r.opts.MaxRecord {
				nb := make([]byte, len(buf), min(2*cap(buf), r.opts.MaxRecord+1))
				copy(nb, buf)
				buf = nb
			} else {
				skipping = true
				skipLine = line
				buf = buf[:0]
			}
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if skipping {
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				skipping = false
				rest := append([]byte(nil), buf[i+1:]...)
				buf = append(buf[:0], rest...)
				if !send(nil, 0, []engine.Problem{{File: name, Line: skipLine, Reason: fmt.Sprintf("record longer than %d bytes skipped", r.opts.MaxRecord)}}, nil) {
					return ctx.Err()
				}
				line++
			} else {
				buf = buf[:0]
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if skipping {
					send(nil, 0, []engine.Problem{{File: name, Line: skipLine, Reason: fmt.Sprintf("record longer than %d bytes skipped", r.opts.MaxRecord)}}, nil)
				} else if len(buf) > 0 {
					send(buf, line, nil, r.releaser(bufp, buf))
					return nil
				}
				r.pool.Put(bufp)
				return nil
			}
			// Damage: deliver the complete lines before it, drop the torn one.
			if i := bytes.LastIndexByte(buf, '\n'); i >= 0 && !skipping {
				send(buf[:i+1], line, nil, nil)
				line += int64(bytes.Count(buf[:i+1], []byte{'\n'}))
			}
			return fmt.Errorf("stream damaged after line %d: %v", line-1, err)
		}
		if skipping || len(buf) < cap(buf)-4096 && n > 0 {
			continue // fill the buffer before cutting
		}
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 {
			continue
		}
		data := buf[:i+1]
		carry = append(carry[:0], buf[i+1:]...)
		nbp := r.pool.Get().(*[]byte)
		nb := (*nbp)[:0]
		if cap(nb) < len(carry)+r.opts.BatchSize/2 {
			nb = make([]byte, 0, max(r.opts.BatchSize, 2*len(carry)))
			*nbp = nb
		}
		nb = append(nb, carry...)
		first := line
		line += int64(bytes.Count(data, []byte{'\n'}))
		if !send(data, first, nil, r.releaser(bufp, buf)) {
			return ctx.Err()
		}
		bufp, buf = nbp, nb
	}
}

func (r *Reader) releaser(bp *[]byte, b []byte) func() {
	return func() {
		if cap(b) <= 4*r.opts.BatchSize {
			*bp = b[:0]
			r.pool.Put(bp)
		}
	}
}
