package engine

import "strings"

type globM interface {
	MatchString(string) bool
	Literals() ([]string, bool, bool)
}

// simpleGlob matches LogScale's anchored '*' globs.
type simpleGlob struct {
	parts []string // literal runs between stars
	lead  bool     // pattern starts with '*'
	trail bool     // pattern ends with '*'
	fold  bool
	exact string
	star  bool
}

func newSimpleGlob(p string, fold bool) *simpleGlob {
	g := &simpleGlob{fold: fold}
	var cur strings.Builder
	var parts []string
	stars := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\') {
			cur.WriteByte(p[i+1])
			i++
			continue
		}
		if c == '*' {
			if i == 0 {
				g.lead = true
			}
			if i == len(p)-1 {
				g.trail = true
			}
			parts = append(parts, cur.String())
			cur.Reset()
			stars++
			continue
		}
		cur.WriteByte(c)
	}
	parts = append(parts, cur.String())
	g.parts = parts
	g.star = stars > 0
	if !g.star {
		g.exact = parts[0]
	}
	return g
}

func (g *simpleGlob) eq(a, b string) bool {
	if g.fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func (g *simpleGlob) MatchString(s string) bool {
	if !g.star {
		return g.eq(s, g.exact)
	}
	if g.fold {
		return globMatchFold(g.parts, s)
	}
	first, last := g.parts[0], g.parts[len(g.parts)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	if len(s) < len(last) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[:len(s)-len(last)]
	for _, mid := range g.parts[1 : len(g.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}

// globMatchFold matches with Unicode simple case folding by comparing rune
// by rune; used only for ignoreCase globs.
func globMatchFold(parts []string, s string) bool {
	// Build on the regex-free path: anchored prefix, suffix, ordered middles.
	first, last := []rune(parts[0]), []rune(parts[len(parts)-1])
	rs := []rune(s)
	if len(rs) < len(first) || !strings.EqualFold(string(rs[:len(first)]), string(first)) {
		return false
	}
	rs = rs[len(first):]
	if len(rs) < len(last) || !strings.EqualFold(string(rs[len(rs)-len(last):]), string(last)) {
		return false
	}
	rs = rs[:len(rs)-len(last)]
	for _, midS := range parts[1 : len(parts)-1] {
		mid := []rune(midS)
		found := -1
		for i := 0; i+len(mid) <= len(rs); i++ {
			if strings.EqualFold(string(rs[i:i+len(mid)]), midS) {
				found = i
				break
			}
		}
		if found < 0 {
			return false
		}
		rs = rs[found+len(mid):]
	}
	return true
}

func (g *simpleGlob) Literals() ([]string, bool, bool) {
	best := ""
	for _, p := range g.parts {
		if len(p) > len(best) {
			best = p
		}
	}
	if best == "" {
		return nil, false, false
	}
	return []string{best}, g.fold, true
}
