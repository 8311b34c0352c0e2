package evtx

import (
	"strings"
	"time"
)

// NodeKind tells elements from processing instructions in a Node tree.
type NodeKind uint8

const (
	// ElementNode is an XML element (the default).
	ElementNode NodeKind = iota
	// PINode is a processing instruction: Name is the target, Text the data.
	PINode
)

// Node is one element of a rendered event.
//
// Text is the concatenation of all character content directly inside the
// element (value text, substitution values, character and entity references
// resolved to characters, CDATA). Mixed content keeps its text but loses the
// interleaving with child elements; event XML does not use mixed content.
type Node struct {
	Name     string
	Attrs    []Attr
	Children []*Node
	Text     string
	// Type is the value type when Text came from exactly one substitution
	// value (e.g. TypeUInt16 for EventID, TypeHexInt64 for Keywords), and
	// TypeNull for literal or composed text.
	Type  ValueType
	Kind  NodeKind
	CDATA bool // Text came from a CDATA section
}

// Attr is one attribute of a Node. Type is as for Node.Type.
type Attr struct {
	Name  string
	Value string
	Type  ValueType
}

// Record is one event record.
type Record struct {
	ID     uint64    // event record identifier (record header)
	Time   time.Time // written time from the record header, UTC
	Chunk  int       // index of the chunk in the file (0-based)
	Offset int64     // file offset of the record
	Root   *Node     // the <Event> element
}

// Attr returns the value of the named attribute and whether it is present.
func (n *Node) Attr(name string) (string, bool) {
	for i := range n.Attrs {
		if n.Attrs[i].Name == name {
			return n.Attrs[i].Value, true
		}
	}
	return "", false
}

// Child returns the first child element with the given name, or nil.
func (n *Node) Child(name string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name && c.Kind == ElementNode {
			return c
		}
	}
	return nil
}

// XML renders the event like `wevtutil qe /f:xml`: no indentation, attribute
// values in single quotes, empty elements as <X/>.
func (r *Record) XML() string {
	if r == nil || r.Root == nil {
		return ""
	}
	var sb strings.Builder
	sb.Grow(1024)
	writeXML(&sb, r.Root)
	return sb.String()
}

// XML renders the subtree rooted at n (see Record.XML).
func (n *Node) XML() string {
	var sb strings.Builder
	writeXML(&sb, n)
	return sb.String()
}

func writeXML(sb *strings.Builder, n *Node) {
	if n.Kind == PINode {
		sb.WriteString("<?")
		sb.WriteString(n.Name)
		if n.Text != "" {
			sb.WriteByte(' ')
			sb.WriteString(n.Text)
		}
		sb.WriteString("?>")
		return
	}
	sb.WriteByte('<')
	sb.WriteString(n.Name)
	for _, a := range n.Attrs {
		sb.WriteByte(' ')
		sb.WriteString(a.Name)
		sb.WriteString("='")
		escape(sb, a.Value, true)
		sb.WriteByte('\'')
	}
	if n.Text == "" && len(n.Children) == 0 {
		sb.WriteString("/>")
		return
	}
	sb.WriteByte('>')
	if n.CDATA {
		sb.WriteString("<![CDATA[")
		sb.WriteString(strings.ReplaceAll(n.Text, "]]>", "]]]]><![CDATA[>"))
		sb.WriteString("]]>")
	} else {
		escape(sb, n.Text, false)
	}
	for _, c := range n.Children {
		writeXML(sb, c)
	}
	sb.WriteString("</")
	sb.WriteString(n.Name)
	sb.WriteByte('>')
}

// escape writes s with XML escaping; characters not allowed in XML 1.0
// (NUL and most C0 controls) are dropped.
func escape(sb *strings.Builder, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var rep string
		switch {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '\'' && attr:
			rep = "&apos;"
		case c == '"' && attr:
			rep = "&quot;"
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			rep = ""
		default:
			continue
		}
		sb.WriteString(s[last:i])
		sb.WriteString(rep)
		last = i + 1
	}
	sb.WriteString(s[last:])
}
