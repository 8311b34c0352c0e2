package simulate

import (
	"bytes"
	"fmt"
	"strings"
)

// Output is what Render wrote.
type Output struct {
	Data    []byte
	Records int // records written; 0 means the tests are not observable in the source
}

// Render writes the records the scenarios produce, in order, as the source
// holds them. Several scenarios share one host, user and clock (one seed),
// the later ones starting after the earlier ones.
func Render(scenarios []*Scenario, source string, seed uint64) (*Output, error) {
	if !IsSource(source) {
		return nil, fmt.Errorf("unknown source %q (sources: %s)", source, strings.Join(Sources, ", "))
	}
	for _, sc := range scenarios {
		if errs := sc.Validate(); len(errs) > 0 {
			return nil, fmt.Errorf("test %d: %s", sc.Test, strings.Join(errs, "; "))
		}
	}
	w := newWorld(seed)
	tl := &timeline{w: w}
	for _, sc := range scenarios {
		tl.play(sc)
	}
	var buf bytes.Buffer
	n := 0
	switch source {
	case "falcon":
		n = renderFalcon(&buf, tl)
	case "sysmon":
		for _, e := range sysmonEvents(tl) {
			buf.Write(e.json())
			buf.WriteByte('\n')
			n++
		}
	case "sysmon-xml":
		n = writeXML(&buf, sysmonEvents(tl))
	case "security":
		n = writeXML(&buf, securityEvents(tl))
	case "mde":
		n = renderMDE(&buf, tl)
	}
	return &Output{Data: buf.Bytes(), Records: n}, nil
}

// writeXML writes events inside an <Events> wrapper, one per line; nothing
// at all when there is no event.
func writeXML(buf *bytes.Buffer, evs []*winEvent) int {
	if len(evs) == 0 {
		return 0
	}
	buf.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events>\n")
	for _, e := range evs {
		buf.Write(e.xml())
		buf.WriteByte('\n')
	}
	buf.WriteString("</Events>\n")
	return len(evs)
}
