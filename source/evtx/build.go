package evtx

import (
	"errors"
	"fmt"
	"unsafe"
)

const (
	maxBuildDepth = 128
	// Expansion budgets (templates can reference a value many times and
	// nest): per record and per chunk, nodes (plus nested-BinXML parses)
	// and bytes of text. Real records stay far below (a record is at most
	// 64 KiB).
	maxRecordNodes  = 1 << 16
	maxRecordText   = 2 << 20
	maxChunkNodes   = 1 << 20
	maxChunkText    = 32 << 20
	arraySeparator  = ", "
	minNodeBlock    = 16
	errBudgetReason = "record expands beyond its budget of %d nodes"
)

var errNoElement = errors.New("record holds no element")

// patch fills a string field from the record's text arena once the arena is
// turned into one string (one allocation per record for all its text).
type patch struct {
	p          *string
	start, end int32
	add        bool // append to the field instead of setting it
}

// builder instantiates compiled templates with substitution values into a
// Node tree. Nodes, attributes and child slices come from per-record blocks.
type builder struct {
	c         *chunkCtx
	arena     []byte
	patches   []patch
	nodes     []Node
	attrs     []Attr
	ptrs      []*Node
	kids      []*Node
	vals      []value // values of the template instances being built
	textLimit int
	top       *template
	nNodes    int
	nAttrs    int
	budget    int
	depth     int
	err       error

	// While an element is repeated for the items of an array value, lookups
	// of that value (ovPtr) yield the current item.
	ovPtr  *value
	ovItem []byte
	ovType ValueType
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *builder) failf(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf(format, args...)
	}
}

// record parses the BinXML of one record (chunk offsets start..end) and
// returns its root element.
func (b *builder) record(start, end int) (*Node, error) {
	b.arena = nil
	b.top = nil
	b.nNodes, b.nAttrs = 0, 0
	b.patches = b.patches[:0]
	b.kids = b.kids[:0]
	b.vals = b.vals[:0]
	b.nodes, b.attrs, b.ptrs = nil, nil, nil
	b.budget = min(maxRecordNodes, b.c.nodesLeft)
	b.textLimit = min(maxRecordText, b.c.textLeft)
	b.depth = 0
	b.err = nil
	b.ovPtr = nil
	budget := b.budget
	b.fragment(nil, start, end, false)
	b.checkText()
	b.c.nodesLeft -= budget - max(b.budget, 0)
	b.c.textLeft -= len(b.arena)
	if b.err != nil {
		return nil, b.err
	}
	var root *Node
	for _, n := range b.kids {
		if n.Kind == ElementNode {
			root = n
			break
		}
	}
	if root == nil {
		return nil, errNoElement
	}
	if t := b.top; t != nil && (b.nNodes != t.recNodes || b.nAttrs != t.recAttrs || len(b.arena) != t.recText) {
		// What the last record with this template needed (records sharing
		// an outer template differ in their nested payload).
		t.recNodes = b.nNodes
		t.recAttrs = b.nAttrs
		t.recText = len(b.arena)
		b.c.hints[t.guid] = t.templateHint
	}
	if len(b.arena) > 0 {
		// The arena is fresh per record and never written again, so it
		// can back the record's strings without a copy.
		s := unsafe.String(unsafe.SliceData(b.arena), len(b.arena))
		b.arena = nil
		for _, pt := range b.patches {
			if pt.add {
				*pt.p += s[pt.start:pt.end]
			} else {
				*pt.p = s[pt.start:pt.end]
			}
		}
	}
	return root, nil
}

// fragment builds the BinXML fragment at chunk offsets [pos,end): template
// instances are instantiated as they are read, with their values on b.vals;
// anything else goes through the generic parser. noDep is the default for
// element starts (see parser.hasDep); for BinXml values a parse failure is
// retried with the other default.
func (b *builder) fragment(n *Node, pos, end int, noDep bool) {
	p := parser{c: b.c, pos: pos, end: end, noDep: noDep, depth: b.depth}
	for p.err == nil && p.pos < p.end && b.err == nil {
		switch tok := p.u8(); tok {
		case tokEOF:
			return
		case tokFragment:
			p.skip(3)
		case tokTemplate:
			base := len(b.vals)
			t, vals := p.instanceValues(b.vals)
			b.vals = vals
			if p.err == nil {
				b.reserve(t)
				b.content(n, t.items, vals[base:])
			}
			b.vals = b.vals[:base]
			if next, ok := p.peek(); ok && p.err == nil && b.err == nil {
				switch next {
				case tokEOF, tokFragment, tokTemplate, tokPITarget, tokOpenStart, tokOpenStart | tokMoreFlag:
				default:
					return // slack after the instance
				}
			}
		default:
			p.pos--
			at := p.pos
			items := p.doc()
			if p.err != nil && noDep {
				p = parser{c: b.c, pos: at, end: end, depth: b.depth}
				items = p.doc()
			}
			if p.err == nil {
				b.content(n, items, nil)
			}
			if p.err == nil {
				return // doc stops at EOF; bytes after it are slack
			}
		}
	}
	if p.err != nil {
		b.fail(p.err)
	}
}

// reserve makes room for a template's nodes in the current blocks. For the
// record's top-level template it reserves what earlier records with that
// template needed in all (nested values included).
func (b *builder) reserve(t *template) {
	nodes, attrs := t.elems, t.attrs
	if b.top == nil {
		b.top = t
		nodes, attrs = max(nodes, t.recNodes), max(attrs, t.recAttrs)
		if b.arena == nil {
			b.arena = make([]byte, 0, max(t.recText+t.recText/8, 128))
		}
	}
	if len(b.nodes) < nodes {
		b.nodes = make([]Node, nodes)
	}
	if len(b.attrs) < attrs {
		b.attrs = make([]Attr, attrs)
	}
	if len(b.ptrs) < nodes {
		b.ptrs = make([]*Node, nodes)
	}
}

// checkText fails the record once its text exceeds the budget.
func (b *builder) checkText() {
	if len(b.arena) > b.textLimit && b.err == nil {
		b.failf("record text exceeds its budget of %d bytes", b.textLimit)
	}
}

func (b *builder) newNode() *Node {
	b.nNodes++
	if len(b.nodes) == 0 {
		b.nodes = make([]Node, minNodeBlock)
	}
	n := &b.nodes[0]
	b.nodes = b.nodes[1:]
	return n
}

func (b *builder) newAttrs(n int) []Attr {
	b.nAttrs += n
	if len(b.attrs) < n {
		b.attrs = make([]Attr, max(n, minNodeBlock))
	}
	s := b.attrs[:n:n]
	b.attrs = b.attrs[n:]
	return s
}

func (b *builder) newPtrs(src []*Node) []*Node {
	n := len(src)
	if len(b.ptrs) < n {
		b.ptrs = make([]*Node, max(n, minNodeBlock))
	}
	s := b.ptrs[:n:n]
	b.ptrs = b.ptrs[n:]
	copy(s, src)
	return s
}

func (b *builder) setText(p *string, start int, add bool) {
	if len(b.arena) > start {
		b.patches = append(b.patches, patch{p: p, start: int32(start), end: int32(len(b.arena)), add: add})
	}
}

// vref is a resolved substitution value.
type vref struct {
	t    ValueType
	off  int // chunk offset of data
	data []byte
}

func (b *builder) val(vals []value, id uint16) vref {
	if int(id) >= len(vals) {
		return vref{}
	}
	v := &vals[id]
	if v == b.ovPtr {
		return vref{t: b.ovType, data: b.ovItem}
	}
	return vref{t: v.t, off: int(v.off), data: b.c.buf[v.off : v.off+v.n : v.off+v.n]}
}

// appendValue renders a non-BinXML value; array items are joined.
func (b *builder) appendValue(v vref) {
	if v.t == TypeString {
		b.arena = appendUTF16(b.arena, v.data)
		return
	}
	if v.t&TypeArray == 0 {
		b.arena = appendScalar(b.arena, v.t, v.data)
		return
	}
	for i, x := range splitArray(v.t, v.data) {
		if i > 0 {
			b.arena = append(b.arena, arraySeparator...)
		}
		b.arena = appendScalar(b.arena, v.t&^TypeArray, x)
	}
}

// content builds top-level items (of a record, template or nested
// fragment): elements go to b.kids, text is appended to n's text if n is
// not nil.
func (b *builder) content(n *Node, items []item, vals []value) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxBuildDepth {
		b.failf("templates nested deeper than %d", maxBuildDepth)
		return
	}
	for i := range items {
		if b.err != nil {
			return
		}
		it := &items[i]
		switch it.kind {
		case kElem:
			b.elem(it.elem, vals)
		case kInstance:
			b.content(n, it.inst.t.items, it.inst.values)
		case kPI:
			b.pi(it)
		case kText, kCDATA:
			if n != nil {
				start := len(b.arena)
				b.appendText(it)
				b.setText(&n.Text, start, true)
			}
		case kSubst, kOptSubst:
			v := b.val(vals, it.id)
			if v.t == TypeBinXML {
				b.nested(n, v)
			} else if n != nil {
				start := len(b.arena)
				b.appendValue(v)
				b.setText(&n.Text, start, true)
				b.checkText()
			}
		}
	}
}

func (b *builder) pi(it *item) {
	n := b.newNode()
	n.Kind = PINode
	n.Name = it.text
	start := len(b.arena)
	b.appendText(it)
	b.setText(&n.Text, start, false)
	b.kids = append(b.kids, n)
}

// appendText appends the text of a text, CDATA or PI item.
func (b *builder) appendText(it *item) {
	if it.n > 0 {
		b.arena = appendUTF16(b.arena, b.c.buf[it.off:it.off+it.n])
	} else {
		b.arena = append(b.arena, it.text...)
	}
}

// nested builds a BinXml (0x21) substitution value: a fragment whose element
// starts carry no dependency id (retried with one if that fails to parse).
func (b *builder) nested(n *Node, v vref) {
	b.budget--
	if b.budget < 0 {
		b.failf(errBudgetReason, maxRecordNodes)
		return
	}
	if len(v.data) == 0 {
		return
	}
	b.fragment(n, v.off, v.off+len(v.data), true)
}

// elem builds element e; an array value substituted in its content repeats
// the element once per array item (an empty array gives one empty element).
func (b *builder) elem(e *elem, vals []value) {
	if e.hasSubst {
		for i := int(e.firstSubst); i < len(e.content); i++ {
			it := &e.content[i]
			if (it.kind != kSubst && it.kind != kOptSubst) || int(it.id) >= len(vals) {
				continue
			}
			vp := &vals[it.id]
			if vp.t&TypeArray == 0 || vp == b.ovPtr {
				continue
			}
			items := splitArray(vp.t, b.c.buf[vp.off:vp.off+vp.n])
			savePtr, saveItem, saveType := b.ovPtr, b.ovItem, b.ovType
			b.ovPtr, b.ovType = vp, vp.t&^TypeArray
			if len(items) == 0 {
				b.ovItem = nil
				b.elem1(e, vals)
			}
			for _, x := range items {
				b.ovItem = x
				b.elem1(e, vals)
				if b.err != nil {
					break
				}
			}
			b.ovPtr, b.ovItem, b.ovType = savePtr, saveItem, saveType
			return
		}
	}
	b.elem1(e, vals)
}

func (b *builder) elem1(e *elem, vals []value) {
	b.budget--
	if b.budget < 0 {
		b.failf(errBudgetReason, maxRecordNodes)
		return
	}
	if b.depth >= maxBuildDepth {
		b.failf("elements nested deeper than %d", maxBuildDepth)
		return
	}
	b.depth++
	n := b.newNode()
	n.Name = e.name
	if len(e.attrs) > 0 {
		as := b.newAttrs(len(e.attrs))
		k := 0
		for ai := range e.attrs {
			a := &e.attrs[ai]
			if len(a.value) == 1 && a.value[0].kind == kText && a.value[0].n == 0 {
				// Literal value compiled to a string (e.g. Data Name).
				as[k] = Attr{Name: a.name, Value: a.value[0].text}
				k++
				continue
			}
			start := len(b.arena)
			present := len(a.value) == 0
			var typ ValueType
			nsub, ntext := 0, 0
			for vi := range a.value {
				it := &a.value[vi]
				switch it.kind {
				case kText:
					b.appendText(it)
					present = true
					ntext++
				case kSubst, kOptSubst:
					v := b.val(vals, it.id)
					if v.t == TypeNull {
						// A NULL optional substitution drops the attribute.
						if it.kind == kSubst {
							present = true
						}
						continue
					}
					present = true
					if v.t == TypeBinXML {
						b.arena = appendHexBytes(b.arena, v.data)
					} else {
						b.appendValue(v)
					}
					typ = v.t
					nsub++
				}
			}
			if !present {
				b.arena = b.arena[:start]
				continue
			}
			as[k].Name = a.name
			if nsub == 1 && ntext == 0 {
				as[k].Type = typ
			}
			b.setText(&as[k].Value, start, false)
			k++
			b.checkText()
		}
		n.Attrs = as[:k]
	}
	// Pass 1: character content.
	start := len(b.arena)
	nsub, ntext, nother := 0, 0, 0
	var typ ValueType
	for i := range e.content {
		it := &e.content[i]
		switch it.kind {
		case kText:
			b.appendText(it)
			ntext++
		case kCDATA:
			b.appendText(it)
			n.CDATA = true
			ntext++
		case kSubst, kOptSubst:
			v := b.val(vals, it.id)
			if v.t == TypeBinXML {
				nother++
				continue
			}
			b.appendValue(v)
			if v.t != TypeNull {
				typ = v.t
				nsub++
			}
		default:
			nother++
		}
	}
	if nsub == 1 && ntext == 0 {
		n.Type = typ
	}
	b.setText(&n.Text, start, false)
	b.checkText()
	// Pass 2: child elements, template instances, nested BinXml, PIs.
	if nother > 0 {
		base := len(b.kids)
		for i := range e.content {
			if b.err != nil {
				break
			}
			it := &e.content[i]
			switch it.kind {
			case kElem:
				b.elem(it.elem, vals)
			case kInstance:
				b.content(n, it.inst.t.items, it.inst.values)
			case kPI:
				b.pi(it)
			case kSubst, kOptSubst:
				if v := b.val(vals, it.id); v.t == TypeBinXML {
					b.nested(n, v)
				}
			}
		}
		if len(b.kids) > base {
			n.Children = b.newPtrs(b.kids[base:])
			b.kids = b.kids[:base]
		}
	}
	b.kids = append(b.kids, n)
	b.depth--
}
