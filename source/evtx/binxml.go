package evtx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// BinXML tokens (the 0x40 bit is the "more data" / "has attributes" flag).
const (
	tokEOF          = 0x00
	tokOpenStart    = 0x01
	tokCloseStart   = 0x02
	tokCloseEmpty   = 0x03
	tokEndElement   = 0x04
	tokValue        = 0x05
	tokAttribute    = 0x06
	tokCDATA        = 0x07
	tokCharRef      = 0x08
	tokEntityRef    = 0x09
	tokPITarget     = 0x0a
	tokPIData       = 0x0b
	tokTemplate     = 0x0c
	tokNormalSubst  = 0x0d
	tokOptSubst     = 0x0e
	tokFragment     = 0x0f
	tokMoreFlag     = 0x40
	maxParseDepth   = 64
	templateHdrSize = 24 // next-offset, GUID, data size
)

var errTruncated = errors.New("BinXML runs past the end of its data")

type itemKind uint8

const (
	kText     itemKind = iota // literal text (value text, char/entity refs)
	kCDATA                    // CDATA section text
	kSubst                    // normal substitution
	kOptSubst                 // optional substitution
	kElem                     // child element
	kPI                       // processing instruction
	kInstance                 // template instance with its own values
)

// item is one piece of compiled BinXML content.
type item struct {
	kind  itemKind
	vtype ValueType // declared type of a substitution
	id    uint16    // substitution index
	// Value text, CDATA and PI data stay UTF-16 in the chunk (off, n bytes)
	// and are decoded straight into the record's text; n == 0 means text.
	off, n int32
	text   string // character/entity reference text; PI target
	elem   *elem
	inst   *instance
}

type elem struct {
	name    string
	attrs   []attr
	content []item
	// hasSubst is set when content has substitution items (array values
	// in content repeat the element, see builder.elem); firstSubst is the
	// index of the first.
	hasSubst   bool
	firstSubst int32
}

type attr struct {
	name  string
	value []item
}

// template is a compiled template definition.
type template struct {
	items []item
	elems int // element count, an allocation hint
	attrs int
	guid  [16]byte
	templateHint
}

// templateHint holds the largest totals seen for records whose top-level
// template this is (nested values included), kept per template GUID across
// chunks: one block allocation per record.
type templateHint struct {
	recNodes, recAttrs, recText int
}

// value is a substitution value: its type and where its data lies in the
// chunk (no pointers, so value slices cost the GC nothing).
type value struct {
	t   ValueType
	off int32
	n   int32
}

type instance struct {
	t      *template
	values []value
}

// parser reads BinXML tokens from the chunk buffer between pos and end.
// Positions are chunk offsets, which is what name and template offsets refer
// to.
type parser struct {
	c     *chunkCtx
	pos   int
	end   int
	noDep bool // element starts lack the dependency id (BinXml values, type 0x21)
	// decode turns value text into (interned) strings at parse time; set
	// when compiling templates, whose text is instantiated many times.
	decode bool
	depth  int
	err    error
	elems  int
	attrs  int
}

func (p *parser) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *parser) failf(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

func (p *parser) need(n int) bool {
	if p.err != nil {
		return false
	}
	if n < 0 || p.pos+n > p.end {
		p.fail(errTruncated)
		return false
	}
	return true
}

func (p *parser) u8() byte {
	if !p.need(1) {
		return 0
	}
	v := p.c.buf[p.pos]
	p.pos++
	return v
}

func (p *parser) peek() (byte, bool) {
	if p.err != nil || p.pos >= p.end {
		return 0, false
	}
	return p.c.buf[p.pos], true
}

func (p *parser) u16() uint16 {
	if !p.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(p.c.buf[p.pos:])
	p.pos += 2
	return v
}

func (p *parser) u32() uint32 {
	if !p.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(p.c.buf[p.pos:])
	p.pos += 4
	return v
}

func (p *parser) skip(n int) {
	if p.need(n) {
		p.pos += n
	}
}

// utf16Text reads a character count and returns the chunk offset and byte
// length of that many UTF-16 code units.
func (p *parser) utf16Text() (int32, int32) {
	n := 2 * int(p.u16())
	off := p.pos
	p.skip(n)
	if p.err != nil {
		return 0, 0
	}
	return int32(off), int32(n)
}

// name reads a name reference; the name is stored inline when its offset is
// the current position.
func (p *parser) name() string {
	off := p.u32()
	if p.err != nil {
		return ""
	}
	s, size, err := p.c.name(off)
	if err != nil {
		p.fail(err)
		return ""
	}
	if int(off) == p.pos {
		p.skip(size)
	}
	return s
}

// doc parses a document or fragment: fragment headers, elements, template
// instances and PIs up to an EOF token or the end of the data.
func (p *parser) doc() []item {
	var items []item
	for p.err == nil && p.pos < p.end {
		tok := p.u8()
		switch tok {
		case tokEOF:
			return items
		case tokFragment:
			p.skip(3)
		case tokOpenStart, tokOpenStart | tokMoreFlag:
			if e := p.element(tok); e != nil {
				items = append(items, item{kind: kElem, elem: e})
			}
		case tokTemplate:
			if in := p.instance(); in != nil {
				items = append(items, item{kind: kInstance, inst: in})
			}
		case tokPITarget:
			items = append(items, p.pi())
		case tokValue, tokValue | tokMoreFlag, tokNormalSubst, tokOptSubst,
			tokCharRef, tokCharRef | tokMoreFlag, tokEntityRef, tokEntityRef | tokMoreFlag,
			tokCDATA, tokCDATA | tokMoreFlag:
			p.pos--
			if it, ok := p.textItem(); ok {
				items = append(items, it)
			}
		default:
			p.failf("unexpected BinXML token 0x%02x at chunk offset 0x%x", tok, p.pos-1)
		}
	}
	return items
}

func (p *parser) pi() item {
	it := item{kind: kPI, text: p.name()}
	if b, ok := p.peek(); ok && b == tokPIData {
		p.pos++
		it.off, it.n = p.utf16Text()
	}
	return it
}

// textItem parses one value, substitution, reference or CDATA token.
func (p *parser) textItem() (item, bool) {
	tok := p.u8()
	switch tok &^ tokMoreFlag {
	case tokValue:
		p.u8() // value type, always a string
		it := item{kind: kText}
		it.off, it.n = p.utf16Text()
		if p.decode && p.err == nil {
			it.text = p.c.internText(p.c.buf[it.off : it.off+it.n])
			it.off, it.n = 0, 0
		}
		return it, p.err == nil
	case tokNormalSubst, tokOptSubst:
		id := p.u16()
		vt := ValueType(p.u8())
		k := kSubst
		if tok&^tokMoreFlag == tokOptSubst {
			k = kOptSubst
		}
		return item{kind: k, id: id, vtype: vt}, p.err == nil
	case tokCharRef:
		r := rune(p.u16())
		if !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return item{kind: kText, text: string(r)}, p.err == nil
	case tokEntityRef:
		n := p.name()
		return item{kind: kText, text: entity(n)}, p.err == nil
	case tokCDATA:
		it := item{kind: kCDATA}
		it.off, it.n = p.utf16Text()
		return it, p.err == nil
	}
	p.failf("unexpected BinXML token 0x%02x at chunk offset 0x%x", tok, p.pos-1)
	return item{}, false
}

// pool hands out slices of T from blocks that are reused for every chunk:
// compiled templates live only as long as their chunk, and records never
// point into them.
type pool[T any] struct {
	blocks [][]T
	bi     int
	pos    int
}

func (p *pool[T]) alloc(n int) []T {
	for {
		if p.bi < len(p.blocks) {
			b := p.blocks[p.bi]
			if p.pos+n <= len(b) {
				s := b[p.pos : p.pos+n : p.pos+n]
				p.pos += n
				clear(s)
				return s
			}
			p.bi++
			p.pos = 0
			continue
		}
		p.blocks = append(p.blocks, make([]T, max(n, 512)))
	}
}

func (p *pool[T]) clone(src []T) []T {
	if len(src) == 0 {
		return nil
	}
	s := p.alloc(len(src))
	copy(s, src)
	return s
}

func (p *pool[T]) reset() { p.bi, p.pos = 0, 0 }

func entity(name string) string {
	switch name {
	case "amp":
		return "&"
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "quot":
		return "\""
	case "apos":
		return "'"
	}
	return "&" + name + ";"
}

// element parses an element after its open-start token.
func (p *parser) element(tok byte) *elem {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		p.failf("BinXML elements nested deeper than %d", maxParseDepth)
		return nil
	}
	if p.hasDep() {
		p.skip(2) // dependency identifier
	}
	p.skip(4) // data size
	e := &p.c.elemPool.alloc(1)[0]
	e.name = p.name()
	p.elems++
	if tok&tokMoreFlag != 0 {
		p.skip(4) // attribute list size
	}
	// Items and attributes collect on the chunk's scratch stacks and are
	// copied out once, sized exactly.
	c := p.c
	abase, ibase := len(c.astack), len(c.istack)
	defer func() {
		c.astack = c.astack[:abase]
		c.istack = c.istack[:ibase]
	}()
	for p.err == nil {
		b, ok := p.peek()
		if !ok || b&^tokMoreFlag != tokAttribute {
			break
		}
		p.pos++
		a := attr{name: p.name()}
	values:
		for p.err == nil {
			b, ok := p.peek()
			if !ok {
				break
			}
			switch b &^ tokMoreFlag {
			case tokValue, tokNormalSubst, tokOptSubst, tokCharRef, tokEntityRef:
				if it, ok := p.textItem(); ok {
					c.istack = append(c.istack, it)
				}
			default:
				break values
			}
		}
		a.value = c.itemPool.clone(c.istack[ibase:])
		c.istack = c.istack[:ibase]
		c.astack = append(c.astack, a)
		p.attrs++
	}
	e.attrs = c.attrPool.clone(c.astack[abase:])
	switch t := p.u8(); t {
	case tokCloseEmpty:
		return e
	case tokCloseStart:
	default:
		if p.err == nil {
			p.failf("expected close of start element, got token 0x%02x at chunk offset 0x%x", t, p.pos-1)
		}
		return nil
	}
	for p.err == nil {
		tok := p.u8()
		switch tok {
		case tokEndElement:
			e.content = c.itemPool.clone(c.istack[ibase:])
			return e
		case tokOpenStart, tokOpenStart | tokMoreFlag:
			if ch := p.element(tok); ch != nil {
				c.istack = append(c.istack, item{kind: kElem, elem: ch})
			}
		case tokTemplate:
			if in := p.instance(); in != nil {
				c.istack = append(c.istack, item{kind: kInstance, inst: in})
			}
		case tokPITarget:
			c.istack = append(c.istack, p.pi())
		case tokEOF:
			p.failf("BinXML ends inside element <%s>", e.name)
		default:
			p.pos--
			if it, ok := p.textItem(); ok {
				if (it.kind == kSubst || it.kind == kOptSubst) && !e.hasSubst {
					e.hasSubst = true
					e.firstSubst = int32(len(c.istack) - ibase)
				}
				c.istack = append(c.istack, it)
			}
		}
	}
	return nil
}

// hasDep decides whether the element start at p.pos carries the 2-byte
// dependency identifier. Template definitions have it and BinXml (0x21)
// values do not, but records written without templates (plain BinXML, seen
// in several sample logs) lack it too, so both layouts are scored: a name
// offset equal to the position right after it (inline name) or naming an
// already seen name, and the element's data size ending on an end-element
// or close-empty token.
func (p *parser) hasDep() bool {
	dep := p.layoutScore(p.pos+2, 6)
	nodep := p.layoutScore(p.pos, 4)
	if dep != nodep {
		return dep > nodep
	}
	return !p.noDep
}

func (p *parser) layoutScore(sizeAt, hdr int) int {
	buf := p.c.buf
	if sizeAt+8 > p.end {
		return -1
	}
	score := 0
	nameAt := sizeAt + 4
	off := int(binary.LittleEndian.Uint32(buf[nameAt:]))
	if off == nameAt+4 {
		score += 4
	} else if _, ok := p.c.names[uint32(off)]; ok {
		score += 3
	} else if off >= p.end || off > nameAt {
		score -= 2
	}
	size := int(binary.LittleEndian.Uint32(buf[sizeAt:]))
	last := p.pos + hdr + size - 1
	if size > 0 && last < p.end && last < len(buf) && (buf[last] == tokEndElement || buf[last] == tokCloseEmpty) {
		score += 2
	}
	return score
}

// instance parses a template instance after its token: the template
// reference (with the definition inline when its offset is the current
// position), the value descriptors and the values.
func (p *parser) instance() *instance {
	t, vals := p.instanceValues(nil)
	if p.err != nil {
		return nil
	}
	return &instance{t: t, values: vals}
}

// instanceValues parses a template instance after its token and appends its
// values to dst.
func (p *parser) instanceValues(dst []value) (*template, []value) {
	p.skip(1) // unknown, 0x01
	p.skip(4) // template identifier
	defOff := p.u32()
	if p.err != nil {
		return nil, dst
	}
	if int(defOff) == p.pos {
		p.skip(templateHdrSize - 4)
		size := int(p.u32())
		p.skip(size)
	}
	if p.err != nil {
		return nil, dst
	}
	t, err := p.c.template(defOff, p.depth)
	if err != nil {
		p.fail(err)
		return nil, dst
	}
	n := int(p.u32())
	if !p.need(4 * n) {
		return nil, dst
	}
	buf := p.c.buf
	desc := p.pos
	pos := desc + 4*n
	for i := 0; i < n; i++ {
		d := desc + 4*i
		size := int(binary.LittleEndian.Uint16(buf[d:]))
		if pos+size > p.end {
			p.fail(errTruncated)
			return nil, dst
		}
		dst = append(dst, value{t: ValueType(buf[d+2]), off: int32(pos), n: int32(size)})
		pos += size
	}
	p.pos = pos
	return t, dst
}
