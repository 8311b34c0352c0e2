package evtx

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

const (
	fileHeaderSize   = 4096
	chunkSize        = 0x10000
	chunkHeaderSize  = 512
	recordHeaderSize = 24
	recordMagic      = "**\x00\x00"
	chunkMagic       = "ElfChnk\x00"
	fileMagic        = "ElfFile\x00"
)

// chunkCtx holds the per-chunk state: the chunk bytes and the name and
// template caches (names and templates are defined once per chunk and
// referenced by chunk offset). A worker reuses one chunkCtx for many chunks.
type chunkCtx struct {
	buf       []byte // chunk bytes read (may stop at the free space offset)
	avail     int    // chunk bytes present in the file (< chunkSize: truncated)
	index     int
	base      int64 // file offset of the chunk
	names     map[uint32]string
	templates map[uint32]*template
	failed    map[uint32]error
	compiling map[uint32]bool
	scratch   []byte
	istack    []item // parser scratch stacks
	astack    []attr
	elemPool  pool[elem]
	itemPool  pool[item]
	attrPool  pool[attr]
	tmplPool  pool[template]
	intern    map[string]string         // UTF-16 name bytes -> name, across chunks
	hints     map[[16]byte]templateHint // by template GUID, across chunks
	b         builder

	records  []*Record
	recBlock []Record
	// Expansion budgets left for the chunk (see maxChunkNodes).
	nodesLeft int
	textLeft  int
	problems  []Problem
	bad       bool
	badRecs   int
	nonEmpty  bool
}

func newChunkCtx() *chunkCtx {
	c := &chunkCtx{
		buf:       make([]byte, chunkSize),
		names:     make(map[uint32]string),
		templates: make(map[uint32]*template),
		failed:    make(map[uint32]error),
		compiling: make(map[uint32]bool),
		intern:    make(map[string]string),
		hints:     make(map[[16]byte]templateHint),
	}
	c.b.c = c
	return c
}

func (c *chunkCtx) reset(index int, base int64, n int) {
	c.buf = c.buf[:n]
	c.avail = n
	c.index = index
	c.base = base
	clear(c.names)
	clear(c.templates)
	clear(c.failed)
	clear(c.compiling)
	c.elemPool.reset()
	c.itemPool.reset()
	c.attrPool.reset()
	c.tmplPool.reset()
	if len(c.intern) > 1<<14 {
		clear(c.intern)
	}
	if len(c.hints) > 1<<12 {
		clear(c.hints)
	}
	c.records = nil
	c.recBlock = nil
	c.nodesLeft = maxChunkNodes
	c.textLeft = maxChunkText
	c.problems = nil
	c.bad = false
	c.badRecs = 0
	c.nonEmpty = false
}

func (c *chunkCtx) problem(off int, rec uint64, format string, args ...any) {
	c.problems = append(c.problems, Problem{
		Chunk:  c.index,
		Offset: c.base + int64(off),
		Record: rec,
		Reason: fmt.Sprintf(format, args...),
	})
}

// decode converts UTF-16LE bytes to a string.
func (c *chunkCtx) decode(b []byte) string {
	c.scratch = appendUTF16(c.scratch[:0], b)
	return string(c.scratch)
}

// name returns the name stored at chunk offset off and its encoded size.
func (c *chunkCtx) name(off uint32) (string, int, error) {
	o := int(off)
	if o+8 > len(c.buf) || o < 0 {
		return "", 0, fmt.Errorf("name offset 0x%x outside the chunk", off)
	}
	n := int(binary.LittleEndian.Uint16(c.buf[o+6:]))
	size := 8 + 2*n + 2
	if o+8+2*n > len(c.buf) {
		return "", 0, fmt.Errorf("name at chunk offset 0x%x runs past the chunk", off)
	}
	if s, ok := c.names[off]; ok {
		return s, size, nil
	}
	s := c.internText(c.buf[o+8 : o+8+2*n])
	c.names[off] = s
	return s, size, nil
}

// internText decodes UTF-16 text through the intern table (template
// literals such as Data Name values repeat across chunks and records).
func (c *chunkCtx) internText(raw []byte) string {
	if len(raw) > 256 {
		return c.decode(raw)
	}
	s, ok := c.intern[string(raw)]
	if !ok {
		s = c.decode(raw)
		c.intern[string(raw)] = s
	}
	return s
}

// template returns the compiled template whose definition starts at chunk
// offset off (the 24-byte definition header followed by its BinXML).
func (c *chunkCtx) template(off uint32, depth int) (*template, error) {
	if t, ok := c.templates[off]; ok {
		return t, nil
	}
	if err, ok := c.failed[off]; ok {
		return nil, err
	}
	if c.compiling[off] || depth > maxParseDepth {
		return nil, fmt.Errorf("template at chunk offset 0x%x refers to itself", off)
	}
	o := int(off)
	if o < 0 || o+templateHdrSize > len(c.buf) {
		err := fmt.Errorf("template offset 0x%x outside the chunk", off)
		c.failed[off] = err
		return nil, err
	}
	size := int(binary.LittleEndian.Uint32(c.buf[o+20:]))
	start := o + templateHdrSize
	end := start + size
	if end > len(c.buf) || size < 0 {
		err := fmt.Errorf("template at chunk offset 0x%x (size %d) runs past the chunk", off, size)
		c.failed[off] = err
		return nil, err
	}
	c.compiling[off] = true
	p := parser{c: c, pos: start, end: end, depth: depth, decode: true}
	items := p.doc()
	delete(c.compiling, off)
	if p.err != nil {
		err := fmt.Errorf("template at chunk offset 0x%x: %w", off, p.err)
		c.failed[off] = err
		return nil, err
	}
	t := &c.tmplPool.alloc(1)[0]
	*t = template{items: items, elems: p.elems, attrs: p.attrs}
	copy(t.guid[:], c.buf[o+4:o+20])
	t.templateHint = c.hints[t.guid]
	c.templates[off] = t
	return t, nil
}

// recHint estimates how many records remain in the chunk, from the header's
// record numbers (bounded: a record takes at least 28 bytes).
func (c *chunkCtx) recHint() int {
	n := 16
	if len(c.buf) >= 24 {
		first := binary.LittleEndian.Uint64(c.buf[8:])
		last := binary.LittleEndian.Uint64(c.buf[16:])
		if last >= first && last-first < chunkSize/32 {
			n = int(last-first) + 1 - len(c.records)
		}
	}
	return max(n, 4)
}

// chunkHeaderOK checks the chunk signature and header checksum (CRC32 of
// bytes 0-120 and 128-512).
func chunkHeaderOK(buf []byte) bool {
	if len(buf) < chunkHeaderSize || string(buf[:8]) != chunkMagic {
		return false
	}
	sum := crc32.ChecksumIEEE(buf[:120])
	sum = crc32.Update(sum, crc32.IEEETable, buf[128:chunkHeaderSize])
	return sum == binary.LittleEndian.Uint32(buf[124:])
}

// parse reads the records of the chunk in c.buf.
func (c *chunkCtx) parse() {
	buf := c.buf
	if c.avail < chunkSize {
		c.bad = true
		c.problem(c.avail, 0, "chunk truncated at %d of %d bytes", c.avail, chunkSize)
	}
	if len(buf) < chunkHeaderSize+recordHeaderSize {
		return
	}
	headerOK := false
	free := len(buf)
	if string(buf[:8]) != chunkMagic {
		if string(buf[chunkHeaderSize:chunkHeaderSize+4]) != recordMagic {
			if string(buf[:8]) == "\x00\x00\x00\x00\x00\x00\x00\x00" {
				return // pre-allocated, never used
			}
			c.bad = true
			c.problem(0, 0, "bad chunk signature")
			return
		}
		c.bad = true
		c.problem(0, 0, "bad chunk signature; scanning for records")
	} else {
		if !chunkHeaderOK(buf) {
			c.bad = true
			c.problem(124, 0, "chunk header checksum mismatch")
		} else {
			headerOK = true
		}
		f := int(binary.LittleEndian.Uint32(buf[48:]))
		if f >= chunkHeaderSize && f <= len(buf) {
			if headerOK {
				free = f
			}
			if crc32.ChecksumIEEE(buf[chunkHeaderSize:f]) != binary.LittleEndian.Uint32(buf[52:]) {
				c.bad = true
				c.problem(52, 0, "event records checksum mismatch")
			}
		} else {
			c.bad = true
			c.problem(48, 0, "free space offset 0x%x out of range", f)
		}
	}
	pos := chunkHeaderSize
	for pos+recordHeaderSize <= free {
		if string(buf[pos:pos+4]) != recordMagic {
			if headerOK {
				c.bad = true
				c.problem(pos, 0, "bad record signature before the free space offset")
			}
			break
		}
		size := int(binary.LittleEndian.Uint32(buf[pos+4:]))
		id := binary.LittleEndian.Uint64(buf[pos+8:])
		if size < recordHeaderSize+4 || pos+size > len(buf) {
			c.bad = true
			c.badRecs++
			c.problem(pos, id, "record size %d out of range", size)
			break
		}
		c.nonEmpty = true
		if binary.LittleEndian.Uint32(buf[pos+size-4:]) != uint32(size) {
			c.bad = true
			c.badRecs++
			c.problem(pos, id, "record size %d does not match its copy", size)
			pos += size
			continue
		}
		root, err := c.b.record(pos+recordHeaderSize, pos+size-4)
		if err != nil {
			c.bad = true
			c.badRecs++
			c.problem(pos, id, "record %d: %v", id, err)
		} else {
			if len(c.recBlock) == 0 {
				c.recBlock = make([]Record, c.recHint())
			}
			r := &c.recBlock[0]
			c.recBlock = c.recBlock[1:]
			*r = Record{
				ID:     id,
				Time:   FileTime(binary.LittleEndian.Uint64(buf[pos+16:])),
				Chunk:  c.index,
				Offset: c.base + int64(pos),
				Root:   root,
			}
			c.records = append(c.records, r)
		}
		pos += size
	}
	if len(c.records) > 0 {
		c.nonEmpty = true
	}
}
