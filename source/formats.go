package source

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/lanner-dev/lanner/normalize"
)

// Input format names, as --input-format takes them and the run summary
// counts records.
const (
	FormatAuto     = "auto"
	FormatFalcon   = "falcon"
	FormatNDJSON   = "ndjson"
	FormatEVTX     = "evtx"
	FormatXML      = "xml"
	FormatEVTXJSON = "evtx-json"
	FormatECS      = "ecs"
	FormatNXLog    = "nxlog"
	FormatMDEJSON  = "mde-json"
	FormatMDECSV   = "mde-csv"
	FormatJSON     = "json"
	FormatCSV      = "csv"
)

// FormatInfo describes an input format for `lanner formats`.
type FormatInfo struct {
	Name        string
	Description string
	// Example is a short sample of the format (abridged, invented values).
	Example string
}

// Formats lists the input formats in the order `lanner formats` shows them.
var Formats = []FormatInfo{
	{FormatFalcon, "CrowdStrike Falcon events, one JSON object per line (FDR files, LogScale exports); recognised by event_simpleName / #event_simpleName",
		`{"event_simpleName":"ProcessRollup2","aid":"…","timestamp":"1700000000000","ImageFileName":"\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe","ParentBaseFileName":"chrome.exe","CommandLine":"cmd.exe /c whoami"}`},
	{FormatNDJSON, "any other JSON, one object per line; fields as they are (only FileName/FilePath/@timestamp are derived, as for Falcon)",
		`{"host":"web1","msg":"started","ts":"1700000000000"}`},
	{FormatEVTX, "Windows event log files (.evtx, binary; recognised by the ElfFile signature), Sysmon, Security and every other channel",
		`ElfFile\0 … (binary)`},
	{FormatXML, "Windows event XML: wevtutil qe /f:xml, Get-WinEvent … | % { $_.ToXml() }, Event Viewer's \"Save as XML\" (<Events> wrapper or one <Event> per line; UTF-8 or UTF-16)",
		`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>1</EventID><TimeCreated SystemTime="2024-05-01T10:00:00.000Z"/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS1</Computer></System><EventData><Data Name="Image">C:\Windows\System32\cmd.exe</Data><Data Name="ParentImage">C:\Program Files\Google\Chrome\Application\chrome.exe</Data></EventData></Event>`},
	{FormatEVTXJSON, "the JSON of evtx_dump (Rust evtx): Event.System, Event.EventData, #attributes; pretty-printed or one per line",
		`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Computer":"WS1","TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00.000000Z"}}},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe","ParentImage":"C:\\…\\chrome.exe"}}}`},
	{FormatECS, "Winlogbeat / Elastic Common Schema JSON (winlog.*, process.*, event.*)",
		`{"@timestamp":"2024-05-01T10:00:00.000Z","event":{"code":"1"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_id":1,"computer_name":"WS1"},"process":{"executable":"C:\\Windows\\System32\\cmd.exe","parent":{"name":"chrome.exe"}}}`},
	{FormatNXLog, "NXLog im_msvistalog JSON and other flat Windows-event JSON (EventID, Channel/SourceName, Hostname, EventData fields at the top level)",
		`{"EventID":1,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"ws1.corp.local","EventTime":"2024-05-01 06:00:00","UtcTime":"2024-05-01 10:00:00.000","Image":"C:\\Windows\\System32\\cmd.exe","ParentImage":"C:\\…\\chrome.exe"}`},
	{FormatMDEJSON, "Microsoft Defender for Endpoint advanced hunting results as JSON (DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents; rows one per line, in an array, or the API's {\"Results\":[…]})",
		`{"Timestamp":"2024-05-01T10:00:00Z","DeviceName":"ws1.corp.local","ActionType":"ProcessCreated","FileName":"cmd.exe","FolderPath":"C:\\Windows\\System32\\cmd.exe","ProcessCommandLine":"cmd.exe /c whoami","InitiatingProcessFileName":"chrome.exe"}`},
	{FormatMDECSV, "the same Defender tables exported as CSV with a header row",
		"Timestamp,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,InitiatingProcessFileName\n2024-05-01T10:00:00Z,ws1.corp.local,ProcessCreated,cmd.exe,C:\\Windows\\System32\\cmd.exe,cmd.exe /c whoami,chrome.exe"},
	{FormatJSON, "any other JSON stream (pretty-printed, concatenated or in an array); each record's family is recognised from its fields",
		`[{"EventID":4688,"Channel":"Security","Computer":"WS1",…}, …]`},
	{FormatCSV, "any other CSV with a header row; each row's family is recognised from its columns",
		"host,user,action\nweb1,alice,login"},
}

// KnownFormat reports whether name is auto or a format of Formats.
func KnownFormat(name string) bool {
	if name == "" || name == FormatAuto {
		return true
	}
	for _, f := range Formats {
		if f.Name == name {
			return true
		}
	}
	return false
}

// FormatNames returns auto and every format name.
func FormatNames() []string {
	out := []string{FormatAuto}
	for _, f := range Formats {
		out = append(out, f.Name)
	}
	return out
}

// familyOf gives the normalisation family a forced format implies.
func familyOf(format string) normalize.Family {
	switch format {
	case FormatFalcon, FormatNDJSON:
		return normalize.Falcon
	case FormatEVTX, FormatXML, FormatEVTXJSON:
		return normalize.Windows
	case FormatECS:
		return normalize.ECS
	case FormatNXLog:
		return normalize.NXLog
	case FormatMDEJSON, FormatMDECSV:
		return normalize.MDE
	}
	return normalize.Unknown
}

var evtxMagic = []byte("ElfFile\x00")

// isEVTX recognises an EVTX file by its signature, or by the signature of
// its first chunk when the file header was destroyed.
func isEVTX(head []byte) bool {
	return bytes.HasPrefix(head, evtxMagic) ||
		len(head) >= 4096+8 && bytes.Equal(head[4096:4096+8], []byte("ElfChnk\x00"))
}

// sniffResult is what the first bytes of a file say.
type sniffResult struct {
	format string
	// raw: the file is line-delimited JSON of the Falcon or generic shape,
	// read as raw lines that the engine's workers decode (and prefilter).
	raw bool
	// lines: a JSON file with one record per line.
	lines bool
}

// Sniff recognises the format of a (decompressed, UTF-8) stream from its
// first bytes. head may end anywhere; atEOF says it is the whole input.
// Text with a JSON object line that it cannot place otherwise is "ndjson",
// whose reader reports each line it cannot parse; text without one is
// formatUnknown, and the reader skips the file.
func Sniff(head []byte, atEOF bool) string { return sniff(head, atEOF).format }

func sniff(head []byte, atEOF bool) sniffResult {
	if isEVTX(head) {
		return sniffResult{format: FormatEVTX}
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		return sniffResult{format: FormatNDJSON, raw: true}
	}
	switch t[0] {
	case '<':
		return sniffResult{format: FormatXML}
	case '{', '[':
		return sniffJSON(head, atEOF)
	}
	if evtxDumpHeader.Match(firstLine(t)) {
		return sniffJSON(head, atEOF)
	}
	if f, ok := sniffCSV(t); ok {
		return sniffResult{format: f}
	}
	// Text with no JSON object line in its head (a README, a licence, a
	// shell script) is not telemetry: the reader skips the file whole,
	// reporting it once, instead of a parse error per line.
	if !bytes.Contains(t, []byte("\n{")) && !bytes.Contains(t, []byte("\n {")) {
		return sniffResult{format: formatUnknown}
	}
	return sniffResult{format: FormatNDJSON, raw: true}
}

// formatUnknown is what Sniff says of text it cannot place.
const formatUnknown = "unknown"

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
}

// sniffJSON tells the layout and the family of a JSON file from its head.
//
// Line-delimited files (the first non-blank line is a whole object) are
// sampled line by line, up to 16 lines; a torn line is ignored. They are
// read as raw lines (the engine's fast path) only when every line seen is
// of the Falcon or generic shape: the Windows, ECS and MDE shapes get
// fields that are not in the raw line (#event_simpleName, FileName…),
// which the raw-bytes prefilter cannot see. Other layouts (pretty-printed,
// arrays, evtx_dump's "Record N" lines) are classified by their first
// record.
func sniffJSON(head []byte, atEOF bool) sniffResult {
	var p fastjson.Parser
	rest := head
	firstLine := true
	seen := 0
	first := normalize.Unknown
	falcon, rawOK := false, true
	for len(rest) > 0 && seen < 16 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 && !atEOF {
			if firstLine {
				// The head ends inside the first line: a long line that
				// names the Falcon tag is Falcon NDJSON.
				if bytes.Contains(rest, []byte(`event_simpleName"`)) && bytes.HasPrefix(bytes.TrimSpace(rest), []byte("{")) {
					return sniffResult{format: FormatFalcon, raw: true}
				}
				return sniffResult{format: FormatJSON}
			}
			break // a partial line
		}
		line := rest
		if i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		v, err := p.ParseBytes(line)
		ok := err == nil && v.Type() == fastjson.TypeObject
		if firstLine {
			firstLine = false
			if !ok {
				return sniffValues(head)
			}
		}
		if !ok {
			continue // a torn line says nothing about the layout
		}
		f := classifyJSON(v)
		if first == normalize.Unknown {
			first = f
		}
		switch f {
		case normalize.Falcon:
			falcon = true
		case normalize.Generic:
		default:
			rawOK = false
		}
		seen++
	}
	if rawOK {
		if falcon {
			return sniffResult{format: FormatFalcon, raw: true}
		}
		return sniffResult{format: FormatNDJSON, raw: true}
	}
	return sniffResult{format: jsonFormatName(first), lines: true}
}

// sniffValues classifies a JSON stream that is not line-delimited by its
// first whole record.
func sniffValues(head []byte) sniffResult {
	s := &jsonScanner{w: newWindow(bytes.NewReader(head)), max: len(head) + 1}
	var p fastjson.Parser
	for n := 0; n < 16; n++ {
		r, ok := s.next()
		if !ok || r.truncated {
			break
		}
		if r.problem != "" {
			continue
		}
		if v, err := p.ParseBytes(r.data); err == nil {
			return sniffResult{format: jsonFormatName(classifyJSON(v))}
		}
	}
	return sniffResult{format: FormatJSON}
}

func jsonFormatName(f normalize.Family) string {
	switch f {
	case normalize.Falcon:
		return FormatFalcon
	case normalize.Windows:
		return FormatEVTXJSON
	case normalize.NXLog:
		return FormatNXLog
	case normalize.ECS:
		return FormatECS
	case normalize.MDE:
		return FormatMDEJSON
	}
	return FormatJSON
}

// classifyJSON tells the family of a parsed JSON record from its top-level
// keys. evtx_dump's {"Event":{"System":…}} counts as Windows; an API
// response {"Results":[…]} is classified by its first row.
func classifyJSON(v *fastjson.Value) normalize.Family {
	if v.Type() == fastjson.TypeArray {
		a, _ := v.Array()
		if len(a) == 0 {
			return normalize.Unknown
		}
		v = a[0]
	}
	o, err := v.Object()
	if err != nil {
		return normalize.Unknown
	}
	if ev := o.Get("Event"); ev != nil && ev.Get("System") != nil {
		return normalize.Windows
	}
	if res := o.Get("Results"); res != nil && res.Type() == fastjson.TypeArray {
		return classifyJSON(res)
	}
	var keys keySet
	o.Visit(func(k []byte, x *fastjson.Value) {
		keys.add(string(k), x.Type() == fastjson.TypeObject)
	})
	return keys.family()
}

// keySet collects the top-level keys that tell families apart, with the
// same rules as normalize.Detect.
type keySet struct {
	simple, winlog, ecsEvent, ecsHost, evID, channel, hostname, computer, action, device bool
}

func (k *keySet) add(name string, object bool) {
	switch name {
	case "event_simpleName", "#event_simpleName":
		k.simple = true
	case "winlog", "ecs":
		k.winlog = true
	case "event":
		k.ecsEvent = object
	case "host", "process":
		k.ecsHost = k.ecsHost || object
	case "EventID":
		k.evID = true
	case "Channel", "SourceName", "Provider_Name":
		k.channel = true
	case "Hostname", "EventTime", "SourceModuleType":
		k.hostname = true
	case "Computer":
		k.computer = true
	case "ActionType":
		k.action = true
	case "DeviceName", "DeviceId":
		k.device = true
	}
	if strings.HasPrefix(name, "winlog.") || strings.HasPrefix(name, "ecs.") {
		k.winlog = true
	}
}

func (k *keySet) family() normalize.Family {
	switch {
	case k.simple:
		return normalize.Falcon
	case k.winlog || k.ecsEvent && k.ecsHost:
		return normalize.ECS
	case k.action && k.device:
		return normalize.MDE
	case k.evID && k.hostname && !k.computer:
		return normalize.NXLog
	case k.evID && (k.channel || k.computer):
		return normalize.Windows
	}
	return normalize.Generic
}

// sniffCSV accepts a first line that reads as a CSV header: at least two
// cells, each a plausible column name.
func sniffCSV(t []byte) (string, bool) {
	line := firstLine(t)
	if len(line) == 0 || len(line) > 64<<10 {
		return "", false
	}
	r := csv.NewReader(bytes.NewReader(line))
	r.LazyQuotes = true
	cells, err := r.Read()
	if err != nil || len(cells) < 2 {
		return "", false
	}
	var keys keySet
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue // an unnamed column
		}
		if len(c) > 128 {
			return "", false
		}
		for _, r := range c {
			if !(r == '_' || r == '.' || r == '@' || r == '#' || r == '-' || r == ' ' || r == '$' || r == '[' || r == ']' ||
				r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return "", false
			}
		}
		keys.add(c, false)
	}
	if keys.family() == normalize.MDE {
		return FormatMDECSV, true
	}
	return FormatCSV, true
}
