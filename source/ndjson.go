package source

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

// NDJSONDecoder decodes one JSON object per record into a flat event:
// every value becomes a string (numbers and booleans as their JSON text),
// null means absent, nested objects flatten to a.b.c and arrays to a[0].
// Invalid UTF-8 is kept, each bad byte replaced by U+FFFD, and counted.
// Falcon fields are normalised as the Falcon parser does (see Normalize).
type NDJSONDecoder struct {
	p       fastjson.Parser
	arena   []byte // values and the raw copy of the current event
	keys    map[string]string
	invalid int64
	// Normalize runs after flattening; nil means the Falcon normalisation
	// (normalize.FalconEvent) with Lookups.
	Normalize func(e *event.Event)
	// Lookups (FDR aidmaster and userinfo) fill ComputerName and UserName.
	// Filled values are not in the raw line: a run with lookups must turn
	// the engine's raw-bytes prefilter off.
	Lookups *normalize.Lookups
}

// NewNDJSONDecoder returns a decoder (one per worker).
func NewNDJSONDecoder() engine.Decoder { return &NDJSONDecoder{keys: map[string]string{}} }

// DecoderFactory returns the engine's decoder constructor for raw NDJSON
// batches, filling Falcon events from lk (may be nil).
func DecoderFactory(lk *normalize.Lookups) func() engine.Decoder {
	if lk.Empty() {
		return NewNDJSONDecoder
	}
	return func() engine.Decoder { return &NDJSONDecoder{keys: map[string]string{}, Lookups: lk} }
}

var (
	errNotObject = errors.New("not a JSON object")
)

// Decode implements engine.Decoder.
func (d *NDJSONDecoder) Decode(raw []byte, e *event.Event) error {
	src := raw
	if hasSurrogateEscape(raw) {
		src = fixSurrogates(raw)
	}
	v, err := d.p.ParseBytes(src)
	if err != nil {
		return errors.New("not JSON: " + shortJSONError(err))
	}
	o, err := v.Object()
	if err != nil {
		return errNotObject
	}
	d.fromObject(raw, o, e)
	if d.Normalize != nil {
		d.Normalize(e)
	} else {
		normalize.FalconEvent(e, d.Lookups)
	}
	return nil
}

// fromObject flattens o (parsed from raw) into e, keeps a copy of raw as
// the event's raw record and counts the original fields.
func (d *NDJSONDecoder) fromObject(raw []byte, o *fastjson.Object, e *event.Event) {
	need := 2*len(raw) + 64
	// The arena starts after the last kept event: what a dropped event
	// wrote is reused, so a kept event pins only its own bytes and those
	// of the events kept just before it.
	d.arena = d.arena[:0]
	if cap(d.arena) < need {
		d.arena = make([]byte, 0, max(need, 16<<10))
	}
	if cap(e.Keys) == 0 {
		// a fresh event: room for every field and the ones normalisation adds
		n := o.Len() + 8
		e.Keys, e.Vals = make([]string, 0, n), make([]string, 0, n)
	}
	checkUTF8 := !isASCIIBytes(raw)
	e.Origin.Raw = d.bytes(raw)
	d.flatten(o, "", e, checkUTF8)
	e.NOrig = len(e.Keys)
}

func shortJSONError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "; unparsed tail"); i > 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// Keep implements engine.Decoder: the arena now belongs to the event.
func (d *NDJSONDecoder) Keep() { d.arena = d.arena[len(d.arena):] }

// InvalidUTF8 implements engine.Decoder.
func (d *NDJSONDecoder) InvalidUTF8() int64 { return d.invalid }

// bytes copies b into the arena.
func (d *NDJSONDecoder) bytes(b []byte) []byte {
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, max(2*len(b), 64<<10))
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// str copies b into the arena and returns a string over it.
func (d *NDJSONDecoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	c := d.bytes(b)
	return unsafe.String(&c[0], len(c))
}

func (d *NDJSONDecoder) key(prefix string, k []byte) string {
	if prefix == "" {
		if s, ok := d.keys[string(k)]; ok {
			return s
		}
		s := string(k)
		if len(d.keys) < 100000 {
			d.keys[s] = s
		}
		return s
	}
	return prefix + string(k)
}

func (d *NDJSONDecoder) value(b []byte, check bool) string {
	if check && !utf8.Valid(b) {
		d.invalid++
		return fixUTF8(b)
	}
	return d.str(b)
}

// fixUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func fixUTF8(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:n])
		}
		b = b[n:]
	}
	return sb.String()
}

func (d *NDJSONDecoder) flatten(o *fastjson.Object, prefix string, e *event.Event, check bool) {
	o.Visit(func(k []byte, v *fastjson.Value) {
		name := d.key(prefix, k)
		if check && !utf8.ValidString(name) {
			name = fixUTF8([]byte(name))
		}
		d.put(name, v, e, check)
	})
}

func (d *NDJSONDecoder) put(name string, v *fastjson.Value, e *event.Event, check bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b := v.GetStringBytes()
		e.Keys = append(e.Keys, name)
		e.Vals = append(e.Vals, d.value(b, check || hasFFFD(b)))
	case fastjson.TypeNumber:
		start := len(d.arena)
		d.arena = v.MarshalTo(d.arena)
		e.Keys = append(e.Keys, name)
		e.Vals = append(e.Vals, unsafe.String(&d.arena[start], len(d.arena)-start))
	case fastjson.TypeTrue:
		e.Keys = append(e.Keys, name)
		e.Vals = append(e.Vals, "true")
	case fastjson.TypeFalse:
		e.Keys = append(e.Keys, name)
		e.Vals = append(e.Vals, "false")
	case fastjson.TypeNull:
	case fastjson.TypeObject:
		o, _ := v.Object()
		d.flatten(o, name+".", e, check)
	case fastjson.TypeArray:
		a, _ := v.Array()
		for i, x := range a {
			d.put(name+"["+itoa(i)+"]", x, e, check)
		}
	}
}

// hasFFFD: escapes such as \ud800 decode to bytes that need the same check.
func hasFFFD(b []byte) bool { return false }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	var buf [20]byte
	n := len(buf)
	for i > 0 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	return string(buf[n:])
}

// isASCIIBytes reports whether b is plain ASCII without \u escapes, so no
// value decoded from it can hold invalid UTF-8. Eight bytes at a time.
func isASCIIBytes(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return !containsEscU(b)
}

func containsEscU(b []byte) bool { return bytes.Contains(b, []byte(`\u`)) }

// hasSurrogateEscape reports a \uD800-\uDFFF escape in raw (rare).
func hasSurrogateEscape(raw []byte) bool {
	for off := 0; ; {
		j := bytes.Index(raw[off:], []byte(`\u`))
		if j < 0 || off+j+3 >= len(raw) {
			return false
		}
		if c, d := raw[off+j+2], raw[off+j+3]; (c == 'd' || c == 'D') && (d >= '8' && d <= '9' || d >= 'a' && d <= 'f' || d >= 'A' && d <= 'F') {
			return true
		}
		off += j + 2
	}
}

// fixSurrogates rewrites lone surrogate escapes as \ufffd, as
// encoding/json decodes them. The JSON parser would otherwise keep a lone
// high surrogate as text, or swallow the escape that follows it (so that
// "\ud800\u0041" lost its A): one planted escape must not hide a character.
func fixSurrogates(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		n, err := strconv.ParseUint(string(b[:4]), 16, 32)
		return rune(n), err == nil
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		if raw[i+1] != 'u' {
			out = append(out, c, raw[i+1])
			i++
			continue
		}
		r, ok := hex4(raw[i+2:])
		if !ok || r < 0xd800 || r > 0xdfff {
			out = append(out, raw[i:min(i+6, len(raw))]...)
			i += 5
			continue
		}
		if r < 0xdc00 && i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
			if lo, ok := hex4(raw[i+8:]); ok && lo >= 0xdc00 && lo <= 0xdfff {
				out = append(out, raw[i:i+12]...) // a valid pair
				i += 11
				continue
			}
		}
		out = append(out, `\ufffd`...)
		i += 5
	}
	return out
}
