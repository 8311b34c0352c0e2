package engine

import (
	"math/rand/v2"
	"testing"
)

// TestStringEnd checks the quote search against a byte-by-byte walk on
// strings dense with backslashes, quotes and newlines.
func TestStringEnd(t *testing.T) {
	walk := func(s []byte, i int) (int, bool) {
		for i < len(s) && s[i] != '"' && s[i] != '\n' {
			if s[i] == '\\' {
				i++
			}
			i++
		}
		return min(i, len(s)), i < len(s) && s[i] == '"'
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 20000; n++ {
		s := make([]byte, 2+r.IntN(40))
		for i := range s {
			s[i] = `\"u\nab`[r.IntN(6)]
		}
		s[0], s[1] = '\\', 'u' // Scan's escapes start a string's escape
		ge, gok := stringEnd(s, 0)
		we, wok := walk(s, 0)
		if ge != we || gok != wok {
			t.Fatalf("%q: stringEnd = %d %v, walk = %d %v", s, ge, gok, we, wok)
		}
	}
}
