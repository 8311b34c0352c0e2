// Package event holds the value every stage of lanner works on: an ordered
// set of string fields plus where the record came from.
//
// Every field value is a string, as in LogScale. A field is either present
// (possibly with the empty string) or absent; there is no null.
package event

import "unsafe"

// Origin says where an event was read: enough to point an analyst back to
// the record and to give an alert a stable identity.
type Origin struct {
	File   string // path as given, or "-" for stdin, or "demo"
	Line   int64  // 1-based line number (NDJSON, CSV) or 0
	Record uint64 // record id (EVTX) or 0
	Format string // input format name, e.g. "ndjson"
	Seq    uint64 // position in the whole input stream; orders ties stably
	Raw    []byte // the raw record as read; owned by the event
}

// Event is an ordered list of fields. Lookups scan linearly: real events have
// a few dozen fields, and a scan of short strings beats a map that must be
// built for every record.
type Event struct {
	Keys   []string
	Vals   []string
	Origin Origin
	// NOrig is how many leading fields came from the record itself; free
	// text searches only those, as LogScale searches the fields present at
	// the start of the pipeline.
	NOrig int
}

// Get returns the value of the field and whether it is present.
func (e *Event) Get(name string) (string, bool) {
	for i, k := range e.Keys {
		if k == name {
			return e.Vals[i], true
		}
	}
	return "", false
}

// Has reports whether the field is present.
func (e *Event) Has(name string) bool {
	_, ok := e.Get(name)
	return ok
}

// Set assigns a field, replacing an existing value in place (keeping its
// position) or appending a new field at the end.
func (e *Event) Set(name, val string) {
	for i, k := range e.Keys {
		if k == name {
			e.Vals[i] = val
			return
		}
	}
	e.Keys = append(e.Keys, name)
	e.Vals = append(e.Vals, val)
}

// Delete removes a field if present.
func (e *Event) Delete(name string) {
	for i, k := range e.Keys {
		if k == name {
			if i < e.NOrig {
				e.NOrig--
			}
			e.Keys = append(e.Keys[:i], e.Keys[i+1:]...)
			e.Vals = append(e.Vals[:i], e.Vals[i+1:]...)
			return
		}
	}
}

// Len returns the number of fields.
func (e *Event) Len() int { return len(e.Keys) }

// Clone returns a deep copy of the field lists (values are immutable
// strings, so only the slices are copied). The origin is shared.
func (e *Event) Clone() *Event {
	c := &Event{Origin: e.Origin, NOrig: e.NOrig}
	c.Keys = append(make([]string, 0, len(e.Keys)), e.Keys...)
	c.Vals = append(make([]string, 0, len(e.Vals)), e.Vals...)
	return c
}

// Reset empties the event for reuse, keeping capacity.
func (e *Event) Reset() {
	e.Keys = e.Keys[:0]
	e.Vals = e.Vals[:0]
	e.Origin = Origin{}
	e.NOrig = 0
}

// FreeText reports whether test holds for the raw record or for any
// original field that is not a tag or @-field: LogScale's free-text search,
// which sees the fields present at the start of the pipeline. test must
// not keep its argument: the raw record is passed without a copy.
func (e *Event) FreeText(test func(string) bool) bool {
	if raw := e.Origin.Raw; raw != nil && test(unsafe.String(unsafe.SliceData(raw), len(raw))) {
		return true
	}
	n := min(e.NOrig, len(e.Keys))
	for i := 0; i < n; i++ {
		k := e.Keys[i]
		if k != "" && (k[0] == '#' || k[0] == '@') {
			continue
		}
		if test(e.Vals[i]) {
			return true
		}
	}
	return false
}
