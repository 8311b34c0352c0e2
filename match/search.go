package match

import (
	"math/bits"
	"sort"
	"strings"
)

// lowerASCII maps A-Z to a-z and leaves every other byte alone.
func lowerASCII(c byte) byte {
	if c-'A' < 26 {
		return c + 'a' - 'A'
	}
	return c
}

func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i]-'A' < 26 {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

// eqFold reports whether lowerASCII(s) == n, with len(s) == len(n) and n
// already lower-case.
func eqFold(s, n string) bool {
	if len(s) != len(n) {
		return false
	}
	for i := 0; i < len(n); i++ {
		if lowerASCII(s[i]) != n[i] {
			return false
		}
	}
	return true
}

// foldNeedle finds an ASCII-caseless needle (lower-case) in a haystack by
// scanning for one anchor byte with IndexByte and verifying the window.
type foldNeedle struct {
	s      string
	off    int  // offset of the anchor byte in s
	lo, up byte // the anchor byte in both cases (equal if caseless)
}

func newFoldNeedle(s string) foldNeedle {
	n := foldNeedle{s: s}
	best := -1.0
	for i := 0; i < len(s); i++ {
		c := s[i]
		cost := freq(c)
		if 'a' <= c && c <= 'z' {
			cost += freq(c-'a'+'A') + scanCost
		}
		if best < 0 || cost < best {
			best, n.off = cost, i
		}
	}
	if s != "" {
		n.lo = s[n.off]
		n.up = n.lo
		if 'a' <= n.lo && n.lo <= 'z' {
			n.up = n.lo - 'a' + 'A'
		}
	}
	return n
}

// index returns the start of the leftmost occurrence of n in h, or -1.
func (n *foldNeedle) index(h string) int {
	m := len(n.s)
	if m == 0 {
		return 0
	}
	if len(h) < m {
		return -1
	}
	// anchor positions p with window h[p-off : p-off+m]
	lo, hi := n.off, len(h)-m+n.off+1
	if n.lo == n.up {
		for lo < hi {
			j := strings.IndexByte(h[lo:hi], n.lo)
			if j < 0 {
				return -1
			}
			p := lo + j
			if eqFold(h[p-n.off:p-n.off+m], n.s) {
				return p - n.off
			}
			lo = p + 1
		}
		return -1
	}
	pl, pu := -1, -1
	for lo < hi {
		if pl < lo {
			if j := strings.IndexByte(h[lo:hi], n.lo); j < 0 {
				pl = hi
			} else {
				pl = lo + j
			}
		}
		if pu < lo {
			if j := strings.IndexByte(h[lo:hi], n.up); j < 0 {
				pu = hi
			} else {
				pu = lo + j
			}
		}
		p := min(pl, pu)
		if p >= hi {
			return -1
		}
		if eqFold(h[p-n.off:p-n.off+m], n.s) {
			return p - n.off
		}
		lo = p + 1
	}
	return -1
}

// bset is a set of bytes.
type bset [4]uint64

func (b *bset) add(c byte)      { b[c>>6] |= 1 << (c & 63) }
func (b *bset) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }
func (b *bset) union(o *bset)   { b[0], b[1], b[2], b[3] = b[0]|o[0], b[1]|o[1], b[2]|o[2], b[3]|o[3] }
func (b *bset) count() (n int) {
	return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) + bits.OnesCount64(b[2]) + bits.OnesCount64(b[3])
}
func (b *bset) members() (m []byte) {
	for c := 0; c < 256; c++ {
		if b.has(byte(c)) {
			m = append(m, byte(c))
		}
	}
	return m
}

// pattern is a needle whose every position is a set of bytes. It matches
// exactly the strings of the product of its sets.
type pattern []bset

// cand is a pattern in a group, with the order in which to verify its
// positions (rarest first, the anchor left out).
type cand struct {
	p     pattern
	off   int // anchor offset in p
	order []int
}

func newCand(p pattern, off int, anchored bool) cand {
	c := cand{p: p, off: off}
	cost := make([]float64, len(p))
	for i := range p {
		if anchored && i == off {
			continue
		}
		for _, b := range p[i].members() {
			cost[i] += freq(b)
		}
		c.order = append(c.order, i)
	}
	sort.SliceStable(c.order, func(a, b int) bool { return cost[c.order[a]] < cost[c.order[b]] })
	return c
}

// at reports whether the pattern matches s at start st (in bounds).
func (c *cand) at(s string, st int) bool {
	if st < 0 || st+len(c.p) > len(s) {
		return false
	}
	w := s[st : st+len(c.p)]
	for _, i := range c.order {
		if !c.p[i].has(w[i]) {
			return false
		}
	}
	return true
}

// freq estimates, in percent, how often a byte occurs in field values such
// as command lines and paths.
func freq(c byte) float64 {
	const lower = "etaoinsrhldcumfpgwybvkxjqz"
	pct := [...]float64{10, 7, 7, 6, 6, 6, 5, 5, 3, 3, 3, 3, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.2, 1, 0.6, 0.2, 0.1, 0.1, 0.1}
	switch {
	case c == ' ':
		return 15
	case 'a' <= c && c <= 'z':
		return pct[strings.IndexByte(lower, c)]
	case 'A' <= c && c <= 'Z':
		return pct[strings.IndexByte(lower, c+'a'-'A')] / 5
	case '0' <= c && c <= '9':
		return 1
	case c == '\\':
		return 5
	case c == '-':
		return 4
	case c == '.':
		return 3
	case c == '/':
		return 2
	case c == '"':
		return 1.5
	case c == ':' || c == '_' || c == '=':
		return 1
	case c >= 0x80:
		return 0.1
	case c < ' ':
		return 0.05
	}
	return 0.2
}

// group holds the patterns that share an anchor: scanning for the anchor
// byte(s) with IndexByte finds every candidate window of every member.
// scanCost is the cost of one IndexByte pass relative to freq(c) hits.
const scanCost = 5

type group struct {
	a1, a2 byte // anchor bytes; a1 == a2 for a single byte
	all    bool // no anchor: every position is a candidate
	cs     []cand
	// Quick reject: when every member has a position right after (before)
	// its anchor, the byte there must be in next (prev).
	hasNext, hasPrev bool
	next, prev       bset
}

func (g *group) finish() {
	g.hasNext, g.hasPrev = true, true
	g.next, g.prev = bset{}, bset{}
	for _, c := range g.cs {
		if c.off+1 < len(c.p) {
			g.next.union(&c.p[c.off+1])
		} else {
			g.hasNext = false
		}
		if c.off > 0 {
			g.prev.union(&c.p[c.off-1])
		} else {
			g.hasPrev = false
		}
	}
}

// multi tests whether a string contains any of a set of needles.
type multi struct {
	always bool
	exact  []string
	groups []*group
	any    *group // patterns without an anchor: tried at every position
	guard  bool   // undecidable when the input holds a guard rune
	// With many anchor scans, one pass over the bytes is cheaper: tab maps
	// an anchor byte to 1 + its group index, bit tabGuard marks the first
	// byte of a guard rune.
	loop bool
	tab  [256]uint16
}

const tabGuard = 1 << 15

// loopScans is the number of IndexByte scans above which multi makes a
// single table-driven pass instead.
var loopScans = 5

// newMulti builds a searcher for set. With guard, search reports
// "undecided" for inputs that contain a guard rune.
func newMulti(set []lit, guard bool) *multi {
	m := &multi{guard: guard}
	var ps []pattern
	for _, l := range set {
		if l.s == "" {
			m.always = true
			return m
		}
		p := make(pattern, len(l.s))
		for i := 0; i < len(l.s); i++ {
			c := l.s[i]
			p[i].add(c)
			if l.fold && isASCIILetter(rune(c)) {
				p[i].add(c | 0x20)
				p[i].add(c &^ 0x20)
			}
		}
		ps = append(ps, p)
	}
	ps = mergePatterns(ps)
	var rest []pattern
	for _, p := range ps {
		if s, ok := p.literal(); ok {
			m.exact = append(m.exact, s)
		} else {
			rest = append(rest, p)
		}
	}
	groups, any := planGroups(rest, scanCost)
	scans := 0
	for _, g := range groups {
		scans++
		if g.a1 != g.a2 {
			scans++
		}
	}
	if guard {
		scans += len(guardRunes)
	}
	if scans > loopScans {
		// Hits are all that count in one pass: pick the rarest anchors.
		var planned []*group
		planned, any = planGroups(rest, 0)
		m.loop = true
		// Regroup by single anchor byte: two groups may share a byte.
		groups = nil
		for _, g := range planned {
			anchors := []byte{g.a1}
			if g.a2 != g.a1 {
				anchors = append(anchors, g.a2)
			}
			for _, c := range anchors {
				if m.tab[c] == 0 {
					groups = append(groups, &group{a1: c, a2: c})
					m.tab[c] = uint16(len(groups))
				}
				bg := groups[m.tab[c]-1]
				bg.cs = append(bg.cs, g.cs...)
			}
		}
		for _, g := range groups {
			g.finish()
		}
		if guard {
			for _, g := range guardRunes {
				m.tab[g[0]] |= tabGuard
			}
		}
	}
	m.groups, m.any = groups, any
	return m
}

// planGroups picks an anchor position for each pattern and groups the
// patterns by anchor. A new group costs scan per anchor byte; each expected
// hit costs a verification.
func planGroups(ps []pattern, scan float64) (groups []*group, any *group) {
	type key struct{ a1, a2 byte }
	byAnchor := map[key]*group{}
	for _, p := range ps {
		bestCost, bestOff, bestKey := 0.0, -1, key{}
		for i := range p {
			n := p[i].count()
			if n > 2 {
				continue
			}
			mb := p[i].members()
			k := key{mb[0], mb[len(mb)-1]}
			cost := 0.0
			for _, c := range mb {
				cost += 2 * freq(c)
			}
			if byAnchor[k] == nil {
				cost += scan * float64(n)
			}
			if bestOff < 0 || cost < bestCost {
				bestCost, bestOff, bestKey = cost, i, k
			}
		}
		if bestOff < 0 {
			if any == nil {
				any = &group{all: true}
			}
			any.cs = append(any.cs, newCand(p, 0, false))
			continue
		}
		g := byAnchor[bestKey]
		if g == nil {
			g = &group{a1: bestKey.a1, a2: bestKey.a2}
			byAnchor[bestKey] = g
			groups = append(groups, g)
		}
		g.cs = append(g.cs, newCand(p, bestOff, true))
	}
	for _, g := range groups {
		g.finish()
	}
	if any != nil {
		any.finish()
	}
	return groups, any
}

// literal returns the single string p matches, if it matches only one.
func (p pattern) literal() (string, bool) {
	b := make([]byte, len(p))
	for i := range p {
		m := p[i].members()
		if len(m) != 1 {
			return "", false
		}
		b[i] = m[0]
	}
	return string(b), true
}

// mergePatterns merges patterns that differ in at most one position (the
// union of two such products is again a product), so that, e.g., the 16
// needles of (?i)-(enc|e|ec)\s become three.
func mergePatterns(ps []pattern) []pattern {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(ps); i++ {
			for j := i + 1; j < len(ps); j++ {
				if len(ps[i]) != len(ps[j]) {
					continue
				}
				diff := -1
				for k := range ps[i] {
					if ps[i][k] != ps[j][k] {
						if diff >= 0 {
							diff = -2
							break
						}
						diff = k
					}
				}
				if diff == -2 {
					continue
				}
				if diff >= 0 {
					ps[i][diff].union(&ps[j][diff])
				}
				ps = append(ps[:j], ps[j+1:]...)
				j--
				changed = true
			}
		}
	}
	return ps
}

func (g *group) find(s string) bool {
	if g.all {
		for p := 0; p < len(s); p++ {
			if g.check(s, p) {
				return true
			}
		}
		return false
	}
	if g.a1 == g.a2 {
		for i := 0; i < len(s); {
			j := strings.IndexByte(s[i:], g.a1)
			if j < 0 {
				return false
			}
			if g.check(s, i+j) {
				return true
			}
			i += j + 1
		}
		return false
	}
	p1, p2 := -1, -1
	for i := 0; i < len(s); {
		if p1 < i {
			if j := strings.IndexByte(s[i:], g.a1); j < 0 {
				p1 = len(s)
			} else {
				p1 = i + j
			}
		}
		if p2 < i {
			if j := strings.IndexByte(s[i:], g.a2); j < 0 {
				p2 = len(s)
			} else {
				p2 = i + j
			}
		}
		p := min(p1, p2)
		if p >= len(s) {
			return false
		}
		if g.check(s, p) {
			return true
		}
		i = p + 1
	}
	return false
}

// check verifies every member whose anchor may sit at position p.
func (g *group) check(s string, p int) bool {
	if g.hasNext && (p+1 >= len(s) || !g.next.has(s[p+1])) {
		return false
	}
	if g.hasPrev && (p == 0 || !g.prev.has(s[p-1])) {
		return false
	}
	for k := range g.cs {
		if g.cs[k].at(s, p-g.cs[k].off) {
			return true
		}
	}
	return false
}

// search reports whether s contains one of the needles; decided is false
// when s holds a guard rune that the needles cannot account for.
func (m *multi) search(s string) (found, decided bool) {
	if m.always {
		return true, true
	}
	if m.loop {
		if m.any != nil && m.any.find(s) {
			return true, true
		}
		for _, n := range m.exact {
			if strings.Contains(s, n) {
				return true, true
			}
		}
		for i := 0; i < len(s); i++ {
			t := m.tab[s[i]]
			if t == 0 {
				continue
			}
			if t&tabGuard != 0 && isGuardAt(s, i) {
				return false, false
			}
			if t &^= tabGuard; t != 0 && m.groups[t-1].check(s, i) {
				return true, true
			}
		}
		return false, true
	}
	if m.guard && hasGuardRune(s) {
		return false, false
	}
	for _, n := range m.exact {
		if strings.Contains(s, n) {
			return true, true
		}
	}
	for _, g := range m.groups {
		if g.find(s) {
			return true, true
		}
	}
	if m.any != nil && m.any.find(s) {
		return true, true
	}
	return false, true
}

func isGuardAt(s string, i int) bool {
	for _, g := range guardRunes {
		if strings.HasPrefix(s[i:], g) {
			return true
		}
	}
	return false
}
