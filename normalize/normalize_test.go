package normalize

import (
	"strings"
	"testing"

	"github.com/lanner-dev/lanner/event"
)

// ev builds an event from alternating keys and values; every field counts
// as original.
func ev(kv ...string) *event.Event {
	e := &event.Event{}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Keys = append(e.Keys, kv[i])
		e.Vals = append(e.Vals, kv[i+1])
	}
	e.NOrig = len(e.Keys)
	return e
}

// want checks fields; a value "<absent>" means the field must be absent.
func want(t *testing.T, e *event.Event, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		got, ok := e.Get(kv[i])
		if kv[i+1] == "<absent>" {
			if ok {
				t.Errorf("%s = %q, want absent", kv[i], got)
			}
			continue
		}
		if !ok || got != kv[i+1] {
			t.Errorf("%s = %q (present %v), want %q", kv[i], got, ok, kv[i+1])
		}
	}
}

// keepsOriginals checks that normalising left the original fields as they
// were (only @timestamp may change, its old value moving aside).
func keepsOriginals(t *testing.T, before, after *event.Event) {
	t.Helper()
	if after.NOrig != before.NOrig {
		t.Errorf("NOrig changed: %d → %d", before.NOrig, after.NOrig)
	}
	for i, k := range before.Keys {
		if after.Keys[i] != k {
			t.Fatalf("field %d renamed %s → %s", i, k, after.Keys[i])
		}
		if after.Vals[i] != before.Vals[i] && k != "@timestamp" {
			t.Errorf("original %s changed: %q → %q", k, before.Vals[i], after.Vals[i])
		}
	}
}

func sysmon1(computer, parent, image, cmd string) *event.Event {
	return ev("EventID", "1", "Version", "5", "TimeCreated", "2024-05-01T10:00:00.5Z",
		"EventRecordID", "42", "Channel", "Microsoft-Windows-Sysmon/Operational", "Computer", computer,
		"Provider_Name", "Microsoft-Windows-Sysmon", "Security_UserID", "S-1-5-18",
		"RuleName", "-", "UtcTime", "2024-05-01 10:00:00.123", "ProcessGuid", "{aaaaaaaa-1111-2222-3333-444444444444}",
		"ProcessId", "4242", "Image", image, "CommandLine", cmd, "User", `CORP\alice`,
		"Hashes", "SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD", "ParentProcessGuid", "{bbbbbbbb-1111-2222-3333-444444444444}",
		"ParentProcessId", "1000", "ParentImage", parent, "ParentCommandLine", `"`+parent+`" --flag`)
}

func TestSysmonProcessCreate(t *testing.T) {
	e := sysmon1("WS1.corp.local", `C:\Program Files\Google\Chrome\Application\CHROME.EXE`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell -enc AAAA")
	before := e.Clone()
	if f := New(nil).Event(e, Unknown); f != Windows {
		t.Fatalf("family %v", f)
	}
	keepsOriginals(t, before, e)
	want(t, e,
		"#event_simpleName", "ProcessRollup2",
		"event_platform", "Win",
		"FileName", "powershell.exe",
		"FilePath", `C:\Windows\System32\WindowsPowerShell\v1.0\`,
		"ImageFileName", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"ParentBaseFileName", "CHROME.EXE", // case kept; the seed's regexes are (?i)
		"CommandLine", "powershell -enc AAAA",
		"ParentCommandLine", `"C:\Program Files\Google\Chrome\Application\CHROME.EXE" --flag`,
		"ComputerName", "WS1.corp.local",
		"UserName", "alice",
		"RawProcessId", "4242",
		"TargetProcessId", "{AAAAAAAA-1111-2222-3333-444444444444}",
		"ParentProcessId", "1000", // Sysmon's own field, kept
		"SHA256HashData", "cc", "MD5HashData", "bb", "SHA1HashData", "aa",
		"timestamp", "1714557600123", // UtcTime, not TimeCreated
		"@timestamp", "1714557600123",
		"ProcessStartTime", "1714557600.123",
	)
}

func TestSysmonNetworkAndFile(t *testing.T) {
	base := []string{"Channel", "Microsoft-Windows-Sysmon/Operational", "Provider_Name", "Microsoft-Windows-Sysmon",
		"Computer", "WS1", "TimeCreated", "2024-05-01T10:00:00Z", "UtcTime", "2024-05-01 10:00:01.000",
		"ProcessGuid", "{aaaaaaaa-1111-2222-3333-444444444444}", "Image", `C:\Windows\System32\mshta.exe`, "User", `CORP\bob`}
	out := ev(append([]string{"EventID", "3", "Protocol", "tcp", "Initiated", "true", "SourceIp", "10.0.0.5", "SourcePort", "50000",
		"DestinationIp", "203.0.113.9", "DestinationPort", "443"}, base...)...)
	New(nil).Event(out, Unknown)
	want(t, out, "#event_simpleName", "NetworkConnectIP4", "LocalAddressIP4", "10.0.0.5", "LocalPort", "50000",
		"RemoteAddressIP4", "203.0.113.9", "RemotePort", "443", "Protocol", "tcp", "ContextBaseFileName", "mshta.exe",
		"ContextProcessId", "{AAAAAAAA-1111-2222-3333-444444444444}", "UserName", "bob", "timestamp", "1714557601000")

	in := ev(append([]string{"EventID", "3", "Initiated", "false", "SourceIp", "fe80::1", "SourcePort", "50000",
		"DestinationIp", "fe80::2", "DestinationPort", "3389"}, base...)...)
	New(nil).Event(in, Unknown)
	want(t, in, "#event_simpleName", "NetworkReceiveAcceptIP6", "LocalAddressIP6", "fe80::2", "LocalPort", "3389",
		"RemoteAddressIP6", "fe80::1", "RemotePort", "50000")

	for path, name := range map[string]string{
		`C:\Users\bob\AppData\Local\Temp\x.EXE`: "NewExecutableWritten",
		`C:\Users\bob\Downloads\a.hta`:          "NewScriptWritten",
		`C:\Users\bob\Downloads\a.zip`:          "ZipFileWritten",
		`C:\Users\bob\Downloads\notes.txt`:      "GenericFileWritten",
		`C:\Users\bob\Downloads\noext`:          "GenericFileWritten",
	} {
		f := ev(append([]string{"EventID", "11", "TargetFilename", path}, base...)...)
		New(nil).Event(f, Unknown)
		want(t, f, "#event_simpleName", name, "TargetFileName", path, "FileName", path[strings.LastIndexByte(path, '\\')+1:],
			"ContextBaseFileName", "mshta.exe")
	}

	other := ev(append([]string{"EventID", "7"}, base...)...)
	New(nil).Event(other, Unknown)
	want(t, other, "#event_simpleName", "<absent>", "ComputerName", "WS1", "timestamp", "1714557601000", "UserName", "bob")
}

func sec4688(computer, creator, pid, image, parent, cmd string) *event.Event {
	kv := []string{"EventID", "4688", "Channel", "Security", "Provider_Name", "Microsoft-Windows-Security-Auditing",
		"Computer", computer, "TimeCreated", "2024-05-01T10:00:02Z",
		"SubjectUserSid", "S-1-5-21-1-2-3-1001", "SubjectUserName", "carol", "SubjectDomainName", "CORP",
		"NewProcessId", pid, "NewProcessName", image, "TokenElevationType", "%%1936", "ProcessId", creator,
		"CommandLine", cmd, "TargetUserSid", "S-1-0-0", "TargetUserName", "-"}
	if parent != "" {
		kv = append(kv, "ParentProcessName", parent)
	}
	return ev(kv...)
}

func TestSecurity4688(t *testing.T) {
	n := New(nil)
	// The browser starts (its own parent unknown), then starts cmd.exe on a
	// record without ParentProcessName: the parent comes from the PID.
	browser := sec4688("WS2", "0x1f0", "0x1a2b", `C:\Program Files\Mozilla Firefox\firefox.exe`, `C:\Windows\explorer.exe`, `"firefox.exe" -url x`)
	n.Event(browser, Unknown)
	want(t, browser, "FileName", "firefox.exe", "ParentBaseFileName", "explorer.exe", "RawProcessId", "6699",
		"UserName", "carol", "UserSid", "S-1-5-21-1-2-3-1001", "timestamp", "1714557602000", "ParentCommandLine", "<absent>")

	child := sec4688("ws2", "0x0000000000001a2b", "0x20", `C:\Windows\System32\cmd.exe`, "", "cmd.exe /c calc")
	before := child.Clone()
	n.Event(child, Unknown)
	keepsOriginals(t, before, child)
	want(t, child, "#event_simpleName", "ProcessRollup2", "FileName", "cmd.exe", "ParentBaseFileName", "firefox.exe",
		"ParentCommandLine", `"firefox.exe" -url x`, "RawProcessId", "32", "ComputerName", "ws2")

	orphan := sec4688("WS2", "0x999", "0x21", `C:\Windows\System32\cmd.exe`, "", "cmd")
	n.Event(orphan, Unknown)
	want(t, orphan, "ParentBaseFileName", "<absent>", "FileName", "cmd.exe")

	// TargetUserName wins over SubjectUserName when it is not "-".
	imp := sec4688("WS2", "0x1", "0x22", `C:\x.exe`, `C:\y.exe`, "x")
	imp.Set("TargetUserName", "dave")
	imp.Set("TargetUserSid", "S-1-5-21-9")
	n.Event(imp, Unknown)
	want(t, imp, "UserName", "dave", "UserSid", "S-1-5-21-9")
}

func TestNXLogTime(t *testing.T) {
	n := New(nil)
	// A 4688 without UtcTime: EventTime is local (UTC-4); @timestamp and
	// EventReceivedTime give the offset.
	sec := ev("EventID", "4688", "Channel", "Security", "SourceName", "Microsoft-Windows-Security-Auditing",
		"Hostname", "WS6.corp.local", "EventTime", "2020-10-09 18:30:52", "EventReceivedTime", "2020-10-09 18:30:55",
		"@timestamp", "2020-10-09T22:30:59.168Z", "NewProcessName", `C:\Windows\System32\notepad.exe`,
		"NewProcessId", "0xdcc", "ProcessId", "0x24d4", "ParentProcessName", `C:\Program Files\Internet Explorer\iexplore.exe`,
		"SubjectUserName", "pg", "TargetUserName", "-", "CommandLine", "notepad")
	if f := n.Event(sec, Unknown); f != NXLog {
		t.Fatalf("family %v", f)
	}
	want(t, sec, "timestamp", "1602282652000", "@timestamp", "1602282652000", "@timestamp.original", "2020-10-09T22:30:59.168Z",
		"ComputerName", "WS6.corp.local", "ParentBaseFileName", "iexplore.exe", "RawProcessId", "3532")

	// A Sysmon record teaches the host's offset (UTC+2 here); a later
	// record of that host without @timestamp uses it.
	sys := ev("EventID", "1", "Channel", "Microsoft-Windows-Sysmon/Operational", "SourceName", "Microsoft-Windows-Sysmon",
		"Hostname", "H2", "EventTime", "2021-01-01 12:00:00", "UtcTime", "2021-01-01 10:00:00.250",
		"Image", `C:\a.exe`, "ParentImage", `C:\b.exe`, "User", `D\u`)
	n.Event(sys, Unknown)
	want(t, sys, "timestamp", "1609495200250")
	later := ev("EventID", "4624", "Channel", "Security", "SourceName", "Microsoft-Windows-Security-Auditing",
		"Hostname", "H2", "EventTime", "2021-01-01 12:05:00")
	n.Event(later, Unknown)
	want(t, later, "timestamp", "1609495500000")

	// Nothing to go by: EventTime is taken as UTC.
	bare := ev("EventID", "4624", "Channel", "Security", "Hostname", "H3", "EventTime", "2021-01-01 12:05:00")
	New(nil).Event(bare, Unknown)
	want(t, bare, "timestamp", "1609502700000")
}

func TestECS(t *testing.T) {
	// Winlogbeat after Elastic's sysmon pipeline: ECS names, leftovers
	// under winlog.event_data.
	e := ev("@timestamp", "2020-10-27T20:00:14.32Z", "host.name", "vagrant",
		"process.executable", `C:\Windows\System32\notepad.exe`, "process.name", "notepad.exe",
		"process.command_line", `"C:\Windows\system32\notepad.exe" `, "process.entity_id", "{9F32B55F-7C4E-5F98-5803-000000000500}",
		"process.pid", "3616", "process.parent.executable", `C:\Windows\explorer.exe`, "process.parent.name", "explorer.exe",
		"process.parent.command_line", `C:\Windows\Explorer.EXE`, "process.parent.entity_id", "{9F32B55F-6FDF-5F98-7000-000000000500}",
		"process.hash.sha1", "B6D2", "user.name", "vagrant", "user.id", "S-1-5-18",
		"winlog.channel", "Microsoft-Windows-Sysmon/Operational", "winlog.computer_name", "vagrant.local",
		"winlog.event_data.IntegrityLevel", "Medium", "winlog.event_id", "1", "winlog.provider_name", "Microsoft-Windows-Sysmon")
	before := e.Clone()
	if f := New(nil).Event(e, Unknown); f != ECS {
		t.Fatalf("family %v", f)
	}
	keepsOriginals(t, before, e)
	want(t, e, "#event_simpleName", "ProcessRollup2", "FileName", "notepad.exe", "ImageFileName", `C:\Windows\System32\notepad.exe`,
		"ParentBaseFileName", "explorer.exe", "ParentCommandLine", `C:\Windows\Explorer.EXE`, "CommandLine", `"C:\Windows\system32\notepad.exe" `,
		"ComputerName", "vagrant.local", "UserName", "vagrant", "UserSid", "<absent>", "RawProcessId", "3616",
		"TargetProcessId", "{9F32B55F-7C4E-5F98-5803-000000000500}", "ParentProcessId", "{9F32B55F-6FDF-5F98-7000-000000000500}",
		"SHA1HashData", "b6d2", "timestamp", "1603828814320", "@timestamp", "1603828814320", "@timestamp.original", "2020-10-27T20:00:14.32Z",
		"event_platform", "Win")

	// Raw Winlogbeat (no ingest pipeline): only winlog.event_data.
	raw := ev("@timestamp", "2024-05-01T10:00:00Z", "winlog.channel", "Microsoft-Windows-Sysmon/Operational",
		"winlog.provider_name", "Microsoft-Windows-Sysmon", "winlog.event_id", "1", "winlog.computer_name", "WS9",
		"winlog.event_data.Image", `C:\Windows\System32\cmd.exe`, "winlog.event_data.ParentImage", `C:\x\msedge.exe`,
		"winlog.event_data.CommandLine", "cmd /c x", "winlog.event_data.User", `D\erin`, "winlog.event_data.UtcTime", "2024-05-01 09:59:59.999")
	New(nil).Event(raw, Unknown)
	want(t, raw, "FileName", "cmd.exe", "ParentBaseFileName", "msedge.exe", "UserName", "erin", "ComputerName", "WS9",
		"CommandLine", "cmd /c x", "timestamp", "1714557599999")

	// Elastic Defend style: event.category process + event.type start.
	def := ev("@timestamp", "2024-05-01T10:00:00Z", "event.category[0]", "process", "event.type[0]", "start",
		"host.name", "mac1", "host.os.type", "macos", "process.executable", "/bin/zsh", "process.parent.name", "Safari")
	New(nil).Event(def, Unknown)
	want(t, def, "#event_simpleName", "ProcessRollup2", "FileName", "zsh", "ParentBaseFileName", "Safari", "event_platform", "Mac")
}

func TestMDE(t *testing.T) {
	p := ev("Timestamp", "2024-05-01T10:00:00.1234567Z", "DeviceId", "d1", "DeviceName", "ws1.corp.local",
		"ActionType", "ProcessCreated", "FileName", "cmd.exe", "FolderPath", `C:\Windows\System32\cmd.exe`,
		"SHA256", "ABCD", "ProcessId", "77", "ProcessCommandLine", "cmd.exe /c whoami", "ProcessCreationTime", "2024-05-01T09:59:59.9Z",
		"AccountDomain", "corp", "AccountName", "frank", "AccountSid", "S-1-5-21-7",
		"InitiatingProcessFileName", "chrome.exe", "InitiatingProcessFolderPath", `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		"InitiatingProcessCommandLine", `"chrome.exe"`, "InitiatingProcessParentFileName", "explorer.exe")
	before := p.Clone()
	if f := New(nil).Event(p, Unknown); f != MDE {
		t.Fatalf("family %v", f)
	}
	keepsOriginals(t, before, p)
	want(t, p, "#event_simpleName", "ProcessRollup2", "FileName", "cmd.exe", "ImageFileName", `C:\Windows\System32\cmd.exe`,
		"FilePath", `C:\Windows\System32\`, "CommandLine", "cmd.exe /c whoami", "ParentBaseFileName", "chrome.exe",
		"ParentCommandLine", `"chrome.exe"`, "GrandParentBaseFileName", "explorer.exe", "ComputerName", "ws1.corp.local",
		"UserName", "frank", "UserSid", "S-1-5-21-7", "RawProcessId", "77", "aid", "d1", "SHA256HashData", "abcd",
		"timestamp", "1714557600123", "ProcessStartTime", "1714557599.900", "event_platform", "Win")

	// FolderPath holding only the folder.
	f := ev("Timestamp", "2024-05-01T10:00:00Z", "DeviceName", "ws1", "ActionType", "FileCreated", "FileName", "drop.ps1",
		"FolderPath", `C:\Users\x\Downloads`, "InitiatingProcessFileName", "msedge.exe", "InitiatingProcessAccountName", "x")
	New(nil).Event(f, Unknown)
	want(t, f, "#event_simpleName", "NewScriptWritten", "TargetFileName", `C:\Users\x\Downloads\drop.ps1`, "FileName", "drop.ps1",
		"ContextBaseFileName", "msedge.exe", "UserName", "x")

	del := ev("Timestamp", "2024-05-01T10:00:00Z", "DeviceName", "ws1", "ActionType", "FileDeleted", "FileName", "a.txt", "FolderPath", `C:\a.txt`)
	New(nil).Event(del, Unknown)
	want(t, del, "#event_simpleName", "FileDeleteInfo")

	n := ev("Timestamp", "2024-05-01T10:00:00Z", "DeviceName", "ws1", "ActionType", "ConnectionSuccess",
		"RemoteIP", "::ffff:198.51.100.7", "RemotePort", "443", "LocalIP", "10.1.1.1", "LocalPort", "51000", "Protocol", "Tcp",
		"InitiatingProcessFileName", "powershell.exe", "InitiatingProcessFolderPath", `c:\windows\system32\windowspowershell\v1.0\powershell.exe`)
	New(nil).Event(n, Unknown)
	want(t, n, "#event_simpleName", "NetworkConnectIP4", "RemoteAddressIP4", "198.51.100.7", "LocalAddressIP4", "10.1.1.1",
		"Protocol", "Tcp", "ContextBaseFileName", "powershell.exe")

	in := ev("Timestamp", "2024-05-01T10:00:00Z", "DeviceName", "ws1", "ActionType", "InboundConnectionAccepted",
		"RemoteIP", "2001:db8::1", "RemotePort", "50000", "LocalIP", "2001:db8::2", "LocalPort", "445")
	New(nil).Event(in, Unknown)
	want(t, in, "#event_simpleName", "NetworkReceiveAcceptIP6", "RemoteAddressIP6", "2001:db8::1")

	// The table named by a Type column; Log Analytics' time layout.
	typed := ev("TimeGenerated", "5/1/2024, 10:00:00.000 AM", "Type", "DeviceProcessEvents", "DeviceName", "ws1",
		"ActionType", "ProcessCreated", "FileName", "bash", "FolderPath", "/usr/bin/bash", "ProcessCommandLine", "bash -c id")
	New(nil).Event(typed, Unknown)
	want(t, typed, "ImageFileName", "/usr/bin/bash", "timestamp", "1714557600000", "event_platform", "<absent>")
}

func TestFalcon(t *testing.T) {
	lk := &Lookups{}
	if !lk.AddLookupRecord(ev("aid", "a1", "ComputerName", "HOST-1")) || !lk.AddLookupRecord(ev("UserSid_readable", "S-1-5-21-1", "User", `D\jo`)) {
		t.Fatal("lookup records not taken")
	}
	if lk.AddLookupRecord(ev("foo", "bar")) {
		t.Fatal("a record without mapping was taken")
	}
	e := ev("event_simpleName", "ProcessRollup2", "aid", "a1", "UserSid", "S-1-5-21-1", "timestamp", "1700000000000",
		"ImageFileName", `\Device\HarddiskVolume3\Windows\System32\cmd.exe`)
	if f := New(lk).Event(e, Unknown); f != Falcon {
		t.Fatalf("family %v", f)
	}
	want(t, e, "FileName", "cmd.exe", "FilePath", `\Device\HarddiskVolume3\Windows\System32\`, "@timestamp", "1700000000000",
		"ComputerName", "HOST-1", "UserName", "jo")
	// Present values are never replaced; an empty FileName is kept.
	e = ev("event_simpleName", "ProcessRollup2", "aid", "a1", "ComputerName", "OTHER", "FileName", "", "ImageFileName", `C:\x.exe`)
	FalconEvent(e, lk)
	want(t, e, "ComputerName", "OTHER", "FileName", "", "FilePath", "<absent>")
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		e    *event.Event
		want Family
	}{
		{ev("#event_simpleName", "DnsRequest"), Falcon},
		{ev("winlog.event_id", "1"), ECS},
		{ev("event.code", "1", "host.name", "x"), ECS},
		{ev("ActionType", "ProcessCreated", "DeviceName", "x"), MDE},
		{ev("EventID", "1", "Hostname", "x", "SourceName", "y"), NXLog},
		{ev("EventID", "1", "Channel", "x", "Computer", "y"), Windows},
		{ev("EventID", "1"), Generic},
		{ev("msg", "hello"), Generic},
	} {
		if got := Detect(c.e); got != c.want {
			t.Errorf("%v: got %v, want %v", c.e.Keys, got, c.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]int64{
		"2024-05-01 10:00:00.123":      1714557600123,
		"2024-05-01T10:00:00.1234567Z": 1714557600123,
		"2024-05-01T12:00:00+02:00":    1714557600000,
		"1714557600123":                1714557600123,
		"1714557600.5":                 1714557600500,
		"5/1/2024, 10:00:00.000 AM":    1714557600000,
	} {
		if got, ok := parseTime(in); !ok || got != want {
			t.Errorf("parseTime(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01 00:00:00", "12345678901234567890"} {
		if _, ok := parseTime(bad); ok {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"0x1a2b": "6699", "0x0000000000001148": "4424", "42": "42", "0xzz": "0xzz"} {
		if got := decimalID(in); got != want {
			t.Errorf("decimalID(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{
		"0197231e-005a-6928-a50b-000000000d00":   "{0197231E-005A-6928-A50B-000000000D00}",
		"{365abb72-9aa6-5d04-0000-00109c850f00}": "{365ABB72-9AA6-5D04-0000-00109C850F00}",
		"not-a-guid":                             "not-a-guid",
	} {
		if got := canonicalGUID(in); got != want {
			t.Errorf("canonicalGUID(%q) = %q", in, got)
		}
	}
	if got := epochSeconds(1714557600005); got != "1714557600.005" {
		t.Errorf("epochSeconds: %s", got)
	}
}
