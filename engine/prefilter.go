package engine

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/internal/rawscan"
)

// A prefilter rejects raw NDJSON records before they are parsed. It is
// derived from the query's leading filters: each positive test needs one of
// a set of literals to occur in the record. It must be sound — never reject
// a record the query would accept — so:
//   - literals are cut at characters JSON may escape (" \ / and controls),
//   - a record with a \u escape anywhere passes (any character may hide),
//   - case-insensitive literals and non-ASCII literals let every record with
//     non-ASCII bytes pass (Unicode folding: ſ matches s, K matches k; and
//     invalid bytes read as U+FFFD),
//   - negations, comparisons and anything it cannot read pass.
//
// Every field value lanner derives while decoding NDJSON (FileName,
// FilePath, @timestamp) is a substring of an original value, so literal
// containment stays sound for them.
type prefilter struct {
	root preNode
}

type preNode interface {
	// match reports whether the line may be accepted. facts are computed
	// once per line.
	match(line []byte, f *lineFacts) bool
	cost() int
}

type lineFacts struct {
	escU     int8 // escape state: escUnknown, escInKey, escNone, escInValue
	nonASCII int8 // 0 unknown, 1 yes, 2 no
}

// Escape states of a line, as escIndex.state gives them.
const (
	escUnknown int8 = iota
	escInKey        // a \u escape inside an object key
	escNone         // no \u escape
	escInValue      // \u escapes, none inside a key
)

func (f *lineFacts) hasEscU(line []byte) bool {
	if f.escU == escUnknown {
		f.escU = escNone
		if bytes.Contains(line, escBytes) {
			f.escU = escInValue
			if escapeInKey(line) {
				f.escU = escInKey
			}
		}
	}
	return f.escU != escNone
}

// escInKey reports whether a \u escape stands in one of the line's keys.
func (f *lineFacts) escInKey(line []byte) bool {
	f.hasEscU(line)
	return f.escU == escInKey
}

func (f *lineFacts) hasNonASCII(line []byte) bool {
	if f.nonASCII == 0 {
		f.nonASCII = 2
		if !isASCII(line) {
			f.nonASCII = 1
		}
	}
	return f.nonASCII == 1
}

func isASCII(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Match reports whether a raw record may pass the query's filters. A nil
// prefilter passes everything.
func (p *Program) Match(line []byte) bool { return p.matchLine(line, 0) }

// matchLine is Match with what the caller already knows about \u escapes
// in the line (see escIndex.state). An escape in a key could hide the key
// itself, so such a line passes; escapes in values are decoded by the field
// checks, and make literal searches pass.
func (p *Program) matchLine(line []byte, escU int8) bool {
	if p.pre == nil {
		return true
	}
	f := lineFacts{escU: escU}
	if f.escInKey(line) {
		return true
	}
	return p.pre.root.match(line, &f)
}

// matchCandidate is matchLine for a line that holds one of the places
// Candidates found: the node that found them passed there, so it is not
// tested again.
func (p *Program) matchCandidate(line []byte, escU int8) bool {
	and, ok := p.pre.root.(*preAnd)
	if !ok || p.cand == nil {
		return p.matchLine(line, escU)
	}
	f := lineFacts{escU: escU}
	if f.escInKey(line) {
		return true
	}
	for _, x := range and.xs {
		if x != preNode(p.cand) && !x.match(line, &f) {
			return false
		}
	}
	return true
}

// escapeInKey reports whether a \u escape stands in an object key.
func escapeInKey(line []byte) bool {
	for off := 0; ; {
		j := escLit.index(line[off:])
		if j < 0 {
			return false
		}
		if inKey(line, off+j) {
			return true
		}
		off += j + 2
	}
}

// inKey reports whether position i of s is inside a string that a colon
// follows: an object key. It looks no further than the end of the line.
func inKey(s []byte, i int) bool {
	end, ok := stringEnd(s, i)
	return !ok || afterIsColon(s, end+1)
}

// stringEnd finds the quote that closes the string holding position i; ok
// is false when the line ends first. i is inside the string, on a
// backslash or an ordinary byte.
func stringEnd(s []byte, i int) (int, bool) {
	from := i
	for {
		q := bytes.IndexByte(s[i:], '"')
		if q < 0 {
			if nl := bytes.IndexByte(s[i:], '\n'); nl >= 0 {
				return i + nl, false
			}
			return len(s), false
		}
		q += i
		if nl := bytes.IndexByte(s[i:q], '\n'); nl >= 0 {
			return i + nl, false // strings do not span lines
		}
		// The quote is escaped when an odd run of backslashes precedes it.
		k := q
		for k > from && s[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return q, true
		}
		i = q + 1
	}
}

func afterIsColon(s []byte, i int) bool {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i >= len(s) || s[i] == ':'
}

// escIndex knows where a batch holds \u escapes, so that lines without one
// need no scan of their own. Lines are asked in order.
type escIndex struct {
	pos  []int  // the first \u of every string that has one
	key  []bool // whether that string is an object key
	keys []int  // the positions of those inside a key
	i    int
}

var (
	escBytes = []byte(`\u`)
	escLit   = newLit(escBytes)
)

// newEscIndex builds the index from the positions of every `\u` pair in
// data (ascending), as rawscan finds them.
func newEscIndex(data []byte, escapes []int) *escIndex {
	x := &escIndex{}
	skip := 0 // further escapes in the same string change nothing
	for _, p := range escapes {
		if p < skip {
			continue
		}
		x.pos = append(x.pos, p)
		end, ok := stringEnd(data, p)
		inKey := !ok || afterIsColon(data, end+1)
		x.key = append(x.key, inKey)
		if inKey {
			x.keys = append(x.keys, p)
		}
		skip = max(end, p+2)
	}
	return x
}

// state gives the escape state of the line [start, end). Lines are asked
// in order.
func (x *escIndex) state(start, end int) int8 {
	for x.i < len(x.pos) && x.pos[x.i] < start {
		x.i++
	}
	st := escNone
	for j := x.i; j < len(x.pos) && x.pos[j] < end; j++ {
		if x.key[j] {
			return escInKey
		}
		st = escInValue
	}
	return st
}

// HasPrefilter reports whether the query yields a prefilter.
func (p *Program) HasPrefilter() bool { return p.pre != nil }

// DisablePrefilter turns the raw-bytes prefilter off (differential tests,
// and inputs whose fields do not all come from the raw record).
func (p *Program) DisablePrefilter() { p.pre, p.cand, p.candNodes = nil, nil, nil }

type preAnd struct{ xs []preNode }
type preOr struct{ xs []preNode }

func (n *preAnd) match(line []byte, f *lineFacts) bool {
	for _, x := range n.xs {
		if !x.match(line, f) {
			return false
		}
	}
	return true
}

func (n *preAnd) cost() int {
	c := 0
	for _, x := range n.xs {
		c += x.cost()
	}
	return c
}

func (n *preOr) match(line []byte, f *lineFacts) bool {
	for _, x := range n.xs {
		if x.match(line, f) {
			return true
		}
	}
	return false
}

func (n *preOr) cost() int { return (&preAnd{n.xs}).cost() }

// preLits passes a line containing one of lits.
type preLits struct {
	lits     [][]byte
	cs       []lit // the same literals with anchors, when case-sensitive
	fold     bool  // ASCII case-insensitive; lits are lower-case
	nonASCII bool  // some literal has non-ASCII bytes
}

func (n *preLits) cost() int {
	c := len(n.lits)
	if n.fold {
		c *= 2
	}
	return c
}

func (n *preLits) match(line []byte, f *lineFacts) bool {
	if !n.fold {
		for _, l := range n.cs {
			if l.index(line) >= 0 {
				return true
			}
		}
	} else {
		for _, l := range n.lits {
			if indexFold(line, l) >= 0 {
				return true
			}
		}
	}
	if (n.fold || n.nonASCII) && f.hasNonASCII(line) {
		return true
	}
	// Not found verbatim; an escape could hide it.
	return f.hasEscU(line)
}

// indexFold finds lit (lower-case ASCII) in s ignoring ASCII case. It scans
// for a caseless byte of the literal when there is one, else for both cases
// of its first letter.
func indexFold(s, lit []byte) int {
	if len(lit) == 0 {
		return 0
	}
	anchor := -1
	for i, c := range lit {
		if !(c >= 'a' && c <= 'z') {
			anchor = i
			break
		}
	}
	if anchor >= 0 {
		c := lit[anchor]
		off := 0
		for {
			j := bytes.IndexByte(s[off:], c)
			if j < 0 {
				return -1
			}
			start := off + j - anchor
			if start >= 0 && start+len(lit) <= len(s) && equalFoldASCII(s[start:start+len(lit)], lit) {
				return start
			}
			off += j + 1
		}
	}
	lo, up := lit[0], lit[0]-'a'+'A'
	off := 0
	for off < len(s) {
		rest := s[off:]
		i := bytes.IndexByte(rest, lo)
		j := bytes.IndexByte(rest, up)
		if i < 0 || j >= 0 && j < i {
			i = j
		}
		if i < 0 {
			return -1
		}
		start := off + i
		if start+len(lit) <= len(s) && equalFoldASCII(s[start:start+len(lit)], lit) {
			return start
		}
		off = start + 1
	}
	return -1
}

func equalFoldASCII(a, lower []byte) bool {
	for i, c := range a {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// preKey tests the value of one top-level field where it stands in the raw
// record: every value that follows the key "K": anywhere in the line is a
// candidate (the field's real value is one of them), and the node passes
// when a candidate passes the field's own test. Values with escapes other
// than \\ \" \/ and the usual controls, non-string values other than numbers
// and booleans, and invalid UTF-8 make the node pass. A derived field
// (FileName from ImageFileName) also takes the basenames of its source's
// values as candidates.
type preKey struct {
	keys []lit // `"Name"` for each key that may hold the value
	base []lit // keys whose values' basenames are candidates
	test func(string) bool
	// shared holds keys then base, anchored on a byte they all hold, when
	// there is one (see matchShared).
	shared []lit
}

func (n *preKey) cost() int { return 2 }

func (n *preKey) match(line []byte, f *lineFacts) bool {
	if len(n.shared) > 0 {
		return n.matchShared(line)
	}
	for _, k := range n.keys {
		if n.scan(line, k, false) {
			return true
		}
	}
	for _, k := range n.base {
		if n.scan(line, k, true) {
			return true
		}
	}
	return false
}

// matchShared is match for a node whose literals share a byte: one search
// for that byte finds every literal, where a search per literal would scan
// the line once each.
func (n *preKey) matchShared(line []byte) bool {
	var scratch []byte
	c := n.shared[0].b[n.shared[0].anchor]
	for off := 0; ; {
		j := bytes.IndexByte(line[off:], c)
		if j < 0 {
			return false
		}
		p := off + j
		off = p + 1
		for i, l := range n.shared {
			start := p - l.anchor
			if start >= 0 && start+len(l.b) <= len(line) && bytes.Equal(line[start:start+len(l.b)], l.b) &&
				n.hitAt(line, start, l, i >= len(n.keys), &scratch) {
				return true
			}
		}
	}
}

// share finds the rarest byte all of the node's literals hold and, when
// there is one, sets shared: the keys then the bases, each anchored there.
func (n *preKey) share() {
	all := append(append([]lit(nil), n.keys...), n.base...)
	if len(all) < 2 {
		return
	}
	best, bestRank := -1, 1<<30
	for _, c := range all[0].b {
		common := true
		for _, l := range all[1:] {
			common = common && bytes.IndexByte(l.b, c) >= 0
		}
		if r := rawscan.Rank(c); common && r < bestRank {
			best, bestRank = int(c), r
		}
	}
	if best < 0 {
		return
	}
	for i := range all {
		all[i].anchor = bytes.IndexByte(all[i].b, byte(best))
	}
	n.shared = all
}

// scan checks every occurrence of key in one line; it reports true when a
// candidate passes or cannot be read.
func (n *preKey) scan(line []byte, key lit, basename bool) bool {
	found := false
	n.hits(line, key, basename, func(int) bool { found = true; return false })
	return found
}

// hits calls fn with the offset of each occurrence of key in s whose value
// passes the test or cannot be read; fn returns false to stop. s may hold
// many lines: a value never runs past a newline.
func (n *preKey) hits(s []byte, key lit, basename bool, fn func(pos int) bool) {
	var scratch []byte
	for off := 0; off < len(s); {
		j := key.index(s[off:])
		if j < 0 {
			return
		}
		at := off + j
		off = at + len(key.b)
		if n.hitAt(s, at, key, basename, &scratch) && !fn(at) {
			return
		}
	}
}

// hitAt reports whether the occurrence of key at s[at:] is a key whose
// value passes the test or cannot be read. scratch holds the buffer for
// decoding escapes, made on first use and kept by the caller.
func (n *preKey) hitAt(s []byte, at int, key lit, basename bool, scratch *[]byte) bool {
	i := at + len(key.b)
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	if i >= len(s) || s[i] != ':' {
		return false // the text of a value, not a key
	}
	i++
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	if i >= len(s) || s[i] == '\n' {
		return true
	}
	var v []byte
	switch c := s[i]; {
	case c == '"':
		end, esc := i+1, false
		for end < len(s) && s[end] != '"' && s[end] != '\n' {
			if s[end] == '\\' {
				esc = true
				end++
			}
			end++
		}
		if end >= len(s) || s[end] != '"' {
			return true
		}
		v = s[i+1 : end]
		if esc {
			if *scratch == nil {
				*scratch = make([]byte, 0, 256)
			}
			u, ok := unescapeSimple(v, (*scratch)[:0])
			if !ok {
				return true
			}
			*scratch = u[:0]
			v = u
		}
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f':
		end := i
		for end < len(s) && s[end] != ',' && s[end] != '}' && s[end] != ']' && s[end] != ' ' && s[end] != '\n' {
			end++
		}
		v = s[i:end]
	case c == 'n':
		return false // null: absent
	default:
		return false // an object or array: the field is K.x, not K
	}
	if !isASCII(v) && !utf8.Valid(v) {
		return true
	}
	if basename {
		if k := bytes.LastIndexAny(v, `\/`); k >= 0 {
			v = v[k+1:]
		}
	}
	if len(v) == 0 {
		return n.test("")
	}
	return n.test(unsafe.String(&v[0], len(v)))
}

// candidates adds to pos the offset of every place in data where this
// node may pass: the lines holding no such place fail the node. found, when
// not nil, holds every occurrence of keys[0] in data (rawscan's answer), so
// that key needs no search of its own.
func (n *preKey) candidates(data []byte, pos, found []int) []int {
	add := func(p int) bool { pos = append(pos, p); return true }
	var scratch []byte
	for i, k := range n.keys {
		if i == 0 && found != nil {
			for _, at := range found {
				if n.hitAt(data, at, k, false, &scratch) {
					pos = append(pos, at)
				}
			}
			continue
		}
		n.hits(data, k, false, add)
	}
	for _, k := range n.base {
		n.hits(data, k, true, add)
	}
	return pos
}

// Candidates finds, in a batch of lines, the offsets of the places where the
// query's prefilter may pass, so that the lines without one need no look:
// the offsets of the field values that pass a required field check, and of
// every \u escape inside a key (which may hide the field's key; escapes in
// values are decoded by the check). found is nil or every occurrence of
// CandidateKey in data. ok is false when the prefilter has no such check;
// then every line must be tried. The offsets are sorted.
func (p *Program) Candidates(data []byte, keyEsc, found []int) (pos []int, ok bool) {
	if p.pre == nil || p.cand == nil {
		return nil, false
	}
	pos = p.cand.candidates(data, nil, found)
	pos = append(pos, keyEsc...)
	slices.Sort(pos)
	return pos, true
}

// CandidateKey is the key literal Candidates searches for first, or nil.
func (p *Program) CandidateKey() []byte {
	if p.pre == nil || p.cand == nil || len(p.cand.keys) == 0 {
		return nil
	}
	return p.cand.keys[0].b
}

// appendConjuncts adds n to a conjunction, with the terms of a nested
// conjunction at the top level, where each required field check can be the
// one Candidates searches with.
func appendConjuncts(xs []preNode, n preNode) []preNode {
	if a, ok := n.(*preAnd); ok {
		for _, x := range a.xs {
			xs = appendConjuncts(xs, x)
		}
		return xs
	}
	return append(xs, n)
}

// candidateNodes lists the required field checks (key nodes of the
// top-level conjunction), any of which Candidates could search with.
func candidateNodes(pre *prefilter) []*preKey {
	if pre == nil {
		return nil
	}
	switch r := pre.root.(type) {
	case *preKey:
		return []*preKey{r}
	case *preAnd:
		var out []*preKey
		for _, x := range r.xs {
			if k, ok := x.(*preKey); ok {
				out = append(out, k)
			}
		}
		return out
	}
	return nil
}

// pickCandidate chooses, once, on the first batch it sees, the field check
// Candidates searches with: the one that costs least there, counting one
// search of the batch per key after the first (rawscan finds the first)
// and a line check per place found. Which check is rarest depends on the
// data (a browser parent or a LOLBin child); the choice changes only the
// speed, since every required check finds a superset of the lines that can
// pass.
func (p *Program) pickCandidate(data []byte) {
	p.pick.Do(func() {
		if len(p.candNodes) < 2 {
			return
		}
		const perLine = 1000       // ns: checking one line that holds a place
		perSearch := len(data) / 8 // ns: one more search of the batch
		best, bestCost := p.cand, -1
		for _, n := range p.candNodes {
			cost := (len(n.keys)+len(n.base)-1)*perSearch + len(n.candidates(data, nil, nil))*perLine
			if bestCost < 0 || cost < bestCost {
				best, bestCost = n, cost
			}
		}
		p.setCandidate(best)
	})
}

func (p *Program) setCandidate(n *preKey) {
	p.cand = n
	p.candNeedle = rawscan.Needle{}
	if k := p.CandidateKey(); k != nil {
		p.candNeedle = rawscan.NewNeedle(k)
	}
}

// unescapeSimple decodes JSON escapes. It refuses surrogate escapes
// (\ud800-\udfff), whose decoding differs between decoders, so the caller
// treats such values as unknown.
func unescapeSimple(v, dst []byte) ([]byte, bool) {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(v) {
			return nil, false
		}
		switch v[i] {
		case '"', '\\', '/':
			dst = append(dst, v[i])
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'u':
			if i+4 >= len(v) {
				return nil, false
			}
			n, err := strconv.ParseUint(string(v[i+1:i+5]), 16, 32)
			if err != nil {
				return nil, false
			}
			r := rune(n)
			if r >= 0xd800 && r <= 0xdfff {
				return nil, false
			}
			dst = utf8.AppendRune(dst, r)
			i += 4
		default:
			return nil, false
		}
	}
	return dst, true
}

// derivedFrom lists fields the NDJSON decoder derives, and from what.
// FileName is the basename of ImageFileName when the record has none.
var derivedFrom = map[string]string{"FileName": "ImageFileName"}

// keyNode builds a key-targeted node for a plain top-level field, or nil.
func keyNode(field string, test func(string) bool) preNode {
	if field == "" || field == "FilePath" || field[0] == '@' || strings.ContainsAny(field, ".[]\"\\") {
		return nil
	}
	for _, r := range field {
		if r >= 0x80 || r < 0x20 || r == '/' {
			return nil
		}
	}
	n := &preKey{test: test}
	n.keys = append(n.keys, newLit([]byte(`"`+field+`"`)))
	if field[0] == '#' && len(field) > 1 {
		n.keys = append(n.keys, newLit([]byte(`"`+field[1:]+`"`)))
	}
	if src, ok := derivedFrom[field]; ok {
		n.base = append(n.base, newLit([]byte(`"`+src+`"`)))
	}
	n.share()
	return n
}

// lit is a literal with the offset of its rarest byte, which a search scans
// for with IndexByte (SIMD) before comparing the whole literal. Searching
// from the first byte is slow when that byte is common in JSON (a quote).
type lit struct {
	b      []byte
	anchor int
}

func newLit(b []byte) lit {
	return lit{b: b, anchor: rawscan.Rarest(b)}
}

// index finds l in s.
func (l lit) index(s []byte) int {
	c := l.b[l.anchor]
	for off := 0; ; {
		j := bytes.IndexByte(s[off:], c)
		if j < 0 {
			return -1
		}
		start := off + j - l.anchor
		if start >= 0 && start+len(l.b) <= len(s) && bytes.Equal(s[start:start+len(l.b)], l.b) {
			return start
		}
		off += j + 1
	}
}

// ---- derivation ----

// minLiteral is the shortest literal worth searching for.
const minLiteral = 3

func derivePrefilter(c *compiler, stages []cql.Stage) *prefilter {
	var xs []preNode
	for _, s := range stages {
		fs, ok := s.(*cql.FilterStage)
		if !ok {
			break // later stages may add or change fields
		}
		if n := c.preFilter(fs.Filter); n != nil {
			xs = appendConjuncts(xs, n)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	// cheapest first
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j].cost() < xs[j-1].cost(); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return &prefilter{root: &preAnd{xs}}
}

// preFilter returns a node that every record accepted by f matches, or nil
// when it cannot say.
func (c *compiler) preFilter(f cql.Filter) preNode {
	switch f := f.(type) {
	case *cql.AndFilter:
		l, r := c.preFilter(f.L), c.preFilter(f.R)
		switch {
		case l == nil:
			return r
		case r == nil:
			return l
		}
		return &preAnd{[]preNode{l, r}}
	case *cql.OrFilter:
		l, r := c.preFilter(f.L), c.preFilter(f.R)
		if l == nil || r == nil {
			return nil
		}
		return &preOr{[]preNode{l, r}}
	case *cql.FieldFilter:
		if f.Op != cql.Eq {
			return nil
		}
		if f.Value.Kind != cql.ValueAny {
			if n := keyNode(f.Field, c.valueTest(f.Value, f.At, false)); n != nil {
				// A single case-sensitive literal is a cheaper first test.
				if l, ok := c.preValue(f.Value, f.At).(*preLits); ok && !l.fold && len(l.lits) == 1 {
					return &preAnd{[]preNode{l, n}}
				}
				return n
			}
		}
		return c.preValue(f.Value, f.At)
	case *cql.FreeText:
		return litNode([]string{f.Text}, false)
	case *cql.RegexFilter:
		re := c.regex(f.Pattern, f.Flags, f.At)
		lits, fold, ok := re.Literals()
		if !ok {
			return nil
		}
		return litNode(lits, fold)
	case *cql.CallFilter:
		call := f.Call
		if call.Negated {
			return nil
		}
		switch strings.ToLower(call.Name) {
		case "in":
			va, ok := call.Arg("values")
			if !ok {
				return nil
			}
			fold := false
			if a, ok := call.Arg("ignoreCase"); ok && strings.EqualFold(strings.Trim(a.String(), `"`), "true") {
				fold = true
			}
			var all []string
			for _, v := range namesOf(va) {
				n := c.preValue(cql.Value{Kind: cql.ValueGlob, Text: v}, call.At)
				pl, ok := n.(*preLits)
				if n == nil || !ok {
					return nil
				}
				for _, l := range pl.lits {
					all = append(all, string(l))
				}
			}
			return litNode(all, fold)
		}
	}
	return nil
}

func (c *compiler) preValue(v cql.Value, at cql.Pos) preNode {
	switch v.Kind {
	case cql.ValueGlob:
		if _, isNum := cql.ParseNumber(v.Text); isNum {
			return nil // numeric equality: 404.0 matches 404
		}
		lits, fold, ok := compileGlob(v.Text, false).Literals()
		if !ok {
			return nil
		}
		return litNode(lits, fold)
	case cql.ValueRegex:
		re := c.regex(v.Text, v.Flags, at)
		lits, fold, ok := re.Literals()
		if !ok {
			return nil
		}
		return litNode(lits, fold)
	}
	return nil
}

// litNode makes a literal-set node, cutting each literal to its longest run
// that JSON never escapes. A literal without such a run makes the node
// useless (nil).
func litNode(lits []string, fold bool) preNode {
	n := &preLits{fold: fold}
	seen := map[string]bool{}
	for _, l := range lits {
		best := ""
		for _, part := range strings.FieldsFunc(l, func(r rune) bool { return r == '"' || r == '\\' || r == '/' || r < 0x20 || r == 0x7f }) {
			if len(part) > len(best) {
				best = part
			}
		}
		if len(best) < minLiteral {
			return nil
		}
		for i := 0; i < len(best); i++ {
			if best[i] >= 0x80 {
				n.nonASCII = true
			}
		}
		if fold {
			if n.nonASCII {
				return nil // only ASCII folding is done on raw bytes
			}
			best = strings.ToLower(best)
		}
		if !seen[best] {
			seen[best] = true
			n.lits = append(n.lits, []byte(best))
			n.cs = append(n.cs, newLit([]byte(best)))
		}
	}
	if len(n.lits) == 0 {
		return nil
	}
	return n
}
