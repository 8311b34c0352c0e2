package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Glob is a compiled LogScale field-filter pattern: '*' matches any run of
// characters (including none), every other character matches itself, and the
// pattern is anchored at both ends. `\*` is a literal star and `\\` a literal
// backslash; any other backslash is literal.
//
// Matching is per rune, with an invalid UTF-8 byte (in pattern or value)
// standing for U+FFFD, exactly like package regexp; with fold, runes are
// compared under Unicode simple case folding, as strings.EqualFold does.
type Glob struct {
	pattern string
	fold    bool
	kind    gkind
	mode    gmode
	segs    []string // literal pieces between stars (first and last may be empty)
	lsegs   []string // ASCII-lowered segs (fold mode)
	needles []foldNeedle
	guard   bool // fold: the ASCII fast path is invalid for values holding a guard rune
	lit     string
	litOK   bool
}

type gkind uint8

const (
	gExact    gkind = iota // no star
	gPrefix                // x*
	gSuffix                // *x
	gContains              // *x*
	gGeneral
)

type gmode uint8

const (
	modeBytes gmode = iota // case-sensitive byte comparison
	modeASCII              // ASCII-caseless byte comparison
	modeRunes              // rune by rune
)

// CompileGlob compiles a glob. With fold, matching uses Unicode simple case
// folding (strings.EqualFold per rune); otherwise it is case-sensitive.
func CompileGlob(pattern string, fold bool) *Glob {
	g := &Glob{pattern: pattern, fold: fold}
	var segs []string
	var cur []byte
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) && (pattern[i+1] == '*' || pattern[i+1] == '\\') {
			cur = append(cur, pattern[i+1])
			i++
			continue
		}
		if c == '*' {
			segs = append(segs, string(cur))
			cur = cur[:0]
			continue
		}
		cur = append(cur, c)
	}
	segs = append(segs, string(cur))
	if len(segs) > 2 { // drop empty middle segments (consecutive stars)
		mid := []string{segs[0]}
		for _, s := range segs[1 : len(segs)-1] {
			if s != "" {
				mid = append(mid, s)
			}
		}
		segs = append(mid, segs[len(segs)-1])
	}
	g.segs = segs
	n := len(segs)
	switch {
	case n == 1:
		g.kind = gExact
	case n == 2 && segs[1] == "":
		g.kind = gPrefix
	case n == 2 && segs[0] == "":
		g.kind = gSuffix
	case n == 3 && segs[0] == "" && segs[2] == "":
		g.kind = gContains
	default:
		g.kind = gGeneral
	}

	ascii, clean := true, true
	for _, s := range segs {
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r >= utf8.RuneSelf {
				ascii = false
			}
			if r == utf8.RuneError {
				clean = false
			}
			if r < utf8.RuneSelf && isASCIILetter(r) && foldGuard[r|0x20] {
				g.guard = true
			}
			i += w
		}
	}
	switch {
	case fold && ascii:
		g.mode = modeASCII
		for _, s := range segs {
			l := lowerString(s)
			g.lsegs = append(g.lsegs, l)
			g.needles = append(g.needles, newFoldNeedle(l))
		}
	case !fold && clean:
		g.mode = modeBytes
	default:
		g.mode = modeRunes
	}
	g.lit, g.litOK = globLiteral(segs, fold)
	return g
}

// String returns the source pattern.
func (g *Glob) String() string { return g.pattern }

// MatchString reports whether the whole of s matches the glob.
func (g *Glob) MatchString(s string) bool {
	mode := g.mode
	if mode == modeASCII && g.guard && hasGuardRune(s) {
		mode = modeRunes
	}
	switch mode {
	case modeBytes:
		switch g.kind {
		case gExact:
			return s == g.segs[0]
		case gPrefix:
			return strings.HasPrefix(s, g.segs[0])
		case gSuffix:
			return strings.HasSuffix(s, g.segs[1])
		case gContains:
			return strings.Contains(s, g.segs[1])
		}
	case modeASCII:
		switch g.kind {
		case gExact:
			return eqFold(s, g.lsegs[0])
		case gPrefix:
			return len(s) >= len(g.lsegs[0]) && eqFold(s[:len(g.lsegs[0])], g.lsegs[0])
		case gSuffix:
			l := g.lsegs[1]
			return len(s) >= len(l) && eqFold(s[len(s)-len(l):], l)
		case gContains:
			return g.needles[1].index(s) >= 0
		}
	case modeRunes:
		if g.kind == gExact {
			n, ok := runePrefix(s, g.segs[0], g.fold)
			return ok && n == len(s)
		}
	}
	return g.general(s, mode)
}

func (g *Glob) general(s string, mode gmode) bool {
	last := len(g.segs) - 1
	n, ok := g.prefix(s, 0, mode)
	if !ok {
		return false
	}
	s = s[n:]
	m, ok := g.suffix(s, last, mode)
	if !ok {
		return false
	}
	s = s[:len(s)-m]
	for i := 1; i < last; i++ {
		end := g.index(s, i, mode)
		if end < 0 {
			return false
		}
		s = s[end:]
	}
	return true
}

func (g *Glob) prefix(s string, i int, mode gmode) (int, bool) {
	switch mode {
	case modeBytes:
		p := g.segs[i]
		return len(p), strings.HasPrefix(s, p)
	case modeASCII:
		p := g.lsegs[i]
		return len(p), len(s) >= len(p) && eqFold(s[:len(p)], p)
	}
	return runePrefix(s, g.segs[i], g.fold)
}

func (g *Glob) suffix(s string, i int, mode gmode) (int, bool) {
	switch mode {
	case modeBytes:
		p := g.segs[i]
		return len(p), strings.HasSuffix(s, p)
	case modeASCII:
		p := g.lsegs[i]
		return len(p), len(s) >= len(p) && eqFold(s[len(s)-len(p):], p)
	}
	return runeSuffix(s, g.segs[i], g.fold)
}

// index returns the end of the leftmost occurrence of segment i in s, or -1.
func (g *Glob) index(s string, i int, mode gmode) int {
	switch mode {
	case modeBytes:
		p := g.segs[i]
		if j := strings.Index(s, p); j >= 0 {
			return j + len(p)
		}
		return -1
	case modeASCII:
		if j := g.needles[i].index(s); j >= 0 {
			return j + len(g.lsegs[i])
		}
		return -1
	}
	p := g.segs[i]
	for j := 0; ; {
		if n, ok := runePrefix(s[j:], p, g.fold); ok {
			return j + n
		}
		if j >= len(s) {
			return -1
		}
		_, w := utf8.DecodeRuneInString(s[j:])
		j += w
	}
}

func eqRune(a, b rune, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if a > b {
		a, b = b, a
	}
	// Walk a's fold orbit upwards (as strings.EqualFold does).
	r := unicode.SimpleFold(a)
	for r != a && r < b {
		r = unicode.SimpleFold(r)
	}
	return r == b
}

// runePrefix matches p against the start of s rune by rune and returns the
// number of bytes of s consumed.
func runePrefix(s, p string, fold bool) (int, bool) {
	i := 0
	for j := 0; j < len(p); {
		if i >= len(s) {
			return 0, false
		}
		pr, pw := utf8.DecodeRuneInString(p[j:])
		sr, sw := utf8.DecodeRuneInString(s[i:])
		if !eqRune(sr, pr, fold) {
			return 0, false
		}
		i += sw
		j += pw
	}
	return i, true
}

// runeSuffix matches p against the end of s rune by rune and returns the
// number of bytes of s consumed.
func runeSuffix(s, p string, fold bool) (int, bool) {
	i := len(s)
	for j := len(p); j > 0; {
		if i <= 0 {
			return 0, false
		}
		pr, pw := utf8.DecodeLastRuneInString(p[:j])
		sr, sw := utf8.DecodeLastRuneInString(s[:i])
		if !eqRune(sr, pr, fold) {
			return 0, false
		}
		i -= sw
		j -= pw
	}
	return len(s) - i, true
}

// globLiteral picks the longest piece of literal text (split at U+FFFD and
// invalid bytes) for Literals.
func globLiteral(segs []string, fold bool) (string, bool) {
	best := ""
	for _, s := range segs {
		var cur strings.Builder
		take := func() {
			if cur.Len() > len(best) {
				best = cur.String()
			}
			cur.Reset()
		}
		for i := 0; i < len(s); {
			r, w := utf8.DecodeRuneInString(s[i:])
			i += w
			if r == utf8.RuneError {
				take()
				continue
			}
			if fold {
				// A non-ASCII rune folding to an ASCII letter must be
				// written as that letter: ASCII input may hold it.
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					if f < utf8.RuneSelf {
						r = f
						break
					}
				}
				if r < utf8.RuneSelf {
					r = rune(lowerASCII(byte(r)))
				}
			}
			cur.WriteRune(r)
		}
		take()
	}
	return best, best != ""
}

// Literals returns a literal that every matching string contains. With fold
// the containment test must be ASCII case-insensitive and any input holding a
// non-ASCII byte must be treated as a possible match. ok is false when the
// glob has no literal text.
func (g *Glob) Literals() (lits []string, fold bool, ok bool) {
	if !g.litOK {
		return nil, false, false
	}
	return []string{g.lit}, g.fold, true
}
