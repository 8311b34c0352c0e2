package source

import (
	"strings"
	"testing"
)

func TestJSONStreams(t *testing.T) {
	rec := func(id string) string {
		return `{"Timestamp":"2024-05-01T10:00:00Z","DeviceName":"ws` + id + `","ActionType":"ProcessCreated","FileName":"cmd.exe","FolderPath":"C:\\Windows\\System32\\cmd.exe","ProcessCommandLine":"cmd","InitiatingProcessFileName":"chrome.exe"}`
	}
	for name, c := range map[string]struct {
		in     string
		format string
		n      int
	}{
		"ndjson":       {rec("1") + "\n" + rec("2") + "\n", "mde-json", 2},
		"array":        {"[\n  " + rec("1") + ",\n  " + rec("2") + "\n]\n", "mde-json", 2},
		"api":          {`{"Schema":[{"Name":"Timestamp","Type":"DateTime"}],"Results":[` + rec("1") + "," + rec("2") + `]}`, "mde-json", 2},
		"concatenated": {rec("1") + rec("2"), "mde-json", 2},
		"evtx_dump": {"Record 7\n{\n  \"Event\": {\n    \"System\": {\"EventID\": 4688, \"Channel\": \"Security\", \"Computer\": \"WS1\",\n" +
			"      \"Provider\": {\"#attributes\": {\"Name\": \"Microsoft-Windows-Security-Auditing\"}},\n      \"EventRecordID\": 7,\n" +
			"      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": \"2024-05-01T10:00:00.250000Z\"}}},\n" +
			"    \"EventData\": {\"NewProcessName\": \"C:\\\\Windows\\\\System32\\\\cmd.exe\", \"NewProcessId\": \"0x10\", \"ProcessId\": \"0x4\",\n" +
			"      \"ParentProcessName\": \"C:\\\\x\\\\chrome.exe\", \"TargetUserName\": \"-\", \"SubjectUserName\": \"bo\", \"Data\": [\"u1\", \"u2\"]}\n  }\n}\n", "evtx-json", 1},
	} {
		res := readBytes(t, name, []byte(c.in), Options{})
		if len(res.events) != c.n || len(res.problems) != 0 || res.formats[c.format] != int64(c.n) {
			t.Errorf("%s: %d events, formats %v, problems %v", name, len(res.events), res.formats, res.problems)
			continue
		}
		e := res.events[0]
		if get(e, "#event_simpleName") != "ProcessRollup2" || get(e, "FileName") != "cmd.exe" || get(e, "ParentBaseFileName") != "chrome.exe" {
			t.Errorf("%s: %v %v", name, e.Keys, e.Vals)
		}
		if name == "evtx_dump" {
			for k, v := range map[string]string{"EventID": "4688", "Provider_Name": "Microsoft-Windows-Security-Auditing", "RawProcessId": "16",
				"UserName": "bo", "Data[0]": "u1", "Data[1]": "u2", "timestamp": "1714557600250", "TimeCreated": "2024-05-01T10:00:00.25Z"} {
				if get(e, k) != v {
					t.Errorf("evtx_dump %s = %q, want %q", k, get(e, k), v)
				}
			}
			if e.Origin.Record != 7 || e.Origin.Line != 2 {
				t.Errorf("origin %+v", e.Origin)
			}
		}
	}
}

func TestJSONDamage(t *testing.T) {
	good := `{"EventID":1,"Hostname":"h","SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Image":"C:\\a.exe","ParentImage":"C:\\b.exe","UtcTime":"2024-05-01 10:00:00.000"}`
	// Line-delimited: a torn line (unbalanced braces and quotes) loses
	// only itself.
	in := good + "\n" + `{"EventID":1,"Image":"C:\\x` + "\n" + good + "\n[1,2]\n" + "garbage\n" + good + "\n"
	res := readBytes(t, "nx.json", []byte(in), Options{})
	if len(res.events) != 3 {
		t.Errorf("kept %d events, want 3", len(res.events))
	}
	var reasons []string
	for _, p := range res.problems {
		reasons = append(reasons, p.String())
	}
	all := strings.Join(reasons, "\n")
	for _, w := range []string{"nx.json:2: not JSON", "nx.json:4: not a JSON object", "nx.json:5: not JSON"} {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
	// A top-level array cut short.
	res = readBytes(t, "cut.json", []byte("[\n"+good+",\n"+good[:40]), Options{})
	if len(res.events) != 1 || len(res.problems) == 0 {
		t.Errorf("cut array: %d events, %v", len(res.events), res.problems)
	}
	// A pretty-printed stream with a record over MaxRecord.
	pretty := "{\n \"EventID\": 1, \"Channel\": \"Security\", \"Computer\": \"c\"\n}\n"
	long := "{\n \"EventID\": 1, \"Channel\": \"Security\", \"Computer\": \"" + strings.Repeat("x", 3000) + "\"\n}\n"
	res = readBytes(t, "long.json", []byte(pretty+long+pretty), Options{MaxRecord: 1000})
	if len(res.events) != 2 || len(res.problems) != 1 || !strings.Contains(res.problems[0].Reason, "longer than 1000") || res.problems[0].Line != 4 {
		t.Errorf("long record: %d events, %v", len(res.events), res.problems)
	}
}

func TestCSV(t *testing.T) {
	in := "\ufeffTimestamp,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,InitiatingProcessFileName\r\n" +
		"2024-05-01T10:00:00Z,ws1,ProcessCreated,cmd.exe,C:\\Windows\\System32\\cmd.exe,\"cmd /c \"\"echo\"\"\r\nsecond line\",chrome.exe\r\n" +
		"2024-05-01T10:00:01Z,ws1,ProcessCreated,too,few\r\n" +
		"2024-05-01T10:00:02Z,ws1,ProcessCreated,x\xff.exe,C:\\x.exe,x,firefox.exe\r\n"
	res := readBytes(t, "mde.csv", []byte(in), Options{})
	if res.formats["mde-csv"] != 3 || len(res.events) != 2 || len(res.problems) != 1 {
		t.Fatalf("formats %v, %d events, problems %v", res.formats, len(res.events), res.problems)
	}
	e := res.events[0]
	if get(e, "CommandLine") != "cmd /c \"echo\"\r\nsecond line" && get(e, "CommandLine") != "cmd /c \"echo\"\nsecond line" {
		t.Errorf("multi-line cell: %q", get(e, "CommandLine"))
	}
	if get(e, "Timestamp") != "2024-05-01T10:00:00Z" || get(e, "ParentBaseFileName") != "chrome.exe" || e.Origin.Line != 2 {
		t.Errorf("row: %v %v line %d", e.Keys, e.Vals, e.Origin.Line)
	}
	if p := res.problems[0]; p.Line != 4 || !strings.Contains(p.Reason, "5 cells where the header has 7") {
		t.Errorf("problem %v", p)
	}
	if get(res.events[1], "FileName") != "x\ufffd.exe" || res.invalid != 1 {
		t.Errorf("invalid UTF-8: %q, %d", get(res.events[1], "FileName"), res.invalid)
	}
	// Repeated and empty header names.
	res = readBytes(t, "h.csv", []byte("a,a,,b\n1,2,3,4\n"), Options{})
	if len(res.events) != 1 || strings.Join(res.events[0].Keys[:4], ",") != "a,a#2,_col3,b" {
		t.Errorf("header names: %v", res.events)
	}
}
