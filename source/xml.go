package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
	"github.com/lanner-dev/lanner/source/evtx"
)

// Windows event XML: what `wevtutil qe /f:xml` prints (events back to back),
// Get-WinEvent's ToXml() one per line, and Event Viewer's "Save as XML"
// (<Events> around them). Each <Event> element is cut from the stream,
// parsed on its own (a damaged event is skipped and reported, the next one
// is read) and flattened exactly as the EVTX reader flattens a record, so
// the same event gives the same fields from .evtx and from .xml.

// readXML reads a stream of event XML.
func (r *Reader) readXML(ctx context.Context, name string, rd io.Reader, out chan<- *engine.Batch) error {
	b := r.newBatcher(ctx, out, name, FormatXML, normalize.Windows)
	w := newWindow(rd)
	s := &xmlScanner{w: w, max: r.opts.MaxRecord}
	for {
		ev, ok := s.next()
		if !ok {
			break
		}
		if ev.problem != "" {
			if !b.problem(ev.line, ev.problem) {
				return ctx.Err()
			}
			continue
		}
		e := &event.Event{}
		n, err := r.xmlEvent(ev.data, e)
		if err != nil {
			if !b.problem(ev.line, "bad event XML: "+err.Error()) {
				return ctx.Err()
			}
			continue
		}
		e.Origin.Line = ev.line
		if !b.add(e, n) {
			return ctx.Err()
		}
	}
	if !b.flush() {
		return ctx.Err()
	}
	return w.err
}

// xmlEvent parses one <Event> element into e.
func (r *Reader) xmlEvent(data []byte, e *event.Event) (int, error) {
	p := &xmlParser{b: data}
	root, err := p.document()
	if err != nil {
		return 0, err
	}
	r.invalid += int64(p.invalid)
	rec := &evtx.Record{Root: root}
	kvs := rec.Flat()
	e.Keys = make([]string, 0, len(kvs)+24)
	e.Vals = make([]string, 0, len(kvs)+24)
	for _, kv := range kvs {
		e.Keys = append(e.Keys, kv.Key)
		e.Vals = append(e.Vals, kv.Value)
	}
	e.NOrig = len(e.Keys)
	if id, ok := e.Get("EventRecordID"); ok {
		if n, err := strconv.ParseUint(id, 10, 64); err == nil {
			e.Origin.Record = n
		}
	}
	e.Origin.Raw = append([]byte(nil), data...)
	return len(data), nil
}

// xmlScanner finds the <Event> elements of a stream.
type xmlScanner struct {
	w   *window
	max int
}

type xmlChunk struct {
	data    []byte
	line    int64
	problem string
}

var (
	eventOpen  = []byte("<Event")
	eventClose = []byte("</Event")
)

// isEventStart reports whether b (at '<') opens an <Event> element, not
// <Events>, <EventData>, <EventID>…
func isEventStart(b []byte) (yes, undecided bool) {
	if len(b) < len(eventOpen)+1 {
		return false, bytes.HasPrefix(eventOpen, b)
	}
	if !bytes.HasPrefix(b, eventOpen) {
		return false, false
	}
	c := b[len(eventOpen)]
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n', false
}

func (s *xmlScanner) next() (xmlChunk, bool) {
	w := s.w
	for {
		b := w.rest()
		// Skip to the next '<', reporting text that is not white space.
		i := 0
		for i < len(b) && b[i] != '<' {
			i++
		}
		if i > 0 {
			text := bytes.TrimSpace(b[:i])
			line := w.line + int64(bytes.Count(b[:i-len(bytes.TrimLeft(b[:i], " \t\r\n"))], []byte{'\n'}))
			if len(text) > 0 && i < len(b) {
				w.advance(i)
				return xmlChunk{line: line, problem: "text outside an event: " + quoteShort(text)}, true
			}
			if len(text) > 0 && !w.eof && len(b) < s.max {
				// The text may go on: look further before reporting it.
				if w.more() {
					continue
				}
			}
			w.advance(i)
			if len(text) > 0 {
				return xmlChunk{line: line, problem: "text outside an event: " + quoteShort(text)}, true
			}
			continue
		}
		if len(b) == 0 {
			if w.more() {
				continue
			}
			return xmlChunk{}, false
		}
		yes, undecided := isEventStart(b)
		if undecided {
			if w.more() {
				continue
			}
			line := w.line
			w.advance(len(b))
			return xmlChunk{line: line, problem: "truncated markup at the end of the input: " + quoteShort(b)}, true
		}
		if yes {
			return s.event()
		}
		// Other markup: a declaration, comment, <Events>, </Events>…
		end, ok := s.markupEnd()
		if !ok {
			line := w.line
			w.advance(len(w.rest()))
			return xmlChunk{line: line, problem: "truncated markup at the end of the input"}, true
		}
		w.advance(end)
	}
}

// markupEnd finds the end of the markup at the window's position ('<'):
// comments end at -->, CDATA at ]]>, processing instructions at ?>, the
// rest at the next '>'.
func (s *xmlScanner) markupEnd() (int, bool) {
	w := s.w
	for {
		b := w.rest()
		var term string
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			term = "-->"
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			term = "]]>"
		case bytes.HasPrefix(b, []byte("<?")):
			term = "?>"
		case len(b) < 9 && !w.eof:
			if w.more() {
				continue
			}
			term = ">"
		default:
			term = ">"
		}
		if i := bytes.Index(b[1:], []byte(term)); i >= 0 {
			return 1 + i + len(term), true
		}
		if len(b) > s.max {
			return len(b), true // give up on it; the rest is read as text
		}
		if !w.more() {
			return 0, false
		}
	}
}

// event cuts one <Event …>…</Event> from the window. An event cut short
// by the start of the next one, or by the end of the input, is reported.
func (s *xmlScanner) event() (xmlChunk, bool) {
	w := s.w
	line := w.line
	for bytes.IndexByte(w.rest(), '>') < 0 {
		if len(w.rest()) > s.max || !w.more() {
			w.advance(len(w.rest()))
			return xmlChunk{line: line, problem: "truncated <Event> start tag at the end of the input"}, true
		}
	}
	gt := bytes.IndexByte(w.rest(), '>')
	if w.rest()[gt-1] == '/' {
		w.advance(gt + 1)
		return xmlChunk{line: line, problem: "empty <Event/> element"}, true
	}
	body := gt + 1 // first byte after the start tag
	from := body
	for {
		b := w.rest()
		c := findEventClose(b, from)
		limit := len(b)
		if c >= 0 {
			limit = c
		}
		if nxt := nextEventStart(b[body:limit]); nxt >= 0 {
			w.advance(body + nxt)
			return xmlChunk{line: line, problem: "event cut short by the next <Event>"}, true
		}
		if c >= 0 {
			if end := bytes.IndexByte(b[c:], '>'); end >= 0 {
				n := c + end + 1
				if n > s.max {
					w.advance(n)
					return xmlChunk{line: line, problem: fmt.Sprintf("event longer than %d bytes skipped", s.max)}, true
				}
				ch := xmlChunk{data: b[:n], line: line}
				w.advance(n)
				return ch, true
			}
		}
		if len(b) > s.max {
			// Too long: skip to the end of this event without keeping it.
			for {
				b = w.rest()
				if c := findEventClose(b, 0); c >= 0 {
					w.advance(c + len(eventClose))
					if gt := bytes.IndexByte(w.rest(), '>'); gt >= 0 && gt < 16 {
						w.advance(gt + 1)
					}
					break
				}
				if keep := len(eventClose) + 1; len(b) > keep {
					w.advance(len(b) - keep)
				}
				if !w.more() {
					w.advance(len(w.rest()))
					break
				}
			}
			return xmlChunk{line: line, problem: fmt.Sprintf("event longer than %d bytes skipped", s.max)}, true
		}
		from = max(body, len(b)-len(eventClose)-1)
		if !w.more() {
			w.advance(len(w.rest()))
			return xmlChunk{line: line, problem: "truncated event at the end of the input"}, true
		}
	}
}

// findEventClose finds "</Event" followed by '>' or white space in b from
// the offset from (not </EventData>, </EventID>…).
func findEventClose(b []byte, from int) int {
	for from < len(b) {
		i := bytes.Index(b[from:], eventClose)
		if i < 0 {
			return -1
		}
		i += from
		j := i + len(eventClose)
		if j >= len(b) {
			return -1 // undecided: needs more input
		}
		if c := b[j]; c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			return i
		}
		from = i + 1
	}
	return -1
}

// nextEventStart finds the start of another <Event> element in b.
func nextEventStart(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], eventOpen)
		if i < 0 {
			return -1
		}
		i += off
		if yes, undecided := isEventStart(b[i:]); yes && !undecided {
			return i
		}
		off = i + 1
	}
}

// ---- a small XML parser for one event ----

// xmlParser parses one element (with its descendants) into evtx nodes. It
// accepts what event XML uses: elements, attributes in either quote,
// character and entity references, CDATA, comments and processing
// instructions (skipped). Namespace prefixes are dropped from element
// names. Invalid UTF-8 becomes U+FFFD and is counted.
type xmlParser struct {
	b       []byte
	i       int
	depth   int
	invalid int
}

const maxXMLDepth = 100

var errXMLDepth = errors.New("elements nested too deeply")

func (p *xmlParser) errf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// document parses the event element, allowing white space around it.
func (p *xmlParser) document() (*evtx.Node, error) {
	p.skipSpace()
	n, err := p.element()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.b) {
		return nil, p.errf("unexpected text after the event")
	}
	return n, nil
}

func (p *xmlParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return c > ' ' && c != '<' && c != '>' && c != '/' && c != '=' && c != '"' && c != '\'' && c != 0x7f
}

func (p *xmlParser) name() (string, error) {
	start := p.i
	for p.i < len(p.b) && isNameByte(p.b[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", p.errf("expected a name")
	}
	return p.text(p.b[start:p.i]), nil
}

// text copies b as a string, fixing invalid UTF-8.
func (p *xmlParser) text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	p.invalid++
	return fixUTF8(b)
}

func localName(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasPrefix(s, "xmlns") {
		return s[i+1:]
	}
	return s
}

// element parses <name attrs>content</name> or <name attrs/>.
func (p *xmlParser) element() (*evtx.Node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxXMLDepth {
		return nil, errXMLDepth
	}
	if p.i >= len(p.b) || p.b[p.i] != '<' {
		return nil, p.errf("expected '<'")
	}
	p.i++
	qname, err := p.name()
	if err != nil {
		return nil, err
	}
	n := &evtx.Node{Name: localName(qname)}
	for {
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, p.errf("unterminated start tag <%s>", qname)
		}
		c := p.b[p.i]
		if c == '/' {
			if p.i+1 < len(p.b) && p.b[p.i+1] == '>' {
				p.i += 2
				return n, nil
			}
			return nil, p.errf("expected '/>'")
		}
		if c == '>' {
			p.i++
			break
		}
		an, err := p.name()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '=' {
			return nil, p.errf("attribute %s without a value", an)
		}
		p.i++
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '"' && p.b[p.i] != '\'' {
			return nil, p.errf("attribute %s: expected a quoted value", an)
		}
		q := p.b[p.i]
		p.i++
		end := bytes.IndexByte(p.b[p.i:], q)
		if end < 0 {
			return nil, p.errf("attribute %s: unterminated value", an)
		}
		raw := p.b[p.i : p.i+end]
		p.i += end + 1
		if bytes.IndexByte(raw, '<') >= 0 {
			return nil, p.errf("attribute %s: '<' in value", an)
		}
		val, err := p.unescape(raw)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(an, "xmlns") {
			an = localName(an)
		}
		n.Attrs = append(n.Attrs, evtx.Attr{Name: an, Value: val})
	}
	// content
	var text []byte
	for {
		if p.i >= len(p.b) {
			return nil, p.errf("<%s> not closed", qname)
		}
		lt := bytes.IndexByte(p.b[p.i:], '<')
		if lt < 0 {
			return nil, p.errf("<%s> not closed", qname)
		}
		if lt > 0 {
			t, err := p.unescapeBytes(p.b[p.i:p.i+lt], text)
			if err != nil {
				return nil, err
			}
			text = t
			p.i += lt
		}
		rest := p.b[p.i:]
		switch {
		case bytes.HasPrefix(rest, []byte("</")):
			p.i += 2
			end, err := p.name()
			if err != nil {
				return nil, err
			}
			if end != qname {
				return nil, p.errf("</%s> closes <%s>", end, qname)
			}
			p.skipSpace()
			if p.i >= len(p.b) || p.b[p.i] != '>' {
				return nil, p.errf("expected '>' after </%s", end)
			}
			p.i++
			if len(n.Children) > 0 && len(bytes.TrimSpace(text)) == 0 {
				text = nil // indentation between child elements
			}
			n.Text = p.text(text)
			return n, nil
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return nil, p.errf("unterminated comment")
			}
			p.i += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return nil, p.errf("unterminated CDATA section")
			}
			text = append(text, rest[9:9+end]...)
			n.CDATA = true
			p.i += 9 + end + 3
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return nil, p.errf("unterminated processing instruction")
			}
			p.i += 2 + end + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			return nil, p.errf("unexpected declaration inside an element")
		default:
			c, err := p.element()
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, c)
		}
	}
}

func (p *xmlParser) unescape(raw []byte) (string, error) {
	b, err := p.unescapeBytes(raw, nil)
	if err != nil {
		return "", err
	}
	return p.text(b), nil
}

// unescapeBytes appends raw to dst with character and entity references
// resolved.
func (p *xmlParser) unescapeBytes(raw, dst []byte) ([]byte, error) {
	for {
		amp := bytes.IndexByte(raw, '&')
		if amp < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:amp]...)
		raw = raw[amp:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 || semi > 12 {
			return nil, p.errf("bad reference %s", quoteShort(raw[:min(len(raw), 12)]))
		}
		ref := string(raw[1:semi])
		raw = raw[semi+1:]
		switch ref {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if !strings.HasPrefix(ref, "#") {
				return nil, p.errf("unknown entity &%s;", ref)
			}
			var n uint64
			var err error
			if strings.HasPrefix(ref, "#x") || strings.HasPrefix(ref, "#X") {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || n > utf8.MaxRune {
				return nil, p.errf("bad character reference &%s;", ref)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}
