package evtx

// A minimal EVTX writer for tests: it lays out file header, chunks, records
// and BinXML (templates, substitutions, names) the way the reader expects,
// with correct checksums, so tests can build exact inputs and damage them.

import (
	"encoding/binary"
	"hash/crc32"
	"unicode/utf16"
)

type tval struct {
	t    ValueType
	data []byte
}

func u16le(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32le(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64le(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func vString(s string) tval { return tval{TypeString, utf16le(s)} }

// cw writes one chunk.
type cw struct {
	b         []byte
	names     map[string]uint32
	templates map[string]uint32
	first     uint64
	last      uint64
	nrec      int
	lastRec   int
	noDep     bool // element starts without dependency id (BinXml values)
}

func newChunkWriter() *cw {
	return &cw{b: make([]byte, chunkHeaderSize), names: map[string]uint32{}, templates: map[string]uint32{}}
}

func (c *cw) u8(v byte)    { c.b = append(c.b, v) }
func (c *cw) u16(v uint16) { c.b = binary.LittleEndian.AppendUint16(c.b, v) }
func (c *cw) u32(v uint32) { c.b = binary.LittleEndian.AppendUint32(c.b, v) }

// name writes a name reference, inline the first time the name is used.
func (c *cw) name(s string) {
	if off, ok := c.names[s]; ok {
		c.u32(off)
		return
	}
	off := uint32(len(c.b) + 4)
	c.names[s] = off
	c.u32(off)
	c.u32(0) // next string offset
	c.u16(0) // hash (not checked)
	c.u16(uint16(len([]rune(s))))
	c.b = append(c.b, utf16le(s)...)
	c.u16(0)
}

// open writes an element start; the returned function closes the element
// (empty when no content was written) and patches its data size.
func (c *cw) open(name string, attrs ...func()) func(content ...func()) {
	start := len(c.b)
	tok := byte(tokOpenStart)
	if len(attrs) > 0 {
		tok |= tokMoreFlag
	}
	c.u8(tok)
	hdr := 5
	if !c.noDep {
		c.u16(0xffff)
		hdr = 7
	}
	sizeAt := len(c.b)
	c.u32(0)
	c.name(name)
	if len(attrs) > 0 {
		listAt := len(c.b)
		c.u32(0)
		for i, a := range attrs {
			t := byte(tokAttribute)
			if i < len(attrs)-1 {
				t |= tokMoreFlag
			}
			c.u8(t)
			a()
		}
		binary.LittleEndian.PutUint32(c.b[listAt:], uint32(len(c.b)-listAt-4))
	}
	return func(content ...func()) {
		if len(content) == 0 {
			c.u8(tokCloseEmpty)
		} else {
			c.u8(tokCloseStart)
			for _, f := range content {
				f()
			}
			c.u8(tokEndElement)
		}
		binary.LittleEndian.PutUint32(c.b[sizeAt:], uint32(len(c.b)-start-hdr))
	}
}

// attr returns an attribute writer: name then value tokens.
func (c *cw) attr(name string, value ...func()) func() {
	return func() {
		c.name(name)
		for _, v := range value {
			v()
		}
	}
}

func (c *cw) text(s string) func() {
	return func() {
		c.u8(tokValue)
		c.u8(byte(TypeString))
		c.u16(uint16(len(utf16.Encode([]rune(s)))))
		c.b = append(c.b, utf16le(s)...)
	}
}

func (c *cw) sub(id uint16, t ValueType) func() {
	return func() { c.u8(tokNormalSubst); c.u16(id); c.u8(byte(t)) }
}

func (c *cw) opt(id uint16, t ValueType) func() {
	return func() { c.u8(tokOptSubst); c.u16(id); c.u8(byte(t)) }
}

func (c *cw) charRef(r uint16) func() { return func() { c.u8(tokCharRef); c.u16(r) } }
func (c *cw) entityRef(n string) func() {
	return func() { c.u8(tokEntityRef); c.name(n) }
}
func (c *cw) cdata(s string) func() {
	return func() {
		c.u8(tokCDATA)
		c.u16(uint16(len(utf16.Encode([]rune(s)))))
		c.b = append(c.b, utf16le(s)...)
	}
}
func (c *cw) pi(target, data string) func() {
	return func() {
		c.u8(tokPITarget)
		c.name(target)
		c.u8(tokPIData)
		c.u16(uint16(len(utf16.Encode([]rune(data)))))
		c.b = append(c.b, utf16le(data)...)
	}
}

// elem is open(name, attrs...)(content...) in one call.
func (c *cw) elem(name string, attrs []func(), content ...func()) func() {
	return func() { c.open(name, attrs...)(content...) }
}

// instance writes a template instance. The definition (body) is written
// inline the first time key is used in the chunk and referenced later.
func (c *cw) instance(key string, body func(), vals []tval) {
	c.u8(tokTemplate)
	c.u8(1)
	c.u32(0x12345678)
	if off, ok := c.templates[key]; ok {
		c.u32(off)
	} else {
		off := uint32(len(c.b) + 4)
		c.templates[key] = off
		c.u32(off)
		c.u32(0) // next template
		guid := make([]byte, 16)
		copy(guid, key)
		c.b = append(c.b, guid...)
		sizeAt := len(c.b)
		c.u32(0)
		bodyStart := len(c.b)
		saved := c.noDep
		c.noDep = false
		c.b = append(c.b, tokFragment, 1, 1, 0)
		body()
		c.u8(tokEOF)
		c.noDep = saved
		binary.LittleEndian.PutUint32(c.b[sizeAt:], uint32(len(c.b)-bodyStart))
	}
	c.u32(uint32(len(vals)))
	for _, v := range vals {
		c.u16(uint16(len(v.data)))
		c.u8(byte(v.t))
		c.u8(0)
	}
	for _, v := range vals {
		c.b = append(c.b, v.data...)
	}
}

// binXMLValue appends a nested BinXml value (fragment header, content, EOF)
// with element starts lacking the dependency id, and returns its bytes. c
// must end where the value will be written, so that inline offsets are right.
func (c *cw) binXMLValue(write func()) []byte {
	start := len(c.b)
	saved := c.noDep
	c.noDep = true
	c.b = append(c.b, tokFragment, 1, 1, 0)
	write()
	c.u8(tokEOF)
	c.noDep = saved
	return append([]byte(nil), c.b[start:]...)
}

// clone copies the writer state.
func (c *cw) clone() *cw {
	d := *c
	d.b = append([]byte(nil), c.b...)
	d.names = map[string]uint32{}
	for k, v := range c.names {
		d.names[k] = v
	}
	d.templates = map[string]uint32{}
	for k, v := range c.templates {
		d.templates[k] = v
	}
	return &d
}

// record writes one record whose BinXML is produced by body.
func (c *cw) record(id uint64, written uint64, body func()) {
	start := len(c.b)
	c.b = append(c.b, recordMagic...)
	c.u32(0)
	c.b = binary.LittleEndian.AppendUint64(c.b, id)
	c.b = binary.LittleEndian.AppendUint64(c.b, written)
	c.b = append(c.b, tokFragment, 1, 1, 0)
	body()
	c.u8(tokEOF)
	size := uint32(len(c.b) - start + 4)
	c.u32(size)
	binary.LittleEndian.PutUint32(c.b[start+4:], size)
	if c.nrec == 0 {
		c.first = id
	}
	c.last = id
	c.nrec++
	c.lastRec = start
}

// finish pads the chunk to 64 KiB and fills the header and checksums.
func (c *cw) finish(firstNum uint64) []byte {
	free := len(c.b)
	b := make([]byte, chunkSize)
	copy(b, c.b)
	copy(b, chunkMagic)
	binary.LittleEndian.PutUint64(b[8:], firstNum)
	binary.LittleEndian.PutUint64(b[16:], firstNum+uint64(c.nrec)-1)
	binary.LittleEndian.PutUint64(b[24:], c.first)
	binary.LittleEndian.PutUint64(b[32:], c.last)
	binary.LittleEndian.PutUint32(b[40:], 128)
	binary.LittleEndian.PutUint32(b[44:], uint32(c.lastRec))
	binary.LittleEndian.PutUint32(b[48:], uint32(free))
	binary.LittleEndian.PutUint32(b[52:], crc32.ChecksumIEEE(b[chunkHeaderSize:free]))
	sum := crc32.ChecksumIEEE(b[:120])
	sum = crc32.Update(sum, crc32.IEEETable, b[128:chunkHeaderSize])
	binary.LittleEndian.PutUint32(b[124:], sum)
	return b
}

// buildFile assembles a file header and chunks (plus empty ones).
func buildFile(chunks [][]byte, empty int, nextID uint64) []byte {
	h := make([]byte, fileHeaderSize)
	copy(h, fileMagic)
	binary.LittleEndian.PutUint64(h[8:], 0)
	binary.LittleEndian.PutUint64(h[16:], uint64(max(len(chunks)-1, 0)))
	binary.LittleEndian.PutUint64(h[24:], nextID)
	binary.LittleEndian.PutUint32(h[32:], 128)
	binary.LittleEndian.PutUint16(h[36:], 1)
	binary.LittleEndian.PutUint16(h[38:], 3)
	binary.LittleEndian.PutUint16(h[40:], fileHeaderSize)
	binary.LittleEndian.PutUint16(h[42:], uint16(len(chunks)))
	binary.LittleEndian.PutUint32(h[124:], crc32.ChecksumIEEE(h[:120]))
	out := h
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, make([]byte, empty*chunkSize)...)
}

// Test event template: the usual System block plus EventData with three
// named Data elements.
//
//	0 Provider Guid (GUID)   1 EventID (UInt16)     2 Level (UInt8)
//	3 TimeCreated (FILETIME) 4 EventRecordID (UInt64) 5 Computer (String)
//	6 UserID (SID, optional) 7 Keywords (HexInt64)  8..10 Data (any)
func (c *cw) stdEvent(id uint64, data [3]tval) {
	c.instance("std-event-tmpl", func() {
		c.open("Event", c.attr("xmlns", c.text("http://schemas.microsoft.com/win/2004/08/events/event")))(
			c.elem("System", nil,
				c.elem("Provider", []func(){c.attr("Name", c.text("Test-Provider")), c.attr("Guid", c.sub(0, TypeGUID))}),
				c.elem("EventID", []func(){c.attr("Qualifiers", c.opt(11, TypeUInt16))}, c.sub(1, TypeUInt16)),
				c.elem("Level", nil, c.sub(2, TypeUInt8)),
				c.elem("Keywords", nil, c.sub(7, TypeHexInt64)),
				c.elem("TimeCreated", []func(){c.attr("SystemTime", c.sub(3, TypeFileTime))}),
				c.elem("EventRecordID", nil, c.sub(4, TypeUInt64)),
				c.elem("Channel", nil, c.text("Test/Operational")),
				c.elem("Computer", nil, c.sub(5, TypeString)),
				c.elem("Security", []func(){c.attr("UserID", c.opt(6, TypeSID))}),
			),
			c.elem("EventData", nil,
				c.elem("Data", []func(){c.attr("Name", c.text("First"))}, c.sub(8, TypeString)),
				c.elem("Data", []func(){c.attr("Name", c.text("Second"))}, c.opt(9, TypeString)),
				c.elem("Data", []func(){c.attr("Name", c.text("Third"))}, c.sub(10, TypeString)),
			),
		)
	}, []tval{
		{TypeGUID, []byte{0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43, 0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9}},
		{TypeUInt16, u16le(uint16(4000 + id%100))},
		{TypeUInt8, []byte{4}},
		{TypeFileTime, u64le(132567000000000000 + id*10000000)},
		{TypeUInt64, u64le(id)},
		vString("host.example"),
		{TypeSID, []byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}},
		{TypeHexInt64, u64le(0x8020000000000000)},
		data[0], data[1], data[2],
		{TypeNull, nil},
	})
}

// stdFile builds a file of nChunks chunks with perChunk standard events
// each (record IDs from 1), plus one empty pre-allocated chunk.
func stdFile(nChunks, perChunk int) []byte {
	var chunks [][]byte
	id := uint64(1)
	for i := 0; i < nChunks; i++ {
		c := newChunkWriter()
		first := id
		for j := 0; j < perChunk; j++ {
			c.record(id, 132567000000000000+id, func() {
				c.stdEvent(id, [3]tval{vString("a" + string(rune('A'+j%26))), {TypeNull, nil}, {TypeUInt32, u32le(uint32(id))}})
			})
			id++
		}
		chunks = append(chunks, c.finish(first))
	}
	return buildFile(chunks, 1, id)
}
