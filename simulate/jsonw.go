package simulate

import (
	"strconv"

	"github.com/lanner-dev/lanner/internal/jsonw"
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

// appendJSONString quotes s as JSON without HTML escaping, as lanner's
// own output does.
func appendJSONString(b []byte, s string) []byte { return jsonw.AppendString(b, s) }
