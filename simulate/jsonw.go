package simulate

import (
	"strconv"
	"unicode/utf8"
)

// obj writes one JSON object with keys in the order they are added (real
// records have a stable field order; a Go map would not keep it).
type obj struct {
	b []byte
	n int
}

func newObj() *obj { return &obj{b: []byte{'{'}} }

func (o *obj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *obj) str(k, v string) *obj { o.key(k); o.b = appendJSONString(o.b, v); return o }

func (o *obj) num(k string, v int64) *obj {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
	return o
}

func (o *obj) boolean(k string, v bool) *obj {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
	return o
}

func (o *obj) null(k string) *obj { o.key(k); o.b = append(o.b, "null"...); return o }

func (o *obj) object(k string, v *obj) *obj {
	o.key(k)
	o.b = append(o.b, v.bytes()...)
	return o
}

func (o *obj) bytes() []byte { return append(o.b[:len(o.b):len(o.b)], '}') }

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON without HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				b = append(b, '\\', '"')
			case c == '\\':
				b = append(b, '\\', '\\')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
