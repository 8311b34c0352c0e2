package source

import (
	"os"
	"strings"
	"testing"
	"unicode/utf16"
)

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const xmlEvent = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>1</EventID><TimeCreated SystemTime="2024-05-01T10:00:00.0000000Z"/><EventRecordID>%ID%</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS1</Computer></System><EventData><Data Name="UtcTime">2024-05-01 10:00:00.000</Data><Data Name="Image">C:\Windows\System32\cmd.exe</Data><Data Name="CommandLine">cmd /c "a &amp; b" &lt;x&gt; &#x41;&#66;</Data><Data Name="ParentImage">C:\x\msedge.exe</Data><Data Name="User">D\u</Data></EventData></Event>`

func xmlEv(id string) string { return strings.ReplaceAll(xmlEvent, "%ID%", id) }

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf16BE(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

func TestXMLLayouts(t *testing.T) {
	backToBack := xmlEv("1") + xmlEv("2") + xmlEv("3")
	perLine := xmlEv("1") + "\r\n" + xmlEv("2") + "\r\n" + xmlEv("3") + "\r\n"
	wrapped := "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!-- saved by Event Viewer -->\n<Events>\n" + perLine + "</Events>\n"
	for name, data := range map[string][]byte{
		"wevtutil":     []byte(backToBack),
		"per-line":     []byte(perLine),
		"wrapped":      []byte(wrapped),
		"utf8-bom":     append([]byte{0xEF, 0xBB, 0xBF}, wrapped...),
		"utf16le-bom":  utf16LE(wrapped, true),
		"utf16le-bare": utf16LE(perLine, false),
		"utf16be-bom":  utf16BE(wrapped),
	} {
		res := readBytes(t, name, data, Options{})
		if len(res.events) != 3 || len(res.problems) != 0 || len(res.errs) != 0 {
			t.Errorf("%s: %d events, problems %v, errors %v", name, len(res.events), res.problems, res.errs)
			continue
		}
		e := res.events[2]
		if get(e, "CommandLine") != `cmd /c "a & b" <x> AB` || get(e, "FileName") != "cmd.exe" || get(e, "ParentBaseFileName") != "msedge.exe" ||
			get(e, "EventRecordID") != "3" || e.Origin.Record != 3 || res.formats["xml"] != 3 {
			t.Errorf("%s: fields %v %v", name, e.Keys, e.Vals)
		}
	}
}

func TestXMLDamage(t *testing.T) {
	in := strings.Join([]string{
		xmlEv("1"),
		strings.Replace(xmlEv("2"), "</Data><Data Name=\"Image\">", "</Dta><Data Name=\"Image\">", 1), // mismatched tag
		strings.Replace(xmlEv("3"), "</EventData></Event>", "", 1),                                    // cut short by the next event
		xmlEv("4"),
		"stray text",
		strings.Replace(xmlEv("5"), "&amp;", "&bogus;", 1), // unknown entity
		"<Event/>",
		xmlEv("6")[:200], // truncated at the end
	}, "\n")
	res := readBytes(t, "damaged.xml", []byte(in), Options{})
	var ids []string
	for _, e := range res.events {
		ids = append(ids, get(e, "EventRecordID"))
	}
	if strings.Join(ids, ",") != "1,4" {
		t.Errorf("events kept: %v", ids)
	}
	want := []string{"damaged.xml:2: bad event XML", "damaged.xml:3: event cut short", "damaged.xml:5: text outside an event",
		"damaged.xml:6: bad event XML", "unknown entity", "damaged.xml:7: empty <Event/>", "damaged.xml:8: truncated event"}
	var got []string
	for _, p := range res.problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
	if len(res.problems) != 6 {
		t.Errorf("%d problems, want 6:\n%s", len(res.problems), all)
	}
}

func TestXMLDetails(t *testing.T) {
	// UserData, CDATA, comments inside, prefixed names, attributes in single
	// quotes, invalid UTF-8 (kept as U+FFFD and counted), indentation.
	in := "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n  <System>\n    <Provider Name='Microsoft-Windows-Eventlog' Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/>\n" +
		"    <EventID Qualifiers=''>1102</EventID>\n    <TimeCreated SystemTime='2024-05-01T10:00:00.1234567Z'/>\n    <Channel>Security</Channel>\n    <Computer>DC1</Computer>\n  </System>\n" +
		"  <UserData>\n    <LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>\n      <SubjectUserName>ad\xffmin</SubjectUserName>\n" +
		"      <!-- a comment --><Note><![CDATA[<raw> & text]]></Note>\n    </LogFileCleared>\n  </UserData>\n</Event>\n"
	res := readBytes(t, "d.xml", []byte(in), Options{})
	if len(res.events) != 1 {
		t.Fatalf("problems %v", res.problems)
	}
	e := res.events[0]
	for k, v := range map[string]string{
		"EventID": "1102", "EventID_Qualifiers": "", "Provider_Name": "Microsoft-Windows-Eventlog",
		"LogFileCleared.SubjectUserName": "ad\ufffdmin", "LogFileCleared.Note": "<raw> & text",
		"ComputerName": "DC1", "timestamp": "1714557600123", "TimeCreated": "2024-05-01T10:00:00.1234567Z",
	} {
		if got, ok := e.Get(k); !ok || got != v {
			t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
		}
	}
	if res.invalid != 1 {
		t.Errorf("invalid UTF-8 count %d", res.invalid)
	}
	if _, ok := e.Get("#event_simpleName"); ok {
		t.Errorf("event 1102 must not get a Falcon event name")
	}
}

func TestXMLTooLong(t *testing.T) {
	long := strings.Replace(xmlEv("2"), "cmd /c", "cmd /c "+strings.Repeat("A", 5000), 1)
	in := xmlEv("1") + "\n" + long + "\n" + xmlEv("3")
	res := readBytes(t, "long.xml", []byte(in), Options{MaxRecord: 2000})
	if len(res.events) != 2 || len(res.problems) != 1 || !strings.Contains(res.problems[0].Reason, "longer than 2000 bytes") {
		t.Fatalf("%d events, problems %v", len(res.events), res.problems)
	}
	if res.problems[0].Line != 2 {
		t.Errorf("problem line %d", res.problems[0].Line)
	}
}
