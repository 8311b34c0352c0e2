package source

import (
	"bytes"
	"fmt"
	"regexp"
)

// jsonScanner cuts a stream of JSON values into records, whatever their
// layout: one object per line (NDJSON), pretty-printed objects one after
// another (evtx_dump's default output, with its "Record N" lines), or
// objects inside one top-level array (exports of Defender, Kibana…). It
// finds value boundaries only; parsing is the caller's.
type jsonScanner struct {
	w     *window
	max   int
	array bool // inside a top-level array
	// lines: the input is line-delimited, each non-blank line one record,
	// so a damaged line cannot swallow the lines after it.
	lines bool
	seen  bool // a record or problem was returned (a later '[' is a value)
}

// jsonRecord is one scanned value, or a problem in its place.
type jsonRecord struct {
	data      []byte // valid until the next call to next
	line      int64
	problem   string
	truncated bool // the input ended inside the record
}

var evtxDumpHeader = regexp.MustCompile(`^Record \d+\s*$`)

// next returns the next record; false at the end of the input.
func (s *jsonScanner) next() (jsonRecord, bool) {
	r, ok := s.scan()
	s.seen = s.seen || ok
	return r, ok
}

func (s *jsonScanner) scan() (jsonRecord, bool) {
	w := s.w
	if s.lines {
		for {
			if len(w.rest()) == 0 && !w.more() {
				return jsonRecord{}, false
			}
			line := w.line
			text, long := s.skipLine()
			if long {
				return jsonRecord{line: line, problem: fmt.Sprintf("record longer than %d bytes skipped", s.max)}, true
			}
			text = bytes.TrimSpace(text)
			if len(text) == 0 || evtxDumpHeader.Match(text) {
				continue
			}
			return jsonRecord{data: text, line: line}, true
		}
	}
	for {
		rest := w.rest()
		if len(rest) == 0 {
			if w.more() {
				continue
			}
			if s.array {
				s.array = false
				return jsonRecord{line: w.line, problem: "JSON array not closed at the end of the input (truncated?)", truncated: true}, true
			}
			return jsonRecord{}, false
		}
		c := rest[0]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i := 1
			for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\r' || rest[i] == '\n') {
				i++
			}
			w.advance(i)
		case c == ',' && s.array:
			w.advance(1)
		case c == '[' && !s.array && !s.seen:
			s.array = true
			w.advance(1)
		case c == ']' && s.array:
			s.array = false
			w.advance(1)
		case c == '{' || c == '[':
			return s.value()
		case s.array:
			line := w.line
			s.skipScalar()
			return jsonRecord{line: line, problem: "array element is not a JSON object"}, true
		default:
			line := w.line
			text, long := s.skipLine()
			if !long && evtxDumpHeader.Match(text) {
				continue
			}
			return jsonRecord{line: line, problem: "not JSON: " + quoteShort(text)}, true
		}
	}
}

// value scans one object or array starting at the window's position.
func (s *jsonScanner) value() (jsonRecord, bool) {
	w := s.w
	line := w.line
	depth, i := 0, 0
	var str strState
	skipping := false
	for {
		b := w.rest()
		for ; i < len(b); i++ {
			c := b[i]
			if str.inside(c) {
				continue
			}
			switch c {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					i++
					if skipping || i > s.max {
						w.advance(i)
						return jsonRecord{line: line, problem: fmt.Sprintf("record longer than %d bytes skipped", s.max)}, true
					}
					rec := jsonRecord{data: b[:i], line: line}
					w.advance(i)
					return rec, true
				}
			}
		}
		if !skipping && i > s.max {
			skipping = true
		}
		if skipping {
			w.advance(i)
			i = 0
		}
		if !w.more() {
			w.advance(len(w.rest()))
			s.array = false
			return jsonRecord{line: line, problem: "truncated JSON value at the end of the input", truncated: true}, true
		}
	}
}

// skipScalar skips a non-object array element up to the next , or ].
func (s *jsonScanner) skipScalar() {
	w := s.w
	var str strState
	i := 0
	for {
		b := w.rest()
		for ; i < len(b); i++ {
			c := b[i]
			if str.inside(c) {
				continue
			}
			switch c {
			case ',', ']', '{', '[':
				if i == 0 {
					i = 1 // a stray bracket: consume it
				}
				w.advance(i)
				return
			}
		}
		w.advance(i)
		i = 0
		if !w.more() {
			return
		}
	}
}

// skipLine consumes up to and including the next newline and returns the
// line's text (without the newline) when it is not longer than max.
func (s *jsonScanner) skipLine() (text []byte, long bool) {
	w := s.w
	for {
		b := w.rest()
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			text = bytes.TrimRight(b[:i], "\r")
			w.advance(i + 1)
			return text, long
		}
		if len(b) > s.max {
			long = true
			w.advance(len(b))
		}
		if !w.more() {
			b = w.rest()
			w.advance(len(b))
			return b, long
		}
	}
}

func quoteShort(b []byte) string {
	const n = 40
	if len(b) > n {
		return fmt.Sprintf("%q…", b[:n])
	}
	return fmt.Sprintf("%q", b)
}

// strState follows JSON strings byte by byte, escapes included.
type strState struct{ in, esc bool }

// inside reports whether c belongs to a string (its quotes included), and
// updates the state.
func (s *strState) inside(c byte) bool {
	if s.in {
		switch {
		case s.esc:
			s.esc = false
		case c == '\\':
			s.esc = true
		case c == '"':
			s.in = false
		}
		return true
	}
	if c == '"' {
		s.in = true
		return true
	}
	return false
}
