package match

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	kelvin = "\u212a" // KELVIN SIGN, folds with k/K
	longS  = "\u017f" // LATIN SMALL LETTER LONG S, folds with s/S
)

// check compares r with regexp on s and checks that Literals is sound.
func check(t *testing.T, pattern string, r *Regex, std *regexp.Regexp, s string) {
	t.Helper()
	want := std.MatchString(s)
	if got := r.MatchString(s); got != want {
		t.Fatalf("pattern %q [%s] input %q: MatchString = %v, regexp = %v", pattern, r.Strategy(), s, got, want)
	}
	if got := r.Match([]byte(s)); got != want {
		t.Fatalf("pattern %q [%s] input %q: Match = %v, regexp = %v", pattern, r.Strategy(), s, got, want)
	}
	if want {
		lits, fold, ok := r.Literals()
		if ok && !containsAnyLit(s, lits, fold) {
			t.Fatalf("pattern %q input %q matches but contains none of Literals %q (fold=%v)", pattern, s, lits, fold)
		}
	}
}

// containsAnyLit is the Literals contract, as a prefilter would apply it.
func containsAnyLit(s string, lits []string, fold bool) bool {
	if fold {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return true // non-ASCII input: maybe
			}
		}
		s = strings.ToLower(s)
	}
	for _, l := range lits {
		if fold {
			l = strings.ToLower(l)
		}
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

func TestRegexTable(t *testing.T) {
	browsers := `(?i)^(chrome|msedge|firefox|iexplore|opera|brave|vivaldi|browser)\.exe$`
	enc := `(?i)(-encodedcommand|-enc\s|-e\s|-ec\s)`
	dl := `(?i)(invoke-webrequest|net\.webclient|downloadfile|downloadstring|iex\(|invoke-expression|start-bitstransfer)`
	tests := []struct {
		pattern  string
		strategy string
		yes, no  []string
	}{
		{browsers, "set",
			[]string{"chrome.exe", "CHROME.EXE", "MsEdge.exe", "Browser.Exe", "vivaldi.exe"},
			[]string{"chrome.exe ", "xchrome.exe", "chrome.ex", "chrome_exe", "", "chrome.exe\n", "chrome.éxe"}},
		{enc, "contains",
			[]string{"powershell -enc AAA", "powershell.exe -EncodedCommand ZQBj", "pwsh -E\tx", "x -ec\ny"},
			[]string{"powershell -noprofile", "-encx", "-e", "-EC"}},
		{dl, "contains",
			[]string{"IEX(New-Object Net.WebClient).DownloadString('http://x')", "invoke-webrequest -uri x",
				"Start-BitsTransfer -Source", "invo" + kelvin + "e-webrequest", "downloadſtring"},
			[]string{"powershell -c get-process", "invoke-web request", "iex (", "downloadfil", "ñ"}},
		{`(?i)\\(chrome|msedge|firefox)\.exe$`, "suffix",
			[]string{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `\FIREFOX.EXE`, `a\msedge.exe`},
			[]string{`chrome.exe`, `\chrome.exe\`, `\chrome.exe.bak`}},
		{`^cmd\.exe`, "prefix", []string{"cmd.exe", "cmd.exe /c"}, []string{"CMD.EXE", " cmd.exe"}},
		{`(?i)^cmd\.exe`, "prefix", []string{"cmd.exe", "CMD.EXE /c"}, []string{" cmd.exe"}},
		{`(?i)^task`, "prefix", []string{"TAS" + kelvin + "x", "ta" + longS + "k"}, []string{"tas"}},
		{`(?i)^s$`, "set", []string{"s", "S", longS}, []string{"ss", "", "\xc5"}},
		{`(?i)^k$`, "set", []string{"k", "K", kelvin}, []string{"\u212b"}},
		{`^[kK]$`, "set", []string{"k", "K"}, []string{kelvin}},
		{`(?i)^é$`, "set", []string{"é", "É"}, []string{"e", "E"}},
		{`^\x{FFFD}$`, "regex", []string{"\xff", "\uFFFD"}, []string{"a"}},
		{`a\x{FFFD}`, "prefilter", []string{"a\xff", "a\uFFFD"}, []string{"a"}},
		{`(?m)^foo$`, "prefilter", []string{"x\nfoo\ny", "foo"}, []string{"xfoo"}},
		{`\bfoo\b`, "prefilter", []string{"a foo b"}, []string{"afoo"}},
		{`^.*foo`, "prefilter", []string{"xxfoo"}, []string{"x\nfoo"}},
		{`(?s)^.*foo`, "contains", []string{"xxfoo", "x\nfoo"}, []string{"fo"}},
		{`.*foo.*`, "contains", []string{"foo", "\nfoo\n"}, []string{"fo"}},
		{`^foo.*$`, "prefilter", []string{"foo", "foox"}, []string{"foo\n"}},
		{`(?s)^foo.*$`, "prefix", []string{"foo", "foo\n"}, []string{"fo"}},
		{`^abc$|^def`, "alternation", []string{"abc", "defx"}, []string{"abcx", "xdef"}},
		{``, "contains", []string{"", "x"}, nil},
		{`^$`, "set", []string{""}, []string{"x", "\n"}},
		{`[^\x00-\x{10FFFF}]`, "contains", nil, []string{"", "x", "\xff"}},
		{`foo\d+bar`, "prefilter", []string{"foo12bar"}, []string{"foobar", "bar foo1"}},
		{`(?i)café`, "contains", []string{"CAFÉ", "Café"}, []string{"cafe"}},
		{`x*`, "contains", []string{"", "y"}, nil},
		{`^a?b`, "prefix", []string{"b", "ab", "abx"}, []string{"aab"}},
	}
	for _, tc := range tests {
		r, err := Compile(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if r.Strategy() != tc.strategy {
			t.Errorf("%q: strategy %s, want %s", tc.pattern, r.Strategy(), tc.strategy)
		}
		std := regexp.MustCompile(tc.pattern)
		for _, s := range tc.yes {
			if !std.MatchString(s) {
				t.Fatalf("bad test: %q does not match %q", tc.pattern, s)
			}
			check(t, tc.pattern, r, std, s)
		}
		for _, s := range tc.no {
			if std.MatchString(s) {
				t.Fatalf("bad test: %q matches %q", tc.pattern, s)
			}
			check(t, tc.pattern, r, std, s)
		}
	}
}

func TestLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		lits    []string
		fold    bool
		ok      bool
	}{
		{`(?i)^(chrome|msedge)\.exe$`, []string{"chrome.exe", "msedge.exe"}, true, true},
		{`(?i)\\(chrome|msedge)\.exe$`, []string{`\chrome.exe`, `\msedge.exe`}, true, true},
		{`foo.*bar`, []string{"foo"}, false, true},
		{`foo[0-9]+`, []string{"foo"}, false, true},
		{`.*`, nil, false, false},
		{`a?`, nil, false, false},
		{`(?i)k`, []string{"k"}, true, true},
		{`\bkernel32\.dll\b`, []string{"kernel32.dll"}, false, true},
		{`x\x{FFFD}y`, []string{"x"}, false, true},
	}
	for _, tc := range tests {
		lits, fold, ok := MustCompile(tc.pattern).Literals()
		slices.Sort(lits)
		if ok != tc.ok || fold != tc.fold || !slices.Equal(lits, tc.lits) {
			t.Errorf("%q: Literals = %q, %v, %v; want %q, %v, %v", tc.pattern, lits, fold, ok, tc.lits, tc.fold, tc.ok)
		}
	}
	if _, err := Compile(`(`); err == nil {
		t.Error("Compile(`(`) did not fail")
	}
}

// Random differential testing against package regexp.

var (
	patAtoms = []string{
		"a", "b", "k", "K", "s", "S", "e", "x", "ab", "kes", "sk", "ex", "-", " ", "0",
		`\.`, ".", `\\`, `\n`, `\t`, "é", "É", longS, kelvin, "σ", "ς", "Σ", "ß", `\x{FFFD}`,
		`[ks]`, `[a-c]`, `[^a]`, `[kK]`, `[k\x{212a}]`, `[sS\x{17f}]`, `\s`, `\d`, `\w`, `[.\-]`,
		`[aA]`, `[^\n]`, `[\x{D7FF}-\x{E001}]`, `\pL`, `[^\x00-\x{10FFFF}]`,
		"^", "$", `\b`, `\B`, `\A`, `\z`, `(?:)`,
	}
	flagsAtoms = []string{"(?i)", "(?s)", "(?m)", "(?-i)", "(?i:", "(?s:", "(?m:"}
	quants     = []string{"*", "+", "?", "{2}", "{1,2}", "{0,1}", "*?", "{0}"}
)

func genPattern(rng *rand.Rand, depth int) string {
	var b strings.Builder
	n := 1 + rng.IntN(4)
	for i := 0; i < n; i++ {
		switch x := rng.IntN(20); {
		case x < 11 || depth > 2:
			b.WriteString(patAtoms[rng.IntN(len(patAtoms))])
		case x < 13:
			f := flagsAtoms[rng.IntN(len(flagsAtoms))]
			b.WriteString(f)
			if strings.HasSuffix(f, ":") {
				b.WriteString(genPattern(rng, depth+1))
				b.WriteString(")")
			}
		case x < 17:
			b.WriteString("(")
			k := 1 + rng.IntN(4)
			for j := 0; j < k; j++ {
				if j > 0 {
					b.WriteString("|")
				}
				b.WriteString(genPattern(rng, depth+1))
			}
			b.WriteString(")")
		case x < 19:
			b.WriteString(genPattern(rng, depth+1))
			b.WriteString("|")
			b.WriteString(genPattern(rng, depth+1))
		default:
			b.WriteString(".*")
		}
		if rng.IntN(6) == 0 {
			b.WriteString("(?:x)")
			b.WriteString(quants[rng.IntN(len(quants))])
		} else if rng.IntN(8) == 0 {
			b.WriteString(quants[rng.IntN(len(quants))])
		}
	}
	p := b.String()
	if rng.IntN(3) == 0 {
		p = "(?i)" + p
	}
	if rng.IntN(4) == 0 {
		p = "^" + p
	}
	if rng.IntN(4) == 0 {
		p += "$"
	}
	return p
}

var strAtoms = []string{
	"a", "A", "b", "B", "k", "K", kelvin, "s", "S", longS, "e", "E", "x", "X", "ab", "AB", "kes", "KES", "sk",
	".", "-", " ", "\n", "\t", "0", "7", `\`, "é", "É", "σ", "ς", "Σ", "ß", "ẞ", "\uFFFD",
	"\xff", "\xc3", "\xe2\x84", "\xc5", "\x80", "_", "ex",
}

func genString(rng *rand.Rand) string {
	var b strings.Builder
	n := rng.IntN(7)
	for i := 0; i < n; i++ {
		b.WriteString(strAtoms[rng.IntN(len(strAtoms))])
	}
	return b.String()
}

// literalish builds strings from the pattern text itself so that matches are
// frequent.
func literalish(rng *rand.Rand, p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case strings.IndexByte(`()|*+?{}[]^$:`, c) >= 0:
			if rng.IntN(3) == 0 {
				b.WriteString(strAtoms[rng.IntN(len(strAtoms))])
			}
		case c == '\\' && i+1 < len(p):
			i++
			switch p[i] {
			case '.', '\\', '-':
				b.WriteByte(p[i])
			case 's', 'n', 't':
				k := rng.IntN(3)
				b.WriteString(" \n\t"[k : k+1])
			}
		default:
			if rng.IntN(4) == 0 && c < utf8.RuneSelf {
				c ^= 0x20 * byte(rng.IntN(2))
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	patterns := 3000
	if testing.Short() {
		patterns = 500
	}
	counts := map[string]int{}
	for i := 0; i < patterns; i++ {
		p := genPattern(rng, 0)
		std, err := regexp.Compile(p)
		r, err2 := Compile(p)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("%q: regexp err %v, Compile err %v", p, err, err2)
		}
		if err != nil {
			continue
		}
		counts[r.Strategy()]++
		for j := 0; j < 50; j++ {
			var s string
			switch j % 3 {
			case 0:
				s = genString(rng)
			case 1:
				s = literalish(rng, p)
			default:
				s = genString(rng) + literalish(rng, p) + genString(rng)
			}
			check(t, p, r, std, s)
		}
	}
	t.Logf("strategies: %v", counts)
}

func FuzzRegex(f *testing.F) {
	f.Add(`(?i)^(chrome|msedge|firefox)\.exe$`, "CHROME.EXE")
	f.Add(`(?i)(-encodedcommand|-enc\s|-e\s|-ec\s)`, "powershell -ENC x")
	f.Add(`(?i)(invoke-webrequest|net\.webclient|iex\()`, "IEX(New-Object Net.WebClient)")
	f.Add(`(?i)^k\.s$`, kelvin+"."+longS)
	f.Add(`(?i)\\(a|b)\.exe$`, "x\\A.EXE")
	f.Add(`foo\d+bar`, "foo1bar\xff")
	f.Fuzz(func(t *testing.T, pattern, input string) {
		if len(pattern) > 200 {
			return
		}
		std, err := regexp.Compile(pattern)
		r, err2 := Compile(pattern)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("%q: regexp err %v, Compile err %v", pattern, err, err2)
		}
		if err != nil {
			return
		}
		check(t, pattern, r, std, input)
	})
}

// TestMultiDifferential stresses the contains-any and prefilter searchers
// (both the IndexByte and the single-pass modes) with larger literal sets
// and longer inputs.
func TestMultiDifferential(t *testing.T) {
	defer func(v int) { loopScans = v }(loopScans)
	frags := []string{"ks", "se", "-", ".", `\`, "(", "x", "ab", "é", "K", kelvin, longS, "0", " ", "\t", "q", "w", "E"}
	word := func(rng *rand.Rand) string {
		var b strings.Builder
		for k := 1 + rng.IntN(4); k > 0; k-- {
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		return b.String()
	}
	n := 400
	if testing.Short() {
		n = 100
	}
	for _, ls := range []int{0, 5, 1000} {
		loopScans = ls
		rng := rand.New(rand.NewPCG(5, uint64(ls)))
		for i := 0; i < n; i++ {
			var words []string
			for k := 2 + rng.IntN(10); k > 0; k-- {
				words = append(words, word(rng))
			}
			alts := make([]string, len(words))
			for k, w := range words {
				alts[k] = regexp.QuoteMeta(w)
				if rng.IntN(5) == 0 {
					alts[k] += `\s`
				}
				if rng.IntN(8) == 0 {
					alts[k] += `\b`
				}
			}
			p := "(" + strings.Join(alts, "|") + ")"
			if rng.IntN(2) == 0 {
				p = "(?i)" + p
			}
			if rng.IntN(4) == 0 {
				p += `\d*[a-c]+`
			}
			std := regexp.MustCompile(p)
			r := MustCompile(p)
			for j := 0; j < 40; j++ {
				var b strings.Builder
				for k := rng.IntN(12); k > 0; k-- {
					switch rng.IntN(3) {
					case 0:
						w := words[rng.IntN(len(words))]
						if rng.IntN(2) == 0 {
							w = strings.ToUpper(w)
						}
						if rng.IntN(3) == 0 && len(w) > 1 {
							w = w[:rng.IntN(len(w))]
						}
						b.WriteString(w)
					case 1:
						b.WriteString(frags[rng.IntN(len(frags))])
					default:
						b.WriteString(strAtoms[rng.IntN(len(strAtoms))])
					}
				}
				check(t, p, r, std, b.String())
			}
		}
	}
}

func TestLargeSets(t *testing.T) {
	var words []string
	for i := 0; i < 600; i++ {
		words = append(words, fmt.Sprintf("Tool%03dK", i))
	}
	for _, tc := range []struct{ pattern, strategy string }{
		{`(?i)^(` + strings.Join(words, "|") + `)\.exe$`, "set"},
		{`^(` + strings.Join(words, "|") + `)\.exe$`, "set"},
		{`(?i)(` + strings.Join(words[:200], "|") + `)`, "contains"},
		{`(?i)(` + strings.Join(words[:300], "|") + `)`, "prefilter"},
		{`(?i)^(` + strings.Join(words[:100], "|") + `)`, "prefilter"},
	} {
		r := MustCompile(tc.pattern)
		std := regexp.MustCompile(tc.pattern)
		if r.Strategy() != tc.strategy {
			t.Errorf("%.30s: strategy %s, want %s", tc.pattern, r.Strategy(), tc.strategy)
		}
		for _, w := range []string{"tool007k.exe", "TOOL599K.EXE", "tool007" + kelvin + ".exe", "x tool150k", "tool700k.exe", "tool1", "", "tool05k.exe"} {
			check(t, tc.pattern, r, std, w)
		}
	}
}
