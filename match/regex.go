// Package match provides string matchers for detection rules: Regex, a
// drop-in replacement for regexp's MatchString that takes literal fast paths
// where it can prove them exact, and Glob, LogScale field-filter globs.
//
// Compile analyses the simplified regexp/syntax tree. After stripping a
// leading \A (^ without (?m)) and trailing \z ($ without (?m)), (?s).* next
// to an anchor, and anything nullable at an unanchored edge, if the rest
// denotes an exactly known, finite set of literals the match becomes
//
//   - "set":      anchored at both ends, a lookup in the set;
//   - "prefix":   anchored at the start, a HasPrefix test per literal;
//   - "suffix":   anchored at the end, a HasSuffix test per literal;
//   - "contains": unanchored, a multi-literal search (IndexByte on a rare
//     anchor byte per group of literals, or one table-driven pass);
//   - "alternation": a top-level alternation whose branches are all of the
//     above.
//
// Otherwise, when the analysis finds literals one of which every match must
// contain, they prefilter the regexp ("prefilter"); failing that the regexp
// runs alone ("regex").
//
// Exactness: (?i) letters are compared ASCII-caselessly, which equals Go's
// Unicode simple folding except for U+212A KELVIN SIGN (k) and U+017F LONG S
// (s): an input holding one of those, when a literal has a caseless k or s,
// goes to the regexp. Other case-folded runes are expanded into their fold
// orbits. A literal containing U+FFFD never takes a fast path (the regexp
// matches it against invalid UTF-8 bytes). Multi-line anchors, \b, \B,
// empty-width assertions inside the pattern, '.', large classes and
// repetitions other than trailing/leading nullable ones disable the exact
// fast paths (they may still give a prefilter).
//
// All types are safe for concurrent use.
package match

import (
	"regexp"
	"regexp/syntax"
	"unsafe"
)

type kind uint8

const (
	kRegex     kind = iota // plain regexp
	kPrefilter             // required literals, then regexp
	kSet                   // anchored both ends: exact set lookup
	kPrefix                // anchored at start: HasPrefix of a set
	kSuffix                // anchored at end: HasSuffix of a set
	kContains              // unanchored: contains any of a set
	kAlt                   // top-level alternation of fast branches
)

// Size limits beyond which a literal set is not worth its fast path.
const (
	maxAffix     = 64  // kPrefix, kSuffix: tried one by one
	maxScan      = 256 // kContains
	maxPrefilter = 64
)

var kindNames = [...]string{"regex", "prefilter", "set", "prefix", "suffix", "contains", "alternation"}

// fast is one literal fast path. Its test returns ok=false when it cannot
// decide, and the caller then asks the regexp.
type fast struct {
	kind  kind
	guard bool // undecidable when the input contains a guard rune (K, ſ)

	// kSet
	exact *strSet // case-sensitive members
	fold  *strSet // ASCII-caseless members

	// kPrefix, kSuffix
	lits   []lit // fold members lower-case
	maxLit int   // longest member

	// kContains, kPrefilter
	m *multi

	// kAlt
	alts []fast
}

// Regex is a compiled regular expression whose MatchString and Match give
// exactly the same results as package regexp's, for every input.
type Regex struct {
	re      *regexp.Regexp
	f       fast
	lits    []string
	litFold bool
	litOK   bool
	run     *classRun // a class run every match holds (checked before the regexp)
}

// Compile parses a Go (RE2) regular expression and returns a matcher that
// agrees with regexp.MustCompile(pattern).MatchString on every input.
func Compile(pattern string) (*Regex, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	r := &Regex{re: re}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil { // cannot happen: regexp.Compile accepted it
		return r, nil
	}
	r.run = findRun(tree)
	tree = tree.Simplify()
	whole := analyze(tree)
	best := shrink(whole.best(), maxPrefilter)
	if best != nil {
		r.litOK = true
		r.litFold = anyFold(best)
		seen := map[string]bool{}
		for _, l := range best {
			s := l.s
			if r.litFold {
				s = lowerString(s)
			}
			if !seen[s] {
				seen[s] = true
				r.lits = append(r.lits, s)
			}
		}
	}
	if f, ok := buildFast(tree); ok {
		r.f = f
	} else if best != nil {
		r.f = fast{kind: kPrefilter, m: newMulti(best, anyGuard(best))}
	}
	return r, nil
}

// MustCompile is like Compile but panics if the pattern cannot be parsed.
func MustCompile(pattern string) *Regex {
	r, err := Compile(pattern)
	if err != nil {
		panic("match: Compile(" + pattern + "): " + err.Error())
	}
	return r
}

// String returns the source pattern.
func (r *Regex) String() string { return r.re.String() }

// Regexp returns the underlying standard regexp.
func (r *Regex) Regexp() *regexp.Regexp { return r.re }

// Strategy names the evaluation strategy chosen at compile time: "set",
// "prefix", "suffix", "contains", "alternation", "prefilter" or "regex".
func (r *Regex) Strategy() string { return kindNames[r.f.kind] }

// MatchString reports whether s contains a match of the regular expression.
func (r *Regex) MatchString(s string) bool {
	if r.f.kind != kRegex {
		if v, ok := r.f.test(s); ok {
			return v
		}
	}
	if r.run != nil && !r.run.has(s) {
		return false
	}
	return r.re.MatchString(s)
}

// Match reports whether b contains a match of the regular expression.
func (r *Regex) Match(b []byte) bool {
	s := unsafe.String(unsafe.SliceData(b), len(b))
	if r.f.kind != kRegex {
		if v, ok := r.f.test(s); ok {
			return v
		}
	}
	if r.run != nil && !r.run.has(s) {
		return false
	}
	return r.re.Match(b)
}

// Literals returns a set of literals at least one of which occurs (as a
// substring) in every string the expression matches. When fold is true the
// containment test must be ASCII case-insensitive and any input holding a
// non-ASCII byte must be treated as a possible match. ok is false when no
// such set is known. An empty set with ok true means nothing can match.
func (r *Regex) Literals() (lits []string, fold bool, ok bool) {
	if !r.litOK {
		return nil, false, false
	}
	return append([]string{}, r.lits...), r.litFold, true
}

func anyFold(set []lit) bool {
	for _, l := range set {
		if l.fold {
			return true
		}
	}
	return false
}

func anyGuard(set []lit) bool {
	for _, l := range set {
		if l.guard {
			return true
		}
	}
	return false
}

func isDotStarS(re *syntax.Regexp) bool {
	return re.Op == syntax.OpStar && re.Sub[0].Op == syntax.OpAnyChar
}

// nullable reports whether re can unconditionally match the empty string.
func nullable(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch:
		return true
	case syntax.OpRepeat:
		return re.Min == 0
	case syntax.OpCapture:
		return nullable(re.Sub[0])
	}
	return false
}

func buildFast(re *syntax.Regexp) (fast, bool) {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if f, ok := buildFastConcat(re); ok {
		return f, true
	}
	if re.Op != syntax.OpAlternate {
		return fast{}, false
	}
	// ^a$|^b: a fast path per branch.
	f := fast{kind: kAlt}
	for _, sub := range re.Sub {
		sf, ok := buildFast(sub)
		if !ok {
			return fast{}, false
		}
		f.alts = append(f.alts, sf)
	}
	return f, true
}

func buildFastConcat(re *syntax.Regexp) (fast, bool) {
	items := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		items = re.Sub
	}
	anchS, anchE := false, false
	if len(items) > 0 && items[0].Op == syntax.OpBeginText {
		anchS, items = true, items[1:]
	}
	if len(items) > 0 && items[len(items)-1].Op == syntax.OpEndText {
		anchE, items = true, items[:len(items)-1]
	}
	// (?s)^.*x is unanchored x; x.*$ likewise.
	for anchS && len(items) > 0 && isDotStarS(items[0]) {
		anchS, items = false, items[1:]
	}
	for anchE && len(items) > 0 && isDotStarS(items[len(items)-1]) {
		anchE, items = false, items[:len(items)-1]
	}
	// At an unanchored edge, anything that can match empty can be dropped.
	for !anchS && len(items) > 0 && nullable(items[0]) {
		items = items[1:]
	}
	for !anchE && len(items) > 0 && nullable(items[len(items)-1]) {
		items = items[:len(items)-1]
	}
	in := emptyInfo
	for _, it := range items {
		in = concatInfo(in, analyze(it))
	}
	if in.exact == nil || !in.precise {
		return fast{}, false
	}
	set := in.exact
	for _, l := range set {
		if l.fold && l.exl {
			return fast{}, false
		}
	}
	f := fast{guard: anyGuard(set)}
	for _, l := range set {
		f.maxLit = max(f.maxLit, len(l.s))
	}
	switch {
	case anchS && anchE:
		f.kind = kSet
		var ex, fo []string
		for _, l := range set {
			if l.fold {
				fo = append(fo, l.s)
			} else {
				ex = append(ex, l.s)
			}
		}
		f.exact, f.fold = newStrSet(ex, false), newStrSet(fo, true)
	case len(set) > maxScan || (anchS || anchE) && len(set) > maxAffix:
		return fast{}, false
	case anchS:
		f.kind, f.lits = kPrefix, set
	case anchE:
		f.kind, f.lits = kSuffix, set
	default:
		f.kind, f.m = kContains, newMulti(set, f.guard)
	}
	return f, true
}

func (f *fast) test(s string) (match, ok bool) {
	switch f.kind {
	case kSet:
		if f.exact.has(s) {
			return true, true
		}
		if f.fold.n == 0 || len(s) > 3*f.fold.max {
			return false, true
		}
		if f.guard && hasGuardRune(s) {
			return false, false
		}
		return f.fold.has(s), true
	case kPrefix:
		// A match covers at most 3 bytes per needle byte (k → K).
		if f.guard && hasGuardRune(s[:min(len(s), 3*f.maxLit)]) {
			return false, false
		}
		for _, l := range f.lits {
			if len(s) >= len(l.s) {
				if l.fold && eqFold(s[:len(l.s)], l.s) || !l.fold && s[:len(l.s)] == l.s {
					return true, true
				}
			}
		}
		return false, true
	case kSuffix:
		if f.guard && hasGuardRune(s[max(0, len(s)-3*f.maxLit):]) {
			return false, false
		}
		for _, l := range f.lits {
			if len(s) >= len(l.s) {
				t := s[len(s)-len(l.s):]
				if l.fold && eqFold(t, l.s) || !l.fold && t == l.s {
					return true, true
				}
			}
		}
		return false, true
	case kContains:
		return f.m.search(s)
	case kPrefilter:
		found, decided := f.m.search(s)
		// found means "maybe": let the regexp decide.
		return false, decided && !found
	case kAlt:
		decided := true
		for i := range f.alts {
			v, ok := f.alts[i].test(s)
			if ok && v {
				return true, true
			}
			decided = decided && ok
		}
		return false, decided
	}
	return false, false
}

// strSet is a set of strings, compared exactly or ASCII-caselessly (members
// then lower-case).
type strSet struct {
	fold  bool
	n     int
	max   int
	byLen [][]string          // candidates by length, when buckets are small
	m     map[string]struct{} // otherwise
}

func newStrSet(members []string, fold bool) *strSet {
	t := &strSet{fold: fold, n: len(members)}
	for _, s := range members {
		t.max = max(t.max, len(s))
	}
	if t.max <= 256 {
		t.byLen = make([][]string, t.max+1)
		for _, s := range members {
			t.byLen[len(s)] = append(t.byLen[len(s)], s)
			if len(t.byLen[len(s)]) > 8 {
				t.byLen = nil
				break
			}
		}
	}
	if t.byLen == nil {
		t.m = make(map[string]struct{}, len(members))
		for _, s := range members {
			t.m[s] = struct{}{}
		}
	}
	return t
}

func (t *strSet) has(s string) bool {
	if len(s) > t.max {
		return false
	}
	if t.byLen != nil {
		for _, c := range t.byLen[len(s)] {
			if t.fold && eqFold(s, c) || !t.fold && s == c {
				return true
			}
		}
		return false
	}
	if !t.fold {
		_, ok := t.m[s]
		return ok
	}
	var buf [64]byte
	if len(s) <= len(buf) {
		b := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			b[i] = lowerASCII(s[i])
		}
		_, ok := t.m[string(b)]
		return ok
	}
	for c := range t.m {
		if eqFold(s, c) {
			return true
		}
	}
	return false
}
