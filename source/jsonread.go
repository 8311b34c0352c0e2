package source

import (
	"context"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
	"github.com/lanner-dev/lanner/source/evtx"
)

// readJSON reads a stream of JSON records that the reader decodes itself
// (every JSON shape but line-delimited Falcon or generic NDJSON): each
// record is flattened, reshaped when it is evtx_dump's {"Event":…}, and
// normalised. fam forces a family; Unknown detects it per record.
func (r *Reader) readJSON(ctx context.Context, name, format string, fam normalize.Family, lines bool, rd io.Reader, out chan<- *engine.Batch) error {
	b := r.newBatcher(ctx, out, name, format, fam)
	s := &jsonScanner{w: newWindow(rd), max: r.opts.MaxRecord, lines: lines}
	dec := &NDJSONDecoder{keys: map[string]string{}}
	var p fastjson.Parser
	for {
		rec, ok := s.next()
		if !ok {
			break
		}
		if rec.problem != "" {
			if !b.problem(rec.line, rec.problem) {
				return ctx.Err()
			}
			continue
		}
		v, err := p.ParseBytes(rec.data)
		if err != nil {
			if !b.problem(rec.line, "not JSON: "+shortJSONError(err)) {
				return ctx.Err()
			}
			continue
		}
		rows := []*fastjson.Value{v}
		split := false
		if o, err := v.Object(); err == nil {
			if res := o.Get("Results"); res != nil && res.Type() == fastjson.TypeArray && (o.Get("Schema") != nil || o.Get("Stats") != nil || o.Len() == 1) {
				rows, split = res.GetArray(), true // a Defender API response
			}
		} else if v.Type() == fastjson.TypeArray {
			rows, split = v.GetArray(), true // an array nested in the top-level array
		}
		for i, row := range rows {
			o, err := row.Object()
			if err != nil {
				if !b.problem(rec.line, "not a JSON object") {
					return ctx.Err()
				}
				continue
			}
			e := &event.Event{}
			raw := rec.data
			if split {
				raw = row.MarshalTo(nil)
			}
			if ev := o.Get("Event"); ev != nil && ev.Get("System") != nil {
				r.evtxJSONEvent(raw, ev, e)
			} else {
				dec.fromObject(raw, o, e)
				dec.Keep()
			}
			e.Origin.Line = rec.line
			if split {
				e.Origin.Record = uint64(i + 1)
			}
			if !b.add(e, len(raw)) {
				return ctx.Err()
			}
		}
	}
	r.addInvalid(dec.invalid)
	if !b.flush() {
		return ctx.Err()
	}
	return s.w.err
}

// evtxJSONEvent turns evtx_dump's {"Event":{"System":…,"EventData":…}}
// into the same flat fields as the EVTX reader gives for the record.
func (r *Reader) evtxJSONEvent(raw []byte, ev *fastjson.Value, e *event.Event) {
	root := jsonNode("Event", ev, false)
	rec := &evtx.Record{Root: root}
	if v := ev.Get("System", "EventRecordID"); v != nil {
		if id, err := strconv.ParseUint(scalarText(v), 10, 64); err == nil {
			rec.ID = id
			e.Origin.Record = id
		}
	}
	kvs := rec.Flat()
	e.Keys = make([]string, 0, len(kvs)+24)
	e.Vals = make([]string, 0, len(kvs)+24)
	for _, kv := range kvs {
		e.Keys = append(e.Keys, kv.Key)
		e.Vals = append(e.Vals, r.checkUTF8(kv.Value))
	}
	e.NOrig = len(e.Keys)
	e.Origin.Raw = append([]byte(nil), raw...)
}

// jsonNode builds the element tree evtx_dump's JSON stands for: an object's
// "#attributes" are the element's attributes, "#text" its text, other keys
// its children (an array value repeats the child); a scalar is text.
// Under EventData, a key K is <Data Name="K">, except Data (unnamed Data
// elements) and Binary.
func jsonNode(name string, v *fastjson.Value, inEventData bool) *evtx.Node {
	n := &evtx.Node{Name: name}
	if inEventData && name != "Data" && name != "Binary" {
		n.Name = "Data"
		n.Attrs = []evtx.Attr{{Name: "Name", Value: name}}
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, c *fastjson.Value) {
			key := string(k)
			switch key {
			case "#attributes":
				if ao, err := c.Object(); err == nil {
					ao.Visit(func(ak []byte, av *fastjson.Value) {
						n.Attrs = append(n.Attrs, evtx.Attr{Name: string(ak), Value: scalarText(av)})
					})
				}
			case "#text":
				n.Text += scalarText(c)
			default:
				child := name == "EventData"
				if c.Type() == fastjson.TypeArray {
					for _, item := range c.GetArray() {
						n.Children = append(n.Children, jsonNode(key, item, child))
					}
					return
				}
				n.Children = append(n.Children, jsonNode(key, c, child))
			}
		})
	case fastjson.TypeArray:
		for _, item := range v.GetArray() {
			n.Text += scalarText(item)
		}
	default:
		n.Text = scalarText(v)
	}
	return n
}

// scalarText renders a JSON scalar as evtx_dump meant it: strings as they
// are, numbers and booleans as their JSON text, null as "".
func scalarText(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNull:
		return ""
	case fastjson.TypeArray:
		s := ""
		for _, x := range v.GetArray() {
			s += scalarText(x)
		}
		return s
	}
	return string(v.MarshalTo(nil))
}

// checkUTF8 replaces invalid bytes with U+FFFD, counting the value.
func (r *Reader) checkUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r.invalid++
	return fixUTF8([]byte(s))
}

func (r *Reader) addInvalid(n int64) { r.invalid += n }
