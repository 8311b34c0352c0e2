package source

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// testdata/mixed holds the same three process starts (chrome → powershell
// -enc, firefox → wscript, chrome → chrome) in every format, plus Sysmon 3
// and 11 in the XML. The seed query must give the Falcon file's alerts from
// each of them.
func TestMixedDirectorySeedQuery(t *testing.T) {
	q := seedQuery(t)
	for _, prefilter := range []bool{true, false} {
		rows, st, errs := runQuery(t, q, Options{}, prefilter, mustExpand(t, "testdata/mixed")...)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		wantFormats := map[string]int64{"falcon": 3, "xml": 10, "evtx-json": 3, "ecs": 3, "nxlog": 3, "mde-json": 3, "mde-csv": 3}
		if fmt.Sprint(st.PerFormat) != fmt.Sprint(wantFormats) {
			t.Errorf("records per format: %v, want %v", st.PerFormat, wantFormats)
		}
		if st.Skipped != 0 {
			t.Errorf("skipped %d: %v", st.Skipped, st.Problems)
		}
		byFile := map[string][]string{}
		for _, r := range rows {
			key := strings.Join([]string{get(r, "timestamp"), get(r, "ComputerName"), get(r, "UserName"), get(r, "ParentBaseFileName"),
				get(r, "FileName"), get(r, "CommandLine"), get(r, "is_encoded_ps"), get(r, "is_script_engine"), get(r, "suspicion_level")}, "|")
			byFile[r.Origin.File] = append(byFile[r.Origin.File], key)
		}
		falcon := byFile["testdata/mixed/falcon.ndjson"]
		sort.Strings(falcon)
		if len(falcon) != 2 || !strings.HasSuffix(falcon[0], "|true|false|high") || !strings.HasSuffix(falcon[1], "|false|true|medium") {
			t.Fatalf("falcon rows: %q", falcon)
		}
		if len(byFile) != 8 {
			t.Errorf("alerts from %d files, want 8: %v", len(byFile), byFile)
		}
		for f, got := range byFile {
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(falcon, "\n") {
				t.Errorf("prefilter=%v %s:\n got %q\nwant %q", prefilter, f, got, falcon)
			}
		}
	}
}

// The Sysmon 3 and 11 events of the XML fixture map to Falcon's network
// and file events.
func TestSysmonXMLNetworkFile(t *testing.T) {
	res := readPaths(t, Options{}, "testdata/mixed/sysmon-wevtutil.xml")
	if len(res.events) != 5 || len(res.problems) != 0 {
		t.Fatalf("%d events, problems %v", len(res.events), res.problems)
	}
	net, file := res.events[3], res.events[4]
	for k, v := range map[string]string{"#event_simpleName": "NetworkConnectIP4", "RemoteAddressIP4": "192.0.2.10", "RemotePort": "443",
		"LocalAddressIP4": "10.0.0.5", "ContextBaseFileName": "powershell.exe", "ContextProcessId": "{11111111-2222-3333-4444-000000005001}"} {
		if get(net, k) != v {
			t.Errorf("network %s = %q, want %q", k, get(net, k), v)
		}
	}
	for k, v := range map[string]string{"#event_simpleName": "NewExecutableWritten", "TargetFileName": `C:\Users\alice\AppData\Local\Temp\stage2.exe`,
		"FileName": "stage2.exe", "timestamp": "1714557602000"} {
		if get(file, k) != v {
			t.Errorf("file %s = %q, want %q", k, get(file, k), v)
		}
	}
	if res.events[0].Origin.Record != 11 || res.events[0].Origin.Format != "xml" {
		t.Errorf("origin %+v", res.events[0].Origin)
	}
}

func TestSniff(t *testing.T) {
	many := strings.Repeat(`{"event_simpleName":"ProcessRollup2","a":"b"}`+"\n", 30)
	for _, c := range []struct{ in, want string }{
		{"", "ndjson"},
		{"ElfFile\x00\x01\x02", "evtx"},
		{"<?xml version='1.0'?><Events>", "xml"},
		{"\r\n  <Event xmlns='x'>", "xml"},
		{`{"event_simpleName":"ProcessRollup2","aid":"1"}` + "\n", "falcon"},
		{`{"#event_simpleName":"DnsRequest"}`, "falcon"},
		{many, "falcon"},
		{`{"n":"1"}` + "\n" + `{"n":"2"}`, "ndjson"},
		{"not json\n", "unknown"},
		{`{"Event":{"System":{"EventID":1}}}`, "evtx-json"},
		{"Record 1\n{\n  \"Event\": {\n    \"System\": {}\n  }\n}\n", "evtx-json"},
		{`{"winlog":{"event_id":1},"@timestamp":"x"}`, "ecs"},
		{`{"@timestamp":"x","event":{"code":"1"},"process":{"name":"a"}}`, "ecs"},
		{`{"EventID":1,"Hostname":"h","SourceName":"s"}`, "nxlog"},
		{`{"EventID":4688,"Channel":"Security","Computer":"c"}`, "evtx-json"},
		{`[{"Timestamp":"t","DeviceName":"d","ActionType":"ProcessCreated"}]`, "mde-json"},
		{`{"Schema":[],"Results":[{"DeviceName":"d","ActionType":"FileCreated"}]}`, "mde-json"},
		{"[\n {\"a\":1}\n]", "json"},
		{"{\n \"event_simpleName\": \"x\"\n}\n", "falcon"},
		{"Timestamp,DeviceId,DeviceName,ActionType,FileName\n", "mde-csv"},
		{"host,user,action\nweb1,alice,login\n", "csv"},
		{"just some words\n", "unknown"},   // not telemetry: the file is skipped
		{"garbage\n{\"a\":1}\n", "ndjson"}, // an object line: NDJSON with a bad line
		// A Falcon file whose first line is longer than the sniffed head.
		{`{"event_simpleName":"ProcessRollup2","CommandLine":"` + strings.Repeat("x", 300<<10) + `"}`, "falcon"},
	} {
		head := []byte(c.in)
		atEOF := true
		if len(head) > 256<<10 {
			head, atEOF = head[:256<<10], false
		}
		if got := Sniff(head, atEOF); got != c.want {
			t.Errorf("Sniff(%.60q) = %s, want %s", c.in, got, c.want)
		}
	}
	// A broken line among Falcon lines keeps the file on the raw path.
	r := sniff([]byte(many[:200]+"[1,2,3]\n"+many[:200]), true)
	if !r.raw || r.format != "falcon" {
		t.Errorf("falcon with a bad line: %+v", r)
	}
}

// Non-Falcon JSON lines must not go through the raw path: their
// normalised fields are not in the raw bytes the prefilter searches.
func TestPrefilterSoundnessPerShape(t *testing.T) {
	ins := mustExpand(t, "testdata/mixed")
	for _, q := range []string{
		`#event_simpleName=ProcessRollup2 FileName=powershell.exe`,
		`ParentBaseFileName=/^chrome\.exe$/i`,
		`ComputerName=WS1 UserName=alice FileName=wscript.exe`,
		`#event_simpleName=NewExecutableWritten`,
	} {
		with, _, _ := runQuery(t, q, Options{}, true, ins...)
		without, _, _ := runQuery(t, q, Options{}, false, ins...)
		if len(with) != len(without) || len(with) == 0 {
			t.Errorf("%s: %d rows with the prefilter, %d without", q, len(with), len(without))
		}
	}
}

func TestForcedFormat(t *testing.T) {
	// A CSV forced as mde-csv; an NXLog file forced as nxlog.
	res := readPaths(t, Options{Format: "mde-csv"}, "testdata/mixed/mde-processes.csv")
	if res.formats["mde-csv"] != 3 || len(res.events) != 3 || get(res.events[0], "ParentBaseFileName") != "chrome.exe" {
		t.Fatalf("forced mde-csv: %v %d", res.formats, len(res.events))
	}
	// Falcon forced on XML: read as raw lines, each reported.
	res = readPaths(t, Options{Format: "falcon"}, "testdata/mixed/security-4688.xml")
	if len(res.events) != 0 || len(res.problems) == 0 || res.formats["falcon"] == 0 {
		t.Fatalf("falcon forced on XML: %d events, %d problems", len(res.events), len(res.problems))
	}
	// EVTX forced on text: a clear error for the file.
	res = readPaths(t, Options{Format: "evtx"}, "testdata/mixed/falcon.ndjson")
	if len(res.errs) != 1 || !strings.Contains(res.errs[0].Error(), "not an EVTX file") {
		t.Fatalf("evtx forced on NDJSON: %v", res.errs)
	}
}

func TestCompressedStructured(t *testing.T) {
	raw := readFile(t, "testdata/mixed/security-4688.xml")
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	ze, _ := zstd.NewWriter(&zs)
	ze.Write(raw)
	ze.Close()
	for name, data := range map[string][]byte{"x.gz": gz.Bytes(), "x.zst": zs.Bytes()} {
		res := readBytes(t, name, data, Options{})
		if res.formats["xml"] != 5 || len(res.events) != 5 {
			t.Errorf("%s: %v", name, res.formats)
		}
	}
	// A torn gzip stream: the events before the damage, then an error.
	big := bytes.Repeat(raw, 50)
	var g2 bytes.Buffer
	zw = gzip.NewWriter(&g2)
	zw.Write(big)
	zw.Close()
	res := readBytes(t, "torn.gz", g2.Bytes()[:g2.Len()/2], Options{})
	if len(res.errs) != 1 {
		t.Fatalf("torn gzip: errors %v", res.errs)
	}
}
