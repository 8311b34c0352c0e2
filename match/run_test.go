package match

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestClassRun: patterns whose matches need a long run of one ASCII class
// get a run check before the regexp; it must never change the answer.
func TestClassRun(t *testing.T) {
	cases := []struct {
		pat     string
		withRun bool
	}{
		{`\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}`, true},
		{`(?i)[a-f0-9]{8,}z`, true},
		{`x(?:[0-9]{10})+y`, true},
		{`([0-9]{9})[a-z]`, true},
		{`[0-7]{7,13}`, false},    // shorter than minRun
		{`[A-Z]{8}|foo`, false},   // in one branch only
		{`([a-z]{9})?bar`, false}, // optional
		{`(?i)[a-z]{12}`, false},  // folds k and s onto non-ASCII runes
		{`[^x]{9}`, false},        // not an ASCII class
		{`(?i)[0-9a-fA-F]{8}\.dat`, true},
	}
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "f", "0", "9", "F", "z", " ", "\t", "x", "y", "k", "\u212a", "é", "\xff", "bar", "foo", ".dat", "Z"}
	for _, c := range cases {
		m, err := Compile(c.pat)
		if err != nil {
			t.Fatal(err)
		}
		if (m.run != nil) != c.withRun {
			t.Errorf("%s: run check %v, want %v", c.pat, m.run != nil, c.withRun)
		}
		re := regexp.MustCompile(c.pat)
		pos := 0
		for i := 0; i < 4000; i++ {
			var b strings.Builder
			n := r.IntN(120)
			for j := 0; j < n; j++ {
				if r.IntN(3) == 0 {
					b.WriteString(strings.Repeat(alphabet[r.IntN(6)], 1+r.IntN(20)))
				} else {
					b.WriteString(alphabet[r.IntN(len(alphabet))])
				}
			}
			if r.IntN(4) == 0 { // a planted hash, sometimes one short
				hex := func(n int) string {
					var h strings.Builder
					for k := 0; k < n; k++ {
						h.WriteByte("0123456789abcdefABCDEF"[r.IntN(22)])
					}
					return h.String()
				}
				b.WriteString(" " + hex(62+r.IntN(4)) + " " + hex(14+r.IntN(4)))
			}
			s := b.String()
			if got, want := m.MatchString(s), re.MatchString(s); got != want {
				t.Fatalf("%s on %q: got %v, regexp %v", c.pat, s, got, want)
			}
			if got, want := m.Match([]byte(s)), re.MatchString(s); got != want {
				t.Fatalf("%s Match on %q: got %v, regexp %v", c.pat, s, got, want)
			}
			if re.MatchString(s) {
				pos++
			}
		}
		if pos == 0 || pos == 4000 {
			t.Errorf("%s: %d of 4000 inputs match; the test needs both answers", c.pat, pos)
		}
	}
}
