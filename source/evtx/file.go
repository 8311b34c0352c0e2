package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync"
)

// ErrNotEVTX is returned when the data has neither a file header signature
// nor a chunk signature where the first chunk should be.
var ErrNotEVTX = errors.New("evtx: not an EVTX file")

// MaxProblems caps the number of Problems kept in Stats (all are counted).
const MaxProblems = 1000

// FileHeader is the decoded 4 KiB file header.
type FileHeader struct {
	FirstChunk   uint64
	LastChunk    uint64
	NextRecordID uint64
	MinorVersion uint16
	MajorVersion uint16
	ChunkCount   uint16 // as recorded; Records scans all chunks the file size holds
	Flags        uint32 // 0x1 dirty, 0x2 full
	ChecksumOK   bool
}

// Dirty reports the "is dirty" flag (the log was not closed cleanly).
func (h FileHeader) Dirty() bool { return h.Flags&1 != 0 }

// Full reports the "is full" flag.
func (h FileHeader) Full() bool { return h.Flags&2 != 0 }

// Problem describes damage found while reading.
type Problem struct {
	Chunk  int    // chunk index, -1 for the file header
	Offset int64  // file offset where the damage was found
	Record uint64 // record identifier when known, else 0
	Reason string
}

func (p Problem) String() string {
	s := fmt.Sprintf("chunk %d offset 0x%x", p.Chunk, p.Offset)
	if p.Chunk < 0 {
		s = fmt.Sprintf("file header offset 0x%x", p.Offset)
	}
	if p.Record != 0 {
		s += fmt.Sprintf(" record %d", p.Record)
	}
	return s + ": " + p.Reason
}

// Stats is the outcome of one Records pass.
type Stats struct {
	Chunks      int // chunks holding records, or damaged ones
	EmptyChunks int // pre-allocated or unused chunks
	Records     int // records delivered
	BadChunks   int // chunks with any damage (checksum, signature, truncation, bad records)
	BadRecords  int // records that could not be decoded (skipped)
	Problems    []Problem
	// ProblemCount counts all problems, including those beyond MaxProblems.
	ProblemCount int
}

// File reads an EVTX file. A File may be read several times but not
// concurrently.
type File struct {
	r      io.ReaderAt
	size   int64
	closer io.Closer
	header FileHeader
	hdrErr []Problem
	stats  Stats

	// Workers is the number of chunks parsed in parallel; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// Open opens the named file. Close it when done.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	f, err := NewReader(fd, st.Size())
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.closer = fd
	return f, nil
}

// NewReader reads EVTX data of the given size from r.
func NewReader(r io.ReaderAt, size int64) (*File, error) {
	f := &File{r: r, size: size}
	hdr := make([]byte, 128)
	n, _ := r.ReadAt(hdr, 0)
	if n < len(hdr) || string(hdr[:8]) != fileMagic {
		// Tolerate a destroyed file header when chunks follow.
		sig := make([]byte, 8)
		if m, _ := r.ReadAt(sig, fileHeaderSize); m < 8 || string(sig) != chunkMagic {
			return nil, ErrNotEVTX
		}
		f.hdrErr = append(f.hdrErr, Problem{Chunk: -1, Reason: "bad file header signature"})
		return f, nil
	}
	h := &f.header
	h.FirstChunk = binary.LittleEndian.Uint64(hdr[8:])
	h.LastChunk = binary.LittleEndian.Uint64(hdr[16:])
	h.NextRecordID = binary.LittleEndian.Uint64(hdr[24:])
	h.MinorVersion = binary.LittleEndian.Uint16(hdr[36:])
	h.MajorVersion = binary.LittleEndian.Uint16(hdr[38:])
	h.ChunkCount = binary.LittleEndian.Uint16(hdr[42:])
	h.Flags = binary.LittleEndian.Uint32(hdr[120:])
	h.ChecksumOK = crc32.ChecksumIEEE(hdr[:120]) == binary.LittleEndian.Uint32(hdr[124:])
	if !h.ChecksumOK {
		f.hdrErr = append(f.hdrErr, Problem{Chunk: -1, Offset: 124, Reason: "file header checksum mismatch"})
	}
	if h.MajorVersion != 3 {
		f.hdrErr = append(f.hdrErr, Problem{Chunk: -1, Offset: 38,
			Reason: fmt.Sprintf("unexpected format version %d.%d", h.MajorVersion, h.MinorVersion)})
	}
	return f, nil
}

// Close closes the file opened by Open; it does nothing for NewReader.
func (f *File) Close() error {
	if f.closer != nil {
		err := f.closer.Close()
		f.closer = nil
		return err
	}
	return nil
}

// Header returns the file header.
func (f *File) Header() FileHeader { return f.header }

// Chunks returns the number of chunk slots the file size holds (a truncated
// last chunk counts).
func (f *File) Chunks() int {
	if f.size <= fileHeaderSize {
		return 0
	}
	return int((f.size - fileHeaderSize + chunkSize - 1) / chunkSize)
}

// Stats returns the statistics of the last Records pass.
func (f *File) Stats() Stats { return f.stats }

type chunkResult struct {
	records  []*Record
	problems []Problem
	bad      bool
	badRecs  int
	nonEmpty bool
}

func (f *File) readChunk(c *chunkCtx, i int) chunkResult {
	off := int64(fileHeaderSize) + int64(i)*chunkSize
	n := chunkSize
	if rest := f.size - off; rest < int64(n) {
		n = int(rest)
	}
	c.reset(i, off, n)
	if n == chunkSize && f.unused(c.buf, off) {
		return chunkResult{}
	}
	// Read the header first; when it is intact read only up to the free
	// space offset (the rest of a chunk holds nothing the reader uses).
	want := n
	m, err := f.r.ReadAt(c.buf[:min(n, chunkHeaderSize)], off)
	if m == chunkHeaderSize && chunkHeaderOK(c.buf) {
		if free := int(binary.LittleEndian.Uint32(c.buf[48:])); free >= chunkHeaderSize && free <= n {
			want = free
		}
	}
	if m == chunkHeaderSize && want > chunkHeaderSize {
		var k int
		k, err = f.r.ReadAt(c.buf[chunkHeaderSize:want], off+chunkHeaderSize)
		m += k
	}
	if m < want {
		c.buf = c.buf[:m]
		c.avail = m
		c.bad = true
		c.problem(m, 0, "read error: %v", err)
	} else {
		c.buf = c.buf[:want]
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.bad = true
				c.problem(0, 0, "internal error: %v", r)
			}
		}()
		c.parse()
	}()
	res := chunkResult{records: c.records, problems: c.problems, bad: c.bad, badRecs: c.badRecs, nonEmpty: c.nonEmpty}
	// Drop references to delivered records before the context is reused
	// or pooled.
	c.records, c.recBlock, c.problems = nil, nil, nil
	clear(c.b.kids[:cap(c.b.kids)])
	return res
}

// unused reports whether the chunk at off is pre-allocated and never written:
// no chunk signature (all zero) and no record where the first one would be.
// It reads 8+4 bytes instead of the whole chunk.
func (f *File) unused(buf []byte, off int64) bool {
	probe := buf[:8]
	if m, _ := f.r.ReadAt(probe, off); m < 8 {
		return false
	}
	for _, c := range probe {
		if c != 0 {
			return false
		}
	}
	probe = buf[chunkHeaderSize : chunkHeaderSize+4]
	if m, _ := f.r.ReadAt(probe, off+chunkHeaderSize); m < 4 {
		return false
	}
	return string(probe) != recordMagic
}

var ctxPool = sync.Pool{New: func() any { return newChunkCtx() }}

// Records calls fn for every record in file order. Chunks are decoded in
// parallel (see Workers). Damaged chunks and records are read as far as
// possible and reported in Stats; Records itself fails only on an error
// returned by fn, which stops the pass and is returned.
func (f *File) Records(fn func(*Record) error) error {
	f.stats = Stats{}
	for _, p := range f.hdrErr {
		f.addProblem(p)
	}
	n := f.Chunks()
	if n == 0 {
		return nil
	}
	workers := f.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers == 1 {
		c := ctxPool.Get().(*chunkCtx)
		defer ctxPool.Put(c)
		for i := 0; i < n; i++ {
			if err := f.deliver(f.readChunk(c, i), fn); err != nil {
				return err
			}
		}
		return nil
	}

	results := make([]chan chunkResult, n)
	for i := range results {
		results[i] = make(chan chunkResult, 1)
	}
	jobs := make(chan int)
	done := make(chan struct{})
	window := make(chan struct{}, 2*workers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case window <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ctxPool.Get().(*chunkCtx)
			defer ctxPool.Put(c)
			for i := range jobs {
				results[i] <- f.readChunk(c, i)
			}
		}()
	}
	var err error
	for i := 0; i < n && err == nil; i++ {
		r := <-results[i]
		<-window
		err = f.deliver(r, fn)
	}
	close(done)
	wg.Wait()
	return err
}

func (f *File) addProblem(p Problem) {
	f.stats.ProblemCount++
	if len(f.stats.Problems) < MaxProblems {
		f.stats.Problems = append(f.stats.Problems, p)
	}
}

func (f *File) deliver(r chunkResult, fn func(*Record) error) error {
	if r.nonEmpty || r.bad {
		f.stats.Chunks++
	} else {
		f.stats.EmptyChunks++
	}
	if r.bad {
		f.stats.BadChunks++
	}
	f.stats.BadRecords += r.badRecs
	for _, p := range r.problems {
		f.addProblem(p)
	}
	for _, rec := range r.records {
		f.stats.Records++
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}
