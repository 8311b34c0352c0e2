package match

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// globRef translates a glob to an equivalent regexp: the reference semantics.
// Invalid UTF-8 bytes of the pattern stand for U+FFFD.
func globRef(pattern string, fold bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)`)
	if fold {
		b.WriteString(`(?i)`)
	}
	b.WriteString(`\A`)
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		switch {
		case r == '\\' && i+1 < len(pattern) && (pattern[i+1] == '*' || pattern[i+1] == '\\'):
			b.WriteString(regexp.QuoteMeta(pattern[i+1 : i+2]))
			w = 2
		case r == '*':
			b.WriteString(`.*`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += w
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func checkGlob(t *testing.T, pattern string, fold bool, s string) {
	t.Helper()
	g := CompileGlob(pattern, fold)
	want := globRef(pattern, fold).MatchString(s)
	if got := g.MatchString(s); got != want {
		t.Fatalf("glob %q fold=%v input %q: got %v, want %v", pattern, fold, s, got, want)
	}
	if want {
		if lits, lf, ok := g.Literals(); ok && !containsAnyLit(s, lits, lf) {
			t.Fatalf("glob %q fold=%v input %q matches but lacks Literals %q", pattern, fold, s, lits)
		}
	}
}

func TestGlobTable(t *testing.T) {
	tests := []struct {
		pattern string
		fold    bool
		yes, no []string
	}{
		{"cmd.exe", false, []string{"cmd.exe"}, []string{"CMD.EXE", "cmd.exe ", ""}},
		{"cmd.exe", true, []string{"cmd.exe", "CMD.EXE"}, []string{"cmd.ex"}},
		{"*.exe", false, []string{".exe", "a.exe"}, []string{"a.EXE", "a.exe.x"}},
		{"*.EXE", true, []string{"a.exe", "B.Exe"}, []string{"a.ex"}},
		{`C:\\Windows\\*`, true, []string{`c:\windows\system32`, `C:\WINDOWS\`}, []string{`C:\Win`}},
		{`C:\Windows\*`, true, []string{`c:\windows*`}, []string{`C:\Windows\x`}},
		{"*power*", true, []string{"PowerShell", "xPOWER"}, []string{"powe"}},
		{"*task*", true, []string{"TAS" + kelvin, "ta" + longS + "k"}, []string{"tas"}},
		{"*", false, []string{"", "x", "\n"}, nil},
		{"", false, []string{""}, []string{"x"}},
		{"a*b*c", false, []string{"abc", "aXbYc", "abbc"}, []string{"ab", "acb"}},
		{"ab*ba", false, []string{"abba", "abxba"}, []string{"aba", "ab", "ba"}},
		{`a\*b`, false, []string{"a*b"}, []string{"axb", `a\*b`}},
		{`a\\b`, false, []string{`a\b`}, []string{`a\\b`}},
		{`a\b`, false, []string{`a\b`}, nil},
		{`a\`, false, []string{`a\`}, nil},
		{"é*", true, []string{"É", "éx"}, []string{"e"}},
		{"\uFFFD*", false, []string{"\xff", "\uFFFD"}, []string{"a"}},
		{"\xff", false, []string{"\xfe", "\uFFFD"}, []string{"a"}},
		{"*k", true, []string{"K", kelvin}, []string{"k "}},
		{"σ*", true, []string{"Σ", "ς"}, []string{"s"}},
	}
	for _, tc := range tests {
		for _, s := range tc.yes {
			if !CompileGlob(tc.pattern, tc.fold).MatchString(s) {
				t.Errorf("glob %q fold=%v should match %q", tc.pattern, tc.fold, s)
			}
			checkGlob(t, tc.pattern, tc.fold, s)
		}
		for _, s := range tc.no {
			if CompileGlob(tc.pattern, tc.fold).MatchString(s) {
				t.Errorf("glob %q fold=%v should not match %q", tc.pattern, tc.fold, s)
			}
			checkGlob(t, tc.pattern, tc.fold, s)
		}
	}
	if l, f, ok := CompileGlob(`*\\Windows\\*.exe`, true).Literals(); !ok || !f || len(l) != 1 || l[0] != `\windows\` {
		t.Errorf("Literals = %q %v %v", l, f, ok)
	}
	if _, _, ok := CompileGlob(`**`, false).Literals(); ok {
		t.Error("Literals of ** should not be ok")
	}
	if l, _, _ := CompileGlob("*"+kelvin+"ey*", true).Literals(); l[0] != "key" {
		t.Errorf("Literals = %q", l)
	}
}

var globAtoms = []string{"a", "A", "b", "k", "K", kelvin, "s", longS, "S", "*", "*", "*", `\*`, `\\`, `\`, ".", "é", "É", "σ", "ς", "\uFFFD", "\xff", "\xe2\x84"}

func TestGlobDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		var b strings.Builder
		for k := rng.IntN(6); k > 0; k-- {
			b.WriteString(globAtoms[rng.IntN(len(globAtoms))])
		}
		p := b.String()
		fold := rng.IntN(2) == 0
		for j := 0; j < 10; j++ {
			s := genString(rng)
			if j%2 == 1 { // something close to the pattern
				s = strings.ReplaceAll(p, "*", genString(rng))
				s = strings.ReplaceAll(s, `\`, "")
			}
			checkGlob(t, p, fold, s)
		}
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("*.exe", true, "A.EXE")
	f.Add(`C:\Windows\*\cmd.exe`, false, `C:\Windows\System32\cmd.exe`)
	f.Add("*k*s", true, kelvin+longS)
	f.Add(`a\*b*`, false, "a*bc")
	f.Fuzz(func(t *testing.T, pattern string, fold bool, input string) {
		if len(pattern) > 100 {
			return
		}
		checkGlob(t, pattern, fold, input)
	})
}
