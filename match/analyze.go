package match

import (
	"math/bits"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file derives literal information from a parsed regexp/syntax tree.
//
// A lit is a needle string plus how its bytes are compared:
//
//   - bytes of a "fold character" are lower-case ASCII letters that stand for
//     both ASCII cases (and, when guard is set, possibly for a non-ASCII rune
//     such as U+212A KELVIN SIGN or U+017F LONG S in the same fold orbit);
//   - every other byte stands for itself.
//
// When a lit has fold set, its ASCII letters are compared case-insensitively.
// A lit with both fold and exl (a case-sensitive ASCII letter) is only an
// over-approximation: it is fine for a prefilter, never for an exact answer.
//
// Invariants: a lit's string is valid UTF-8 and never contains U+FFFD (an
// input's invalid bytes decode to U+FFFD inside package regexp, so a byte
// comparison against U+FFFD would be wrong); such runes make the analysis give
// up on the position instead.

// maxSet bounds every literal set built by the analysis.
const maxSet = 1024

// maxClass bounds the number of runes of a character class expanded into a set.
const maxClass = 16

type lit struct {
	s     string
	fold  bool // contains ASCII-caseless letters
	guard bool // some caseless letter may also match a non-ASCII rune (guardRunes)
	exl   bool // contains case-sensitive ASCII letters
}

func (a lit) cat(b lit) lit {
	return lit{a.s + b.s, a.fold || b.fold, a.guard || b.guard, a.exl || b.exl}
}

func (a lit) key() string {
	var f byte
	if a.fold {
		f |= 1
	}
	if a.guard {
		f |= 2
	}
	if a.exl {
		f |= 4
	}
	return string(rune('0'+f)) + a.s
}

// info describes what a regexp node can match.
//
// exact != nil: every string the node matches equals (in lit semantics) one
// of exact; if precise, the converse holds too. An empty non-nil slice means
// the node matches nothing.
//
// Otherwise prefix, suffix and match are sets such that every matched string
// starts with / ends with / contains one of them; nil means "unknown". These
// sets never contain the empty string (that would carry no information).
type info struct {
	exact   []lit
	precise bool
	prefix  []lit
	suffix  []lit
	match   []lit
}

var (
	unknown   = info{}
	emptyInfo = info{exact: []lit{{}}, precise: true} // matches exactly ""
	// assertion: matches "" but only under some condition (^, $, \b, ...).
	assertInfo = info{exact: []lit{{}}, precise: false}
)

func hasEmpty(set []lit) bool {
	for _, l := range set {
		if l.s == "" {
			return true
		}
	}
	return false
}

// useful returns set, or nil when it carries no information.
func useful(set []lit) []lit {
	if set == nil || hasEmpty(set) {
		return nil
	}
	return set
}

func (i info) pre() []lit {
	if i.exact != nil {
		return useful(i.exact)
	}
	return i.prefix
}

func (i info) suf() []lit {
	if i.exact != nil {
		return useful(i.exact)
	}
	return i.suffix
}

func (i info) req() []lit {
	if i.exact != nil {
		return useful(i.exact)
	}
	return i.match
}

// best returns the best required-literal set of i (nil if none).
func (i info) best() []lit {
	return bestOf(i.req(), i.pre(), i.suf())
}

func dedupe(set []lit) []lit {
	if len(set) < 2 {
		return set
	}
	seen := make(map[string]bool, len(set))
	out := set[:0:0]
	for _, l := range set {
		k := l.key()
		if !seen[k] {
			seen[k] = true
			out = append(out, l)
		}
	}
	return out
}

func cross(a, b []lit) ([]lit, bool) {
	if len(a)*len(b) > maxSet {
		return nil, false
	}
	out := make([]lit, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x.cat(y))
		}
	}
	return dedupe(out), true
}

func union(sets ...[]lit) ([]lit, bool) {
	out := []lit{}
	for _, s := range sets {
		if s == nil {
			return nil, false
		}
		out = append(out, s...)
	}
	out = dedupe(out)
	if len(out) > maxSet {
		return nil, false
	}
	return out, true
}

// score rates a required-literal set for use as a prefilter: long needles
// are selective, many needles cost a scan each.
func score(set []lit) int {
	if len(set) == 0 {
		return 1 << 20 // matches nothing: perfect
	}
	m := 1 << 30
	for _, l := range set {
		m = min(m, len(l.s))
	}
	m = min(m, 8)
	return 4*m - 3*bits.Len(uint(len(set)))
}

func bestOf(sets ...[]lit) []lit {
	var best []lit
	bs := 0
	for _, s := range sets {
		if s == nil || hasEmpty(s) {
			continue
		}
		if sc := score(s); best == nil || sc > bs {
			best, bs = s, sc
		}
	}
	return best
}

func concatInfo(x, y info) info {
	if x.exact != nil && y.exact != nil {
		if c, ok := cross(x.exact, y.exact); ok {
			return info{exact: c, precise: x.precise && y.precise}
		}
	}
	var out info
	if x.exact != nil {
		out.prefix = x.exact
		if yp := y.pre(); yp != nil {
			if c, ok := cross(x.exact, yp); ok {
				out.prefix = c
			}
		}
	} else {
		out.prefix = x.prefix
	}
	if y.exact != nil {
		out.suffix = y.exact
		if xs := x.suf(); xs != nil {
			if c, ok := cross(xs, y.exact); ok {
				out.suffix = c
			}
		}
	} else {
		out.suffix = y.suffix
	}
	out.prefix = useful(out.prefix)
	out.suffix = useful(out.suffix)
	var mid []lit
	if xs, yp := x.suf(), y.pre(); xs != nil && yp != nil {
		mid, _ = cross(xs, yp)
	}
	out.match = bestOf(x.req(), y.req(), out.prefix, out.suffix, mid)
	return out
}

func alternateInfo(subs []info) info {
	allExact, precise := true, true
	for _, s := range subs {
		if s.exact == nil {
			allExact = false
		}
		precise = precise && s.precise
	}
	if allExact {
		sets := make([][]lit, len(subs))
		for i, s := range subs {
			sets[i] = s.exact
		}
		if u, ok := union(sets...); ok {
			return info{exact: u, precise: precise}
		}
	}
	var out info
	var ps, ss, ms [][]lit
	for _, s := range subs {
		ps = append(ps, s.pre())
		ss = append(ss, s.suf())
		ms = append(ms, s.req())
	}
	out.prefix, _ = union(ps...)
	out.suffix, _ = union(ss...)
	out.match, _ = union(ms...)
	out.match = bestOf(out.match, out.prefix, out.suffix)
	return out
}

// guardRunes are the non-ASCII runes whose simple fold orbit contains an
// ASCII letter (U+017F LONG S and U+212A KELVIN SIGN in current Unicode).
var guardRunes []string

// foldGuard[c] reports whether lower-case ASCII letter c has a non-ASCII
// rune in its fold orbit.
var foldGuard [128]bool

func init() {
	for c := rune('a'); c <= 'z'; c++ {
		for r := unicode.SimpleFold(c); r != c; r = unicode.SimpleFold(r) {
			if r >= utf8.RuneSelf {
				guardRunes = append(guardRunes, string(r))
				foldGuard[c] = true
			}
		}
	}
}

// hasGuardRune reports whether s contains a rune in guardRunes.
func hasGuardRune(s string) bool {
	if len(s) <= 32 { // short values: one pass finds them ASCII
		i := 0
		for i < len(s) && s[i] < utf8.RuneSelf {
			i++
		}
		if i == len(s) {
			return false
		}
	}
	for _, g := range guardRunes {
		if strings.Contains(s, g) {
			return true
		}
	}
	return false
}

func isASCIILetter(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
}

// goodRune reports whether r can appear in a lit.
func goodRune(r rune) bool {
	return r != utf8.RuneError && utf8.ValidRune(r)
}

// runeInfo is the info of a literal rune (case-folded if fold).
func runeInfo(r rune, fold bool) info {
	if !goodRune(r) {
		return unknown
	}
	if fold {
		var orbit []rune
		ascii := rune(-1)
		for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
			orbit = append(orbit, f)
			if isASCIILetter(f) {
				ascii = f | 0x20
			}
			if f == r {
				break
			}
		}
		if len(orbit) > 1 {
			if ascii >= 0 {
				return info{exact: []lit{{s: string(ascii), fold: true, guard: foldGuard[ascii]}}, precise: true}
			}
			set := make([]lit, 0, len(orbit))
			for _, f := range orbit {
				if !goodRune(f) {
					return unknown
				}
				set = append(set, lit{s: string(f)})
			}
			return info{exact: set, precise: true}
		}
	}
	return info{exact: []lit{{s: string(r), exl: isASCIILetter(r)}}, precise: true}
}

func classInfo(ranges []rune) info {
	n := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > maxClass+2048 { // allow a range that spans the surrogates
			return unknown
		}
	}
	var rs []rune
	in := map[rune]bool{}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if 0xD800 <= r && r <= 0xDFFF {
				continue // never matched: input decoding never yields surrogates
			}
			if !goodRune(r) {
				return unknown
			}
			rs = append(rs, r)
			in[r] = true
			if len(rs) > maxClass {
				return unknown
			}
		}
	}
	set := []lit{}
	for _, r := range rs {
		if isASCIILetter(r) {
			lo, up := r|0x20, r&^0x20
			if in[lo] && in[up] {
				if r == lo {
					set = append(set, lit{s: string(lo), fold: true})
				}
				continue
			}
			set = append(set, lit{s: string(r), exl: true})
			continue
		}
		set = append(set, lit{s: string(r)})
	}
	return info{exact: set, precise: true}
}

func literalInfo(re *syntax.Regexp) info {
	fold := re.Flags&syntax.FoldCase != 0
	acc := emptyInfo
	var b strings.Builder
	flags := lit{}
	flush := func() {
		if b.Len() > 0 || flags != (lit{}) {
			l := flags
			l.s = b.String()
			acc = concatInfo(acc, info{exact: []lit{l}, precise: true})
			b.Reset()
			flags = lit{}
		}
	}
	for _, r := range re.Rune {
		ri := runeInfo(r, fold)
		if len(ri.exact) == 1 {
			l := ri.exact[0]
			b.WriteString(l.s)
			flags.fold = flags.fold || l.fold
			flags.guard = flags.guard || l.guard
			flags.exl = flags.exl || l.exl
			continue
		}
		flush()
		acc = concatInfo(acc, ri)
	}
	flush()
	return acc
}

func analyze(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpNoMatch:
		return info{exact: []lit{}, precise: true}
	case syntax.OpEmptyMatch:
		return emptyInfo
	case syntax.OpLiteral:
		return literalInfo(re)
	case syntax.OpCharClass:
		return classInfo(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return unknown
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return assertInfo
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpStar:
		return unknown
	case syntax.OpQuest:
		x := analyze(re.Sub[0])
		if x.exact != nil {
			if u, ok := union(x.exact, []lit{{}}); ok {
				return info{exact: u, precise: x.precise}
			}
		}
		return unknown
	case syntax.OpPlus:
		return plusInfo(analyze(re.Sub[0]))
	case syntax.OpRepeat:
		// Simplify removes OpRepeat; be conservative if one is left.
		if re.Min >= 1 {
			return plusInfo(analyze(re.Sub[0]))
		}
		return unknown
	case syntax.OpConcat:
		acc := emptyInfo
		for _, s := range re.Sub {
			acc = concatInfo(acc, analyze(s))
		}
		return acc
	case syntax.OpAlternate:
		subs := make([]info, len(re.Sub))
		for i, s := range re.Sub {
			subs[i] = analyze(s)
		}
		return alternateInfo(subs)
	}
	return unknown
}

// plusInfo is the info of x+ (one or more repetitions of x).
func plusInfo(x info) info {
	return info{prefix: x.pre(), suffix: x.suf(), match: x.req()}
}

// shrink returns a set of at most limit literals, each a prefix of a member
// of set (so still required), the best scoring; nil if impossible.
func shrink(set []lit, limit int) []lit {
	if len(set) <= limit {
		return set
	}
	minLen := -1
	for _, l := range set {
		if minLen < 0 || len(l.s) < minLen {
			minLen = len(l.s)
		}
	}
	var best []lit
	for k := 1; k <= minLen; k++ {
		t := make([]lit, len(set))
		for i, l := range set {
			n := k
			for n > 0 && n < len(l.s) && !utf8.RuneStart(l.s[n]) {
				n-- // cut at a rune boundary
			}
			if n == 0 {
				_, n = utf8.DecodeRuneInString(l.s)
			}
			l.s = l.s[:n]
			t[i] = l
		}
		t = dedupe(t)
		if len(t) > limit {
			break
		}
		if best == nil || score(t) >= score(best) {
			best = t
		}
	}
	return best
}
