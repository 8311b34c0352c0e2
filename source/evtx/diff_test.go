package evtx

// Differential test against www.velocidex.com/golang/evtx v0.2.0 (a
// test-only dependency). Representation differences that are normalised
// before comparing (see also README.md, "Differences from Velocidex"):
//
//   - integers: Velocidex keeps Go integers, we render decimal text; HexInt32,
//     HexInt64 and SizeT values we render as 0x… (like wevtutil), Velocidex
//     as plain integers.
//   - GUIDs: we render {…} with braces (wevtutil), Velocidex without.
//   - FILETIME: Velocidex gives float seconds since 1970 (float64, so only
//     ~0.2 µs precision), we give ISO text with 7 fractional digits; compared
//     within 1 µs.
//   - Binary: Velocidex keeps []byte, we render upper-case hex.
//   - Signed integers, reals, SYSTEMTIME and ANSI strings: Velocidex has no
//     decoder and returns the raw bytes (trailing NULs trimmed) as a string;
//     the test decodes those bytes the same way and compares.
//   - NULL substitution values: Velocidex drops the key, we keep an empty
//     value ("" matches a missing key).
//   - EventData: Velocidex only turns <Data Name=X> lists into X→value when
//     every Data has a value and there are at least two; otherwise the raw
//     Data dict/list is there, which the test reads both ways.
//   - Records without templates (plain BinXML without dependency
//     identifiers; 13 sample files): Velocidex always expects the dependency
//     id and decodes garbage. Such records are counted as "oracle could not decode"
//     (their IDs are still compared) instead of mismatches.

import (
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vevtx "www.velocidex.com/golang/evtx"
)

// vdict is the part of Velocidex's ordered dict (github.com/Velocidex/
// ordereddict) the test uses.
type vdict interface {
	Keys() []string
	Get(key string) (any, bool)
}

type diffCounts struct {
	files, records, fields, mismatches, oracleFailed int
	countMismatch, dropped, droppedUserData          int
}

func TestDifferentialVelocidex(t *testing.T) {
	root := sharedData(t)
	files := evtxFiles(t, root)
	var c diffCounts
	var report []string
	for _, path := range files {
		msgs := diffFile(t, path, &c)
		for _, m := range msgs {
			if len(report) < 40 {
				rel, _ := filepath.Rel(root, path)
				report = append(report, rel+": "+m)
			}
		}
	}
	t.Logf("differential vs Velocidex v0.2.0: %d files, %d records, %d field values compared, %d records the oracle could not decode, %d record-count/ID mismatches, %d field mismatches; Velocidex drops %d EventData fields and the UserData of %d records",
		c.files, c.records, c.fields, c.oracleFailed, c.countMismatch, c.mismatches, c.dropped, c.droppedUserData)
	for _, r := range report {
		t.Error(r)
	}
}

type ourRec struct {
	id   uint64
	root *Node
}

func diffFile(t *testing.T, path string, c *diffCounts) []string {
	var msgs []string
	f, err := Open(path)
	if err != nil {
		return []string{fmt.Sprintf("open: %v", err)}
	}
	defer f.Close()
	var ours []ourRec
	if err := f.Records(func(r *Record) error {
		ours = append(ours, ourRec{r.ID, r.Root})
		return nil
	}); err != nil {
		return []string{fmt.Sprintf("records: %v", err)}
	}

	fd, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer fd.Close()
	chunks, err := vevtx.GetChunks(fd)
	if err != nil {
		return []string{fmt.Sprintf("velocidex: %v", err)}
	}
	var theirs []*vevtx.EventRecord
	for _, ch := range chunks {
		recs, _ := ch.Parse(0)
		theirs = append(theirs, recs...)
	}
	c.files++
	if len(ours) != len(theirs) {
		c.countMismatch++
		msgs = append(msgs, fmt.Sprintf("record count: ours %d, velocidex %d", len(ours), len(theirs)))
	}
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		o, v := ours[i], theirs[i]
		if o.id != v.Header.RecordID {
			c.countMismatch++
			msgs = append(msgs, fmt.Sprintf("record #%d: id ours %d, velocidex %d", i, o.id, v.Header.RecordID))
			break
		}
		c.records++
		ev, _ := v.Event.(vdict)
		var event vdict
		if ev != nil {
			if e, ok := ev.Get("Event"); ok {
				event, _ = e.(vdict)
			}
		}
		var sys vdict
		if event != nil {
			if s, ok := event.Get("System"); ok {
				sys, _ = s.(vdict)
			}
		}
		if sys == nil {
			c.oracleFailed++
			continue
		}
		for _, m := range diffRecord(o.root, event, sys, c) {
			c.mismatches++
			msgs = append(msgs, fmt.Sprintf("record %d: %s", o.id, m))
		}
	}
	return msgs
}

// diffRecord compares System, EventData and UserData of one record.
func diffRecord(root *Node, event, sys vdict, c *diffCounts) []string {
	var msgs []string
	compare := func(section string, ours []KV, theirs map[string]any, skip map[string]bool) {
		seen := map[string]bool{}
		for _, kv := range joinDuplicates(ours) {
			if _, ok := theirs[kv.Key]; !ok && skip[kv.Key] {
				c.dropped++
				continue
			}
			seen[kv.Key] = true
			c.fields++
			tv, ok := theirs[kv.Key]
			if !ok || tv == nil {
				if kv.Value != "" {
					msgs = append(msgs, fmt.Sprintf("%s %s: ours %q, velocidex missing", section, kv.Key, kv.Value))
				}
				continue
			}
			if !sameValue(kv, tv) {
				msgs = append(msgs, fmt.Sprintf("%s %s (%v): ours %q, velocidex %#v", section, kv.Key, kv.Type, kv.Value, tv))
			}
		}
		for k, v := range theirs {
			if !seen[k] && v != nil {
				msgs = append(msgs, fmt.Sprintf("%s %s: ours missing, velocidex %#v", section, k, v))
			}
		}
	}

	compare("System", appendSystem(nil, root.Child("System")), velocidexSystem(sys), nil)

	if ed := root.Child("EventData"); ed != nil {
		theirs := map[string]any{}
		normalised := false
		if v, ok := event.Get("EventData"); ok {
			theirs, normalised = velocidexEventData(v)
		}
		// Velocidex mixes EventData's attributes into its dict; Flat has
		// them as EventData_<attr>.
		for _, a := range ed.Attrs {
			if v, ok := theirs[a.Name]; ok {
				delete(theirs, a.Name)
				theirs["EventData_"+a.Name] = v
			}
		}
		// When Velocidex turns the Data list into Name→value it drops
		// EventData's other children (e.g. <Binary> of classic events).
		var skip map[string]bool
		if normalised {
			skip = map[string]bool{}
			for _, ch := range ed.Children {
				if ch.Name != "Data" {
					skip[ch.Name] = true
				}
			}
			for _, a := range ed.Attrs {
				skip["EventData_"+a.Name] = true
			}
		}
		compare("EventData", appendEventData(nil, ed), theirs, skip)
	}
	if ud := root.Child("UserData"); ud != nil {
		theirs := map[string]any{}
		v, ok := event.Get("UserData")
		if !ok {
			// Velocidex cannot decode UserData given as a BinXml (0x21)
			// value (it expects dependency ids there) and drops it.
			c.droppedUserData++
			return msgs
		}
		velocidexFlatten(theirs, "", v)
		ours := canonUserData(nil, "", ud.Children)
		compare("UserData", ours, theirs, nil)
	}
	return msgs
}

// velocidexSystem flattens Velocidex's System dict with Flat's key scheme.
func velocidexSystem(sys vdict) map[string]any {
	m := map[string]any{}
	for _, k := range sys.Keys() {
		v, _ := sys.Get(k)
		d, ok := v.(vdict)
		if !ok {
			m[k] = v
			continue
		}
		for _, sk := range d.Keys() {
			sv, _ := d.Get(sk)
			key := k + "_" + sk
			switch {
			case sk == "Value":
				key = k
			case k == "TimeCreated" && sk == "SystemTime":
				key = "TimeCreated"
			}
			m[key] = sv
		}
	}
	return m
}

// joinDuplicates merges pairs sharing a key (an array value substituted into
// a named Data element repeats the element) into one value joined with
// arraySeparator, which is how sameValue compares Velocidex's []string.
func joinDuplicates(kvs []KV) []KV {
	idx := map[string]int{}
	var out []KV
	for _, kv := range kvs {
		if i, ok := idx[kv.Key]; ok {
			out[i].Value += arraySeparator + kv.Value
			continue
		}
		idx[kv.Key] = len(out)
		out = append(out, kv)
	}
	return out
}

// velocidexEventData reads Velocidex's EventData in any of its shapes; the
// second result tells whether Velocidex had normalised it to Name→value.
func velocidexEventData(v any) (map[string]any, bool) {
	m := map[string]any{}
	d, ok := v.(vdict)
	if !ok {
		return m, false
	}
	if _, ok := d.Get("Data"); !ok {
		for _, k := range d.Keys() {
			m[k], _ = d.Get(k)
		}
		return m, true
	}
	unnamed := 0
	addData := func(item any) {
		if id, ok := item.(vdict); ok {
			if name, ok := id.Get("Name"); ok {
				val, _ := id.Get("Value")
				m[fmt.Sprint(name)] = val
				return
			}
			val, _ := id.Get("Value")
			item = val
		}
		// An array substituted into an unnamed Data repeats the element.
		if list, ok := item.([]string); ok {
			for _, s := range list {
				m[dataKey(unnamed)] = s
				unnamed++
			}
			return
		}
		m[dataKey(unnamed)] = item
		unnamed++
	}
	for _, k := range d.Keys() {
		val, _ := d.Get(k)
		if k != "Data" {
			m[k] = val
			continue
		}
		if list, ok := val.([]any); ok {
			for _, item := range list {
				addData(item)
			}
		} else {
			addData(val)
		}
	}
	return m, false
}

// velocidexFlatten flattens nested dicts with dotted keys ("Value" is the
// element text, lists are numbered).
func velocidexFlatten(m map[string]any, prefix string, v any) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case vdict:
		for _, k := range x.Keys() {
			sv, _ := x.Get(k)
			if k == "Value" {
				velocidexFlatten(m, prefix, sv)
			} else {
				velocidexFlatten(m, join(k), sv)
			}
		}
	case []any:
		for i, sv := range x {
			velocidexFlatten(m, prefix+"["+strconv.Itoa(i)+"]", sv)
		}
	case []string:
		// An array value repeats its element (one element: no index).
		if len(x) == 1 {
			m[prefix] = x[0]
			return
		}
		for i, sv := range x {
			m[prefix+"["+strconv.Itoa(i)+"]"] = sv
		}
	default:
		m[prefix] = v
	}
}

// canonUserData flattens our UserData the way velocidexFlatten sees it:
// attributes are dotted like child elements, xmlns is dropped.
func canonUserData(out []KV, prefix string, nodes []*Node) []KV {
	count := map[string]int{}
	for _, n := range nodes {
		count[n.Name]++
	}
	idx := map[string]int{}
	for _, n := range nodes {
		path := n.Name
		if prefix != "" {
			path = prefix + "." + n.Name
		}
		if count[n.Name] > 1 {
			path += "[" + strconv.Itoa(idx[n.Name]) + "]"
			idx[n.Name]++
		}
		for _, a := range n.Attrs {
			if a.Name != "xmlns" {
				out = append(out, KV{path + "." + a.Name, a.Value, a.Type})
			}
		}
		if n.Text != "" || (len(n.Children) == 0 && len(n.Attrs) == 0) {
			out = append(out, KV{path, n.Text, n.Type})
		}
		out = canonUserData(out, path, n.Children)
	}
	return out
}

// sameValue compares one of our values with Velocidex's representation.
func sameValue(kv KV, v any) bool {
	ours := kv.Value
	switch x := v.(type) {
	case float64: // FILETIME as seconds since 1970
		t, err := time.Parse(time.RFC3339Nano, ours)
		if err != nil {
			return false
		}
		secs := float64(t.Unix()) + float64(t.Nanosecond())/1e9
		return math.Abs(secs-x) < 1e-6
	case []byte:
		return strings.EqualFold(ours, hex.EncodeToString(x))
	case bool:
		return ours == strconv.FormatBool(x)
	case []string:
		return ours == strings.Join(x, arraySeparator)
	case uint8, uint16, uint32, uint64, int, int32, int64:
		theirs := fmt.Sprint(x)
		if strings.HasPrefix(ours, "0x") {
			n, err := strconv.ParseUint(ours[2:], 16, 64)
			return err == nil && strconv.FormatUint(n, 10) == theirs
		}
		return ours == theirs
	case string:
		switch kv.Type {
		case TypeGUID:
			return strings.Trim(ours, "{}") == x
		case TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeReal32, TypeReal64, TypeSysTime:
			// Velocidex: raw bytes with trailing NULs trimmed.
			raw := make([]byte, fixedSize(kv.Type))
			copy(raw, x)
			return string(appendScalar(nil, kv.Type, raw)) == ours
		case TypeAnsiString:
			return string(appendAnsi(nil, []byte(x))) == ours
		}
		return ours == x
	case nil:
		return ours == ""
	}
	return fmt.Sprint(v) == ours
}
