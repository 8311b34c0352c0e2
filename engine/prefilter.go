package engine

import (
	"bytes"
	"strings"

	"github.com/lanner-dev/lanner/cql"
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
	escU, nonASCII int8 // 0 unknown, 1 yes, 2 no
}

func (f *lineFacts) hasEscU(line []byte) bool {
	if f.escU == 0 {
		f.escU = 2
		if bytes.Contains(line, []byte(`\u`)) {
			f.escU = 1
		}
	}
	return f.escU == 1
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
func (p *Program) Match(line []byte) bool {
	if p.pre == nil {
		return true
	}
	var f lineFacts
	if p.pre.root.match(line, &f) {
		return true
	}
	// The literals were not found verbatim. An escape could hide them.
	return f.hasEscU(line)
}

// HasPrefilter reports whether the query yields a prefilter.
func (p *Program) HasPrefilter() bool { return p.pre != nil }

// DisablePrefilter turns the raw-bytes prefilter off (differential tests,
// and inputs whose fields do not all come from the raw record).
func (p *Program) DisablePrefilter() { p.pre = nil }

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
	fold     bool // ASCII case-insensitive; lits are lower-case
	nonASCII bool // some literal has non-ASCII bytes
}

func (n *preLits) cost() int {
	c := len(n.lits)
	if n.fold {
		c *= 2
	}
	return c
}

func (n *preLits) match(line []byte, f *lineFacts) bool {
	for _, l := range n.lits {
		if n.fold {
			if indexFold(line, l) >= 0 {
				return true
			}
		} else if bytes.Contains(line, l) {
			return true
		}
	}
	if (n.fold || n.nonASCII) && f.hasNonASCII(line) {
		return true
	}
	return false
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
			xs = append(xs, n)
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
		}
	}
	if len(n.lits) == 0 {
		return nil
	}
	return n
}
