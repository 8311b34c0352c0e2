package sigma

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/lanner-dev/lanner/cql"
	"github.com/lanner-dev/lanner/engine"
	"github.com/lanner-dev/lanner/event"
	"github.com/lanner-dev/lanner/match"
)

// Ruleset evaluates many compiled rules over events, in three steps:
//
//  1. routing: the event's logsource routes (process start, a Sysmon event
//     id, a channel…) are tested once, which leaves the rules of those
//     routes;
//  2. candidates: every rule has, where its detection allows, a witness: a
//     field and literals one of which any matching value contains. One
//     Aho-Corasick pass per field over the event's value finds the rules
//     whose witness is there;
//  3. the candidates' detections are evaluated.
//
// The result is what the engine gives for each rule's query (a
// differential test checks it). A Ruleset is safe for concurrent use
// through one Matcher per goroutine.
type Ruleset struct {
	Rules  []*Compiled
	slots  *slots
	preds  []pred
	groups []*group
	// Stats for documentation and tests.
	Witnessed int // rules with a witness

	regexes map[string]*engine.Regex // compiled once per pattern and flags
	need    []uint8                  // per rule: the witness groups (bits) a candidate needs
	nfields int                      // indexed fields, over all groups
}

type group struct {
	r      *route
	rules  []int        // every rule of the route, in order
	always []int        // rules without a witness
	fields []fieldIndex // witness indexes
	// route slots
	simple, platform, channel, provider, sourceName, eventID int
	extra                                                    []int
}

type fieldIndex struct {
	id      int // index among all fields of the ruleset (matcher caches)
	slot    int
	ac      *ahoCorasick       // contained ASCII literals (nil: none)
	litRule [][]int32          // literal id → rule<<1 | witness group
	wide    *ahoCorasick       // contained literals with non-ASCII bytes
	wideLit [][]int32          // their rules
	exact   map[string][]int32 // folded whole value → rules
	rules   []int32            // every rule and group indexed on this field (invalid UTF-8)
}

// atom is a witness: the slot's value contains (or, exact, equals) one of
// lits, compared in foldKey form (a superset of what the rule accepts).
type atom struct {
	slot  int
	lits  []string // in foldKey form
	exact bool
}

// NewRuleset prepares the rules for evaluation.
func NewRuleset(rules []*Compiled) (*Ruleset, error) {
	rs := &Ruleset{Rules: rules, slots: newSlots(), regexes: map[string]*engine.Regex{}, need: make([]uint8, len(rules))}
	byKey := map[string]*group{}
	for i, c := range rules {
		ec := &evalCompiler{slots: rs.slots, regexes: rs.regexes}
		p := ec.filter(c.Detection)
		if ec.err != nil {
			return nil, fmt.Errorf("%s: %v", c.Rule.Source, ec.err)
		}
		rs.preds = append(rs.preds, p)
		g := byKey[c.route.key]
		if g == nil {
			g = rs.newGroup(c.route)
			byKey[c.route.key] = g
			rs.groups = append(rs.groups, g)
		}
		g.rules = append(g.rules, i)
	}
	for _, g := range rs.groups {
		type slotLits struct {
			contains map[string][]int32
			exact    map[string][]int32
		}
		perSlot := map[int]*slotLits{}
		addTo := func(m map[string][]int32, l string, i int) {
			rl := m[l]
			if len(rl) == 0 || rl[len(rl)-1] != int32(i) {
				m[l] = append(rl, int32(i))
			}
		}
		for _, i := range g.rules {
			w, ok := rs.witness(rules[i].Detection)
			if !ok {
				g.always = append(g.always, i)
				continue
			}
			rs.Witnessed++
			rs.need[i] = uint8(1<<len(w) - 1)
			for gi, atoms := range w {
				for _, a := range atoms {
					sl := perSlot[a.slot]
					if sl == nil {
						sl = &slotLits{contains: map[string][]int32{}, exact: map[string][]int32{}}
						perSlot[a.slot] = sl
					}
					for _, l := range a.lits {
						if a.exact {
							addTo(sl.exact, l, i<<1|gi)
						} else {
							addTo(sl.contains, l, i<<1|gi)
						}
					}
				}
			}
		}
		var slotsUsed []int
		for s := range perSlot {
			slotsUsed = append(slotsUsed, s)
		}
		sort.Ints(slotsUsed)
		for _, s := range slotsUsed {
			sl := perSlot[s]
			fi := fieldIndex{slot: s}
			seen := map[int32]bool{}
			note := func(rl []int32) {
				for _, r := range rl {
					if !seen[r] {
						seen[r] = true
						fi.rules = append(fi.rules, r)
					}
				}
			}
			var ascii, wide []string
			for l := range sl.contains {
				if isASCII(l) {
					ascii = append(ascii, l)
				} else {
					wide = append(wide, l)
				}
			}
			sort.Strings(ascii)
			sort.Strings(wide)
			fi.ac, fi.litRule = buildAC(ascii, sl.contains)
			fi.wide, fi.wideLit = buildAC(wide, sl.contains)
			for _, rl := range append(append([][]int32{}, fi.litRule...), fi.wideLit...) {
				note(rl)
			}
			if len(sl.exact) > 0 {
				fi.exact = sl.exact
				var ex []string
				for l := range sl.exact {
					ex = append(ex, l)
				}
				sort.Strings(ex)
				for _, l := range ex {
					note(sl.exact[l])
				}
			}
			fi.id = rs.nfields
			rs.nfields++
			g.fields = append(g.fields, fi)
		}
	}
	return rs, nil
}

// buildAC indexes literals (keys of rules); long literals are cut to
// their last bytes (the distinctive end of a path or an option), shorter
// as needed to keep the automaton small: a cut literal is contained
// wherever the whole one is, so candidates only grow.
func buildAC(lits []string, rules map[string][]int32) (*ahoCorasick, [][]int32) {
	if len(lits) == 0 {
		return nil, nil
	}
	for cut := 16; ; cut -= 2 {
		byCut := map[string][]int32{}
		var keys []string
		for _, l := range lits {
			k := l
			if len(k) > cut {
				k = k[len(k)-cut:]
			}
			if _, ok := byCut[k]; !ok {
				keys = append(keys, k)
			}
			byCut[k] = mergeRules(byCut[k], rules[l])
		}
		sort.Strings(keys)
		if ac := newAhoCorasick(keys); ac != nil || cut <= 2 {
			var lr [][]int32
			for _, k := range keys {
				lr = append(lr, byCut[k])
			}
			return ac, lr
		}
	}
}

func mergeRules(a, b []int32) []int32 {
	seen := map[int32]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			a = append(a, x)
			seen[x] = true
		}
	}
	return a
}

func isASCIIBytes(s []byte) bool {
	for _, c := range s {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (rs *Ruleset) newGroup(r *route) *group {
	g := &group{r: r, simple: -1, platform: -1, channel: -1, provider: -1, sourceName: -1, eventID: -1}
	if r.simple != "" {
		g.simple = rs.slots.slot("#event_simpleName")
	}
	if r.platform != "" || len(r.noPlatform) > 0 {
		g.platform = rs.slots.slot("event_platform")
	}
	if len(r.channels) > 0 || r.anyWin {
		g.channel = rs.slots.slot("Channel")
	}
	if len(r.providers) > 0 {
		g.provider = rs.slots.slot("Provider_Name")
		g.sourceName = rs.slots.slot("SourceName")
	}
	if len(r.eventIDs) > 0 {
		g.eventID = rs.slots.slot("EventID")
	}
	for _, x := range r.extra {
		g.extra = append(g.extra, rs.slots.slot(x.field))
	}
	return g
}

// matches tests the route, as its filter would.
func (g *group) matches(v *view) bool {
	r := g.r
	if g.simple >= 0 {
		s, ok := v.get(g.simple)
		if !ok || s != r.simple {
			return false
		}
	}
	if g.platform >= 0 {
		s, ok := v.get(g.platform)
		if r.platform != "" && (!ok || s != r.platform) {
			return false
		}
		if ok {
			for _, p := range r.noPlatform {
				if s == p {
					return false
				}
			}
		}
	}
	if g.channel >= 0 || g.provider >= 0 {
		in := false
		if g.channel >= 0 {
			if s, ok := v.get(g.channel); ok {
				in = r.anyWin
				for _, c := range r.channels {
					in = in || s == c
				}
			}
		}
		if !in && g.provider >= 0 {
			for _, slot := range []int{g.provider, g.sourceName} {
				if s, ok := v.get(slot); ok {
					for _, p := range r.providers {
						in = in || s == p
					}
				}
			}
		}
		if !in {
			return false
		}
	}
	if g.eventID >= 0 {
		s, ok := v.get(g.eventID)
		if !ok {
			return false
		}
		in := false
		for _, id := range r.eventIDs {
			if s == id {
				in = true
				break
			}
		}
		if !in {
			// the glob's numeric equality: "1.0" equals 1
			if f, ok := cql.ParseNumber(s); ok {
				for _, id := range r.eventIDs {
					if g, _ := cql.ParseNumber(id); g == f {
						in = true
						break
					}
				}
			}
		}
		if !in {
			return false
		}
	}
	for i, x := range r.extra {
		s, ok := v.get(g.extra[i])
		if !ok {
			return false
		}
		in := false
		for _, val := range x.values {
			in = in || s == val
		}
		if !in {
			return false
		}
	}
	return true
}

// witness finds what every event the filter accepts has: one or two
// groups of atoms, each group satisfied (one of its atoms holds) by any
// matching event.
func (rs *Ruleset) witness(f cql.Filter) ([][]atom, bool) {
	switch f := f.(type) {
	case *cql.AndFilter:
		// every group of every conjunct is required: keep the best two
		var groups [][]atom
		var walk func(x cql.Filter)
		walk = func(x cql.Filter) {
			if a, ok := x.(*cql.AndFilter); ok {
				walk(a.L)
				walk(a.R)
				return
			}
			if w, ok := rs.witness(x); ok {
				groups = append(groups, w...)
			}
		}
		walk(f)
		if len(groups) == 0 {
			return nil, false
		}
		sort.SliceStable(groups, func(i, j int) bool { return rs.atomCost(groups[i]) < rs.atomCost(groups[j]) })
		if len(groups) > 2 {
			groups = groups[:2]
		}
		return rs.trim(groups), true
	case *cql.OrFilter:
		l, lok := rs.witness(f.L)
		r, rok := rs.witness(f.R)
		if !lok || !rok {
			return nil, false
		}
		// (a1 and a2) or (b1 and b2) implies (a1 or b1) and (a2 or b2)
		n := len(l)
		if len(r) > n {
			n = len(r)
		}
		out := make([][]atom, n)
		for i := 0; i < n; i++ {
			li, ri := l[len(l)-1], r[len(r)-1]
			if i < len(l) {
				li = l[i]
			}
			if i < len(r) {
				ri = r[i]
			}
			out[i] = append(append([]atom{}, li...), ri...)
		}
		return rs.trim(out), true
	case *cql.FieldFilter:
		if f.Op != cql.Eq {
			return nil, false
		}
		var lits []string
		var ok bool
		exact := false
		if ex, isExact := exactValues(f.Value); isExact {
			lits, ok, exact = ex, true, true
		} else if cl, isLits := containedValues(f.Value); isLits {
			lits, ok = cl, true
		} else {
			switch f.Value.Kind {
			case cql.ValueRegex:
				re, err := compileRegex(rs.regexes, f.Value.Text, f.Value.Flags)
				if err != nil || re.Backtracking {
					return nil, false
				}
				lits, _, ok = re.Literals()
			case cql.ValueGlob:
				if _, isNum := cql.ParseNumber(f.Value.Text); isNum {
					return nil, false
				}
				lits, _, ok = match.CompileGlob(f.Value.Text, false).Literals()
			}
		}
		if !ok || len(lits) == 0 {
			return nil, false
		}
		folded := make([]string, len(lits))
		for i, l := range lits {
			k, valid := foldKey(nil, l)
			if (l == "" && !exact) || !valid {
				return nil, false
			}
			folded[i] = string(k)
		}
		return [][]atom{{{slot: rs.slots.slot(f.Field), lits: folded, exact: exact}}}, true
	}
	return nil, false
}

// trim drops a second group that hardly narrows the first.
func (rs *Ruleset) trim(groups [][]atom) [][]atom {
	if len(groups) == 2 && rs.atomCost(groups[1]) > 2 {
		return groups[:1]
	}
	return groups
}

// atomCost estimates how often a witness lets a rule through: exact
// values seldom, short or common literals often, and fields whose values
// repeat on most events (Company, Hashes…) more than names and command
// lines.
func (rs *Ruleset) atomCost(as []atom) float64 {
	c := 0.0
	for _, a := range as {
		w := 1.0
		if lowCardinality[rs.slots.names[a.slot]] {
			w = 30
		}
		for _, l := range a.lits {
			if a.exact {
				c += 0.05 * w
				continue
			}
			n := len(l)
			if n > 12 {
				n = 12
			}
			lc := 12.0 / float64(n) / float64(n)
			for _, common := range commonLiterals {
				if strings.Contains(common, l) {
					lc *= 20
					break
				}
			}
			c += lc * w
		}
	}
	return c
}

// lowCardinality fields hold one of a few values on most events.
var lowCardinality = map[string]bool{
	"Company": true, "Product": true, "Description": true, "Hashes": true, "IntegrityLevel": true,
	"User": true, "ParentUser": true, "CurrentDirectory": true, "LogonId": true, "FileVersion": true,
	"TerminalSessionId": true, "Signed": true, "Signature": true, "SignatureStatus": true,
}

// commonLiterals occur in most Windows process events; a witness inside
// one of them finds nearly every event.
var commonLiterals = []string{
	`c:\windows\system32\`, `c:\program files (x86)\`, `\syswow64\`, `.exe" `, `http://`, `https://`,
	`\appdata\local\`, `\users\`, `microsoft corporation`, `windows`, `--type=`, ` /c `, ` -`, ` /`, `.dll,`,
	`sha1=`, `md5=`, `sha256=`, `imphash=`,
}

// exactValues recognises a value that matches whole values from a known
// set: a glob without a star (that is not a number), or a regex
// ^(?:a|b|…)$ of quoted literals (as the compiler writes them).
func exactValues(v cql.Value) ([]string, bool) {
	switch v.Kind {
	case cql.ValueGlob:
		if _, isNum := cql.ParseNumber(v.Text); isNum {
			return nil, false
		}
		var b strings.Builder
		t := v.Text
		for i := 0; i < len(t); i++ {
			c := t[i]
			if c == '\\' && i+1 < len(t) && (t[i+1] == '*' || t[i+1] == '\\') {
				b.WriteByte(t[i+1])
				i++
				continue
			}
			if c == '*' {
				return nil, false
			}
			b.WriteByte(c)
		}
		return []string{b.String()}, true
	case cql.ValueRegex:
		if strings.ContainsAny(v.Flags, "m") {
			return nil, false
		}
		p := v.Text
		if !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") || strings.HasSuffix(p, "\\$") {
			return nil, false
		}
		p = p[1 : len(p)-1]
		if strings.HasPrefix(p, "(?:") && strings.HasSuffix(p, ")") {
			p = p[3 : len(p)-1]
		}
		parts := splitAlternation(p)
		out := make([]string, 0, len(parts))
		for _, part := range parts {
			lit, ok := unquoteMeta(part)
			if !ok {
				return nil, false
			}
			out = append(out, lit)
		}
		return out, true
	}
	return nil, false
}

// containedValues recognises a regex of quoted literals, possibly anchored
// at one end, as the compiler writes them: every match contains one of
// the literals.
func containedValues(v cql.Value) ([]string, bool) {
	if v.Kind != cql.ValueRegex || strings.ContainsAny(v.Flags, "m") {
		return nil, false
	}
	p := strings.TrimPrefix(v.Text, "^")
	if strings.HasSuffix(p, "$") && !strings.HasSuffix(p, "\\$") {
		p = p[:len(p)-1]
	}
	if strings.HasPrefix(p, "(?:") && strings.HasSuffix(p, ")") {
		p = p[3 : len(p)-1]
	}
	var out []string
	for _, part := range splitAlternation(p) {
		lit, ok := unquoteMeta(part)
		if !ok || lit == "" {
			return nil, false
		}
		out = append(out, lit)
	}
	return out, len(out) > 0
}

// splitAlternation splits on | outside escapes (the caller checks that the
// parts are plain quoted literals, so groups and classes never occur).
func splitAlternation(p string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '|':
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return append(parts, p[start:])
}

// unquoteMeta inverts regexp.QuoteMeta: it fails on any unescaped
// metacharacter.
func unquoteMeta(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) || !strings.ContainsRune(`\.+*?()|[]{}^$`, rune(s[i+1])) {
				return "", false
			}
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if strings.ContainsRune(`.+*?()|[]{}^$`, rune(c)) {
			return "", false
		}
		b.WriteByte(c)
	}
	out := b.String()
	return out, regexp.QuoteMeta(out) == s
}

// Matcher evaluates a Ruleset; one per goroutine.
type Matcher struct {
	rs    *Ruleset
	v     view
	mark  []uint32
	bits  []uint8
	epoch uint32
	cands []int
	lower []byte
	hits  []int32
	codes []int32
	cache []map[string][]int32 // per indexed field: value → codes
	out   []int
}

// NewMatcher returns a matcher of the ruleset.
func (rs *Ruleset) NewMatcher() *Matcher {
	n := len(rs.slots.names)
	return &Matcher{rs: rs, v: view{vals: make([]string, n), gen: make([]uint32, n), prio: make([]uint8, n)}, mark: make([]uint32, len(rs.Rules)), bits: make([]uint8, len(rs.Rules)),
		cache: make([]map[string][]int32, rs.nfields)}
}

// Match returns the indexes (into Rules, ascending) of the rules the event
// matches. The slice is reused by the next call.
func (m *Matcher) Match(e *event.Event) []int {
	rs := m.rs
	rs.slots.fill(&m.v, e)
	m.out = m.out[:0]
	m.epoch++
	if m.epoch == 0 {
		for i := range m.mark {
			m.mark[i] = 0
		}
		m.epoch = 1
	}
	for _, g := range rs.groups {
		if !g.matches(&m.v) {
			continue
		}
		m.cands = append(m.cands[:0], g.always...)
		for fi := range g.fields {
			f := &g.fields[fi]
			s, ok := m.v.get(f.slot)
			if !ok {
				continue
			}
			// Values repeat (the same binaries, hashes, companies, and
			// many command lines): the codes a value gives are cached.
			cache := m.cache[f.id]
			if codes, ok := cache[s]; ok {
				for _, r := range codes {
					m.hit(r)
				}
				continue
			}
			codes := m.fieldCodes(f, s, m.codes[:0])
			m.codes = codes
			if cache == nil || len(cache) >= cacheSize {
				cache = make(map[string][]int32, 64)
				m.cache[f.id] = cache
			}
			cache[strings.Clone(s)] = append([]int32(nil), codes...)
			for _, r := range codes {
				m.hit(r)
			}
		}
		sort.Ints(m.cands)
		for _, i := range m.cands {
			if rs.preds[i](&m.v) {
				m.out = append(m.out, i)
			}
		}
	}
	if len(rs.groups) > 1 {
		sort.Ints(m.out)
	}
	return m.out
}

// cacheSize bounds each field's cache of value → witness codes.
const cacheSize = 2048

// fieldCodes lists the witness codes (rule<<1 | group) a value of the
// field gives.
func (m *Matcher) fieldCodes(f *fieldIndex, s string, codes []int32) []int32 {
	key, valid := foldKey(m.lower[:0], s)
	m.lower = key
	if !valid {
		return append(codes, f.rules...)
	}
	if f.exact != nil {
		codes = append(codes, f.exact[string(key)]...)
	}
	if f.ac != nil {
		m.hits = f.ac.scan(key, m.hits[:0])
		for _, id := range m.hits {
			codes = append(codes, f.litRule[id]...)
		}
	}
	if f.wide != nil && !isASCIIBytes(key) {
		m.hits = f.wide.scan(key, m.hits[:0])
		for _, id := range m.hits {
			codes = append(codes, f.wideLit[id]...)
		}
	}
	return codes
}

// hit notes that a witness group of a rule holds; the rule becomes a
// candidate when all its groups do.
func (m *Matcher) hit(code int32) {
	r, bit := int(code>>1), uint8(1)<<(code&1)
	if m.mark[r] != m.epoch {
		m.mark[r] = m.epoch
		m.bits[r] = 0
	}
	b := m.bits[r]
	if b&0x80 != 0 {
		return
	}
	b |= bit
	if b == m.rs.need[r] {
		b |= 0x80
		m.cands = append(m.cands, r)
	}
	m.bits[r] = b
}
