package evtx

import (
	"strconv"
	"strings"
	"time"
)

// KV is one flattened field. Type is the BinXML value type the value came
// from (TypeNull for literal or composed text); see Node.Type.
type KV struct {
	Key   string
	Value string
	Type  ValueType
}

// systemOrder lists the System fields emitted first, in this order.
var systemOrder = [...]string{
	"EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated",
	"EventRecordID", "Channel", "Computer", "Provider_Name", "Provider_Guid",
	"Execution_ProcessID", "Execution_ThreadID", "Security_UserID",
}

// systemIndex returns the position of key in systemOrder, or -1.
func systemIndex(key string) int {
	switch key {
	case "EventID":
		return 0
	case "Version":
		return 1
	case "Level":
		return 2
	case "Task":
		return 3
	case "Opcode":
		return 4
	case "Keywords":
		return 5
	case "TimeCreated":
		return 6
	case "EventRecordID":
		return 7
	case "Channel":
		return 8
	case "Computer":
		return 9
	case "Provider_Name":
		return 10
	case "Provider_Guid":
		return 11
	case "Execution_ProcessID":
		return 12
	case "Execution_ThreadID":
		return 13
	case "Security_UserID":
		return 14
	}
	return -1
}

// attrKey returns elem+"_"+attr, without allocating for the usual System
// attributes.
func attrKey(elem, attr string) string {
	switch elem {
	case "Provider":
		switch attr {
		case "Name":
			return "Provider_Name"
		case "Guid":
			return "Provider_Guid"
		case "EventSourceName":
			return "Provider_EventSourceName"
		}
	case "EventID":
		if attr == "Qualifiers" {
			return "EventID_Qualifiers"
		}
	case "Execution":
		switch attr {
		case "ProcessID":
			return "Execution_ProcessID"
		case "ThreadID":
			return "Execution_ThreadID"
		case "ProcessorID":
			return "Execution_ProcessorID"
		case "SessionID":
			return "Execution_SessionID"
		case "KernelTime":
			return "Execution_KernelTime"
		case "UserTime":
			return "Execution_UserTime"
		case "ProcessorTime":
			return "Execution_ProcessorTime"
		}
	case "Security":
		if attr == "UserID" {
			return "Security_UserID"
		}
	case "Correlation":
		switch attr {
		case "ActivityID":
			return "Correlation_ActivityID"
		case "RelatedActivityID":
			return "Correlation_RelatedActivityID"
		}
	}
	return elem + "_" + attr
}

var dataKeys = func() []string {
	k := make([]string, 64)
	for i := range k {
		k[i] = "Data[" + strconv.Itoa(i) + "]"
	}
	return k
}()

func dataKey(i int) string {
	if i < len(dataKeys) {
		return dataKeys[i]
	}
	return "Data[" + strconv.Itoa(i) + "]"
}

// Flat returns the event as flat key/value pairs in a stable order:
//
//  1. the System fields EventID, Version, Level, Task, Opcode, Keywords,
//     TimeCreated, EventRecordID, Channel, Computer, Provider_Name,
//     Provider_Guid, Execution_ProcessID, Execution_ThreadID, Security_UserID
//     (in this order, each only when present in the event);
//  2. any other System values in document order: element text under the
//     element name, attributes as Element_Attribute (EventID_Qualifiers,
//     Correlation_ActivityID, Execution_ProcessorID, Provider_EventSourceName...);
//  3. EventData in document order: <Data Name="X">v</Data> as X=v, unnamed
//     Data as Data[0], Data[1]... (numbered among the unnamed ones), other
//     children under their own name, attributes of EventData itself as
//     EventData_Attribute (first); an array value repeats its Data element
//     (MS-EVEN6), so a named Data may appear several times with one item
//     each;
//  4. UserData and any other top-level element (ProcessingErrorData,
//     RenderingInfo...) flattened with dotted paths; UserData's own name is
//     left out ("EventXML.Param1"), the others keep theirs
//     ("ProcessingErrorData.ErrorCode"). Attributes are Path_Attribute;
//     xmlns attributes are dropped; siblings sharing a name are numbered
//     Name[0], Name[1]...
//
// TimeCreated is the SystemTime attribute in RFC 3339 (time.RFC3339Nano, UTC).
func (r *Record) Flat() []KV {
	if r == nil || r.Root == nil {
		return nil
	}
	size := 16
	for _, top := range r.Root.Children {
		size += len(top.Children)
	}
	out := make([]KV, 0, size)
	out = appendSystem(out, r.Root.Child("System"))
	for _, top := range r.Root.Children {
		if top.Kind != ElementNode {
			continue
		}
		switch top.Name {
		case "System":
		case "EventData":
			out = appendEventData(out, top)
		case "UserData":
			out = flatten(out, "", top.Children)
		default:
			out = flattenNode(out, top.Name, top)
		}
	}
	return out
}

// appendSystem appends the flattened System element (parts 1 and 2 of Flat).
func appendSystem(out []KV, sys *Node) []KV {
	if sys == nil {
		return out
	}
	var fixed [len(systemOrder)]KV
	var have [len(systemOrder)]bool
	var extra []KV
	put := func(key, val string, t ValueType) {
		if i := systemIndex(key); i >= 0 && !have[i] {
			have[i] = true
			fixed[i] = KV{key, val, t}
			return
		}
		extra = append(extra, KV{key, val, t})
	}
	for _, c := range sys.Children {
		if c.Kind != ElementNode {
			continue
		}
		if c.Name == "TimeCreated" {
			for _, a := range c.Attrs {
				if a.Name == "SystemTime" {
					put("TimeCreated", rfc3339(a.Value), a.Type)
				} else {
					put(attrKey(c.Name, a.Name), a.Value, a.Type)
				}
			}
			continue
		}
		if systemIndex(c.Name) >= 0 || c.Text != "" {
			put(c.Name, c.Text, c.Type)
		}
		for _, a := range c.Attrs {
			put(attrKey(c.Name, a.Name), a.Value, a.Type)
		}
	}
	for i := range fixed {
		if have[i] {
			out = append(out, fixed[i])
		}
	}
	return append(out, extra...)
}

// appendEventData appends the flattened EventData element (part 3 of Flat).
func appendEventData(out []KV, ed *Node) []KV {
	for _, a := range ed.Attrs {
		out = append(out, KV{"EventData_" + a.Name, a.Value, a.Type})
	}
	unnamed := 0
	for _, c := range ed.Children {
		if c.Kind != ElementNode {
			continue
		}
		key := c.Name
		if c.Name == "Data" {
			if name, ok := c.Attr("Name"); ok {
				key = name
			} else {
				key = dataKey(unnamed)
				unnamed++
			}
		}
		out = append(out, KV{key, c.Text, c.Type})
		if len(c.Children) > 0 {
			out = flatten(out, key, c.Children)
		}
	}
	return out
}

// flatten appends the elements in nodes under prefix, numbering siblings
// that share a name.
func flatten(out []KV, prefix string, nodes []*Node) []KV {
	var count, seen map[string]int
	if len(nodes) > 1 {
		count = make(map[string]int, len(nodes))
		seen = make(map[string]int, len(nodes))
		for _, c := range nodes {
			if c.Kind == ElementNode {
				count[c.Name]++
			}
		}
	}
	for _, c := range nodes {
		if c.Kind != ElementNode {
			continue
		}
		name := c.Name
		if count[c.Name] > 1 {
			name += "[" + strconv.Itoa(seen[c.Name]) + "]"
			seen[c.Name]++
		}
		if prefix != "" {
			name = prefix + "." + name
		}
		out = flattenNode(out, name, c)
	}
	return out
}

func flattenNode(out []KV, path string, n *Node) []KV {
	if n.Text != "" || len(n.Children) == 0 {
		out = append(out, KV{path, n.Text, n.Type})
	}
	for _, a := range n.Attrs {
		if a.Name == "xmlns" || strings.HasPrefix(a.Name, "xmlns:") {
			continue
		}
		out = append(out, KV{path + "_" + a.Name, a.Value, a.Type})
	}
	return flatten(out, path, n.Children)
}

// rfc3339 reformats a rendered SystemTime as time.RFC3339Nano (UTC,
// trailing fractional zeros trimmed); other text is returned unchanged.
func rfc3339(s string) string {
	// Fast path for our own rendering, 2006-01-02T15:04:05.0000000Z.
	if len(s) == 28 && s[19] == '.' && s[27] == 'Z' && s[10] == 'T' {
		frac := strings.TrimRight(s[20:27], "0")
		switch {
		case frac == "":
			return s[:19] + "Z"
		case len(frac) == 7:
			return s
		}
		return s[:20+len(frac)] + "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Get returns the value of the first pair with the given key.
func Get(kvs []KV, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}
