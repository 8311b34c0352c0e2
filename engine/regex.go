package engine

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// Regex is a LogScale regex compiled for Go. Patterns run on Go's RE2
// (linear time); what RE2 lacks is translated (\Z, group names with # @ .),
// and patterns that need look-around or back-references run on a
// backtracking engine with a per-match timeout.
type Regex struct {
	Source string // pattern as written
	Flags  string
	re     *regexp.Regexp
	bt     *regexp2.Regexp // backtracking fallback
	fast   matcher         // accelerated boolean matcher for re
	names  []string        // capture index → field name ("" = unnamed)
	hasCap bool
	// Backtracking reports that the fallback engine is used.
	Backtracking bool
	Pattern      string // the translated Go pattern
	timeouts     atomic.Int64
}

// Timeouts returns how many matches the backtracking engine gave up on.
func (r *Regex) Timeouts() int64 { return r.timeouts.Load() }

func (r *Regex) btErr(err error) {
	if err != nil {
		r.timeouts.Add(1)
	}
}

type matcher interface{ MatchString(string) bool }

// backtrackTimeout bounds one match on the backtracking engine.
const backtrackTimeout = 100 * time.Millisecond

// CompileRegex compiles pattern with LogScale flags (i m d s F g).
func CompileRegex(pattern, flags string) (*Regex, error) {
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'm':
			prefix += "m"
		case 'd', 's':
			prefix += "s"
		case 'F', 'g':
			// F selects LogScale's engine v2 (same semantics here); g repeats
			// extraction, which only regex(repeat=true) does.
		default:
			return nil, fmt.Errorf("unknown regex flag %q (flags are i, m, d, F)", f)
		}
	}
	goPat, names, err := translateRegex(pattern)
	if err != nil {
		return nil, err
	}
	if prefix != "" {
		goPat = "(?" + prefix + ")" + goPat
	}
	r := &Regex{Source: pattern, Flags: flags, Pattern: goPat}
	re, err := regexp.Compile(goPat)
	if err != nil {
		// Look-around, back-references, possessive quantifiers: try the
		// backtracking engine before giving up.
		opts := regexp2.RegexOptions(0)
		if strings.Contains(prefix, "i") {
			opts |= regexp2.IgnoreCase
		}
		if strings.Contains(prefix, "m") {
			opts |= regexp2.Multiline
		}
		if strings.Contains(prefix, "s") {
			opts |= regexp2.Singleline
		}
		bt, err2 := regexp2.Compile(pattern, opts)
		if err2 != nil {
			return nil, fmt.Errorf("invalid regex /%s/: %s", pattern, cleanRegexErr(err))
		}
		bt.MatchTimeout = backtrackTimeout
		r.bt, r.Backtracking = bt, true
		for _, n := range bt.GetGroupNames() {
			if n != "" && (n[0] < '0' || n[0] > '9') {
				r.hasCap = true
			}
		}
		return r, nil
	}
	r.re = re
	r.fast = fastMatcher(goPat, re)
	r.names = make([]string, re.NumSubexp()+1)
	for i, n := range re.SubexpNames() {
		if n == "" {
			continue
		}
		if real, ok := names[n]; ok {
			n = real
		}
		r.names[i] = n
		r.hasCap = true
	}
	return r, nil
}

func cleanRegexErr(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "error parsing regexp: ")
}

// MatchString reports whether the regex matches anywhere in s.
func (r *Regex) MatchString(s string) bool {
	if r.bt != nil {
		ok, err := r.bt.MatchString(s)
		r.btErr(err)
		return err == nil && ok
	}
	return r.fast.MatchString(s)
}

// HasCaptures reports whether the regex has named groups (which become fields).
func (r *Regex) HasCaptures() bool { return r.hasCap }

// Extract matches s and calls set for each named group that took part in
// the match. It reports whether the regex matched.
func (r *Regex) Extract(s string, set func(name, val string)) bool {
	if r.bt != nil {
		m, err := r.bt.FindStringMatch(s)
		r.btErr(err)
		if err != nil || m == nil {
			return false
		}
		for _, g := range m.Groups() {
			if g.Name == "" || g.Name[0] >= '0' && g.Name[0] <= '9' || len(g.Captures) == 0 {
				continue
			}
			set(g.Name, g.String())
		}
		return true
	}
	if !r.hasCap {
		return r.fast.MatchString(s)
	}
	idx := r.re.FindStringSubmatchIndex(s)
	if idx == nil {
		return false
	}
	for i := 1; i < len(r.names); i++ {
		if r.names[i] == "" || idx[2*i] < 0 {
			continue
		}
		set(r.names[i], s[idx[2*i]:idx[2*i+1]])
	}
	return true
}

// ExtractAll returns every non-overlapping match's named groups (for
// regex(repeat=true)), at most limit matches.
func (r *Regex) ExtractAll(s string, limit int) [][][2]string {
	var out [][][2]string
	if r.bt != nil {
		m, err := r.bt.FindStringMatch(s)
		for err == nil && m != nil && len(out) < limit {
			var row [][2]string
			for _, g := range m.Groups() {
				if g.Name != "" && (g.Name[0] < '0' || g.Name[0] > '9') && len(g.Captures) > 0 {
					row = append(row, [2]string{g.Name, g.String()})
				}
			}
			out = append(out, row)
			m, err = r.bt.FindNextMatch(m)
		}
		r.btErr(err)
		return out
	}
	for _, idx := range r.re.FindAllStringSubmatchIndex(s, limit) {
		var row [][2]string
		for i := 1; i < len(r.names); i++ {
			if r.names[i] != "" && idx[2*i] >= 0 {
				row = append(row, [2]string{r.names[i], s[idx[2*i]:idx[2*i+1]]})
			}
		}
		out = append(out, row)
	}
	return out
}

// Literals returns literals one of which every match contains (see match).
func (r *Regex) Literals() (lits []string, fold bool, ok bool) {
	if r.re == nil {
		return nil, false, false
	}
	return regexLiterals(r.Pattern)
}

// translateRegex rewrites what RE2 does not accept but can express:
// group names with characters Go rejects (#, @, .) become g1, g2… with a
// map back, \Z becomes (?:\n?\z). Everything else passes through.
func translateRegex(p string) (string, map[string]string, error) {
	var b strings.Builder
	names := map[string]string{}
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			if !inClass && p[i+1] == 'Z' {
				b.WriteString(`(?:\n?\z)`)
			} else {
				b.WriteByte(c)
				b.WriteByte(p[i+1])
			}
			i++
			continue
		}
		if inClass {
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
			continue
		}
		if c == '[' {
			inClass = true
			b.WriteByte(c)
			// a ']' right after '[' or '[^' is literal
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		}
		if c == '(' && strings.HasPrefix(p[i:], "(?<") && i+3 < len(p) && p[i+3] != '=' && p[i+3] != '!' {
			end := strings.IndexByte(p[i+3:], '>')
			if end > 0 {
				name := p[i+3 : i+3+end]
				gname := name
				if !validGoGroupName(name) {
					gname = fmt.Sprintf("lannerG%d", len(names)+1)
				}
				names[gname] = name
				b.WriteString("(?P<" + gname + ">")
				i += 3 + end
				continue
			}
		}
		if c == '(' && strings.HasPrefix(p[i:], "(?P<") {
			end := strings.IndexByte(p[i+4:], '>')
			if end > 0 {
				name := p[i+4 : i+4+end]
				gname := name
				if !validGoGroupName(name) {
					gname = fmt.Sprintf("lannerG%d", len(names)+1)
				}
				names[gname] = name
				b.WriteString("(?P<" + gname + ">")
				i += 4 + end
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String(), names, nil
}

func validGoGroupName(n string) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

var _ = syntax.Perl

// ReplaceAll replaces every match; with may refer to groups as $1 or ${name}.
func (r *Regex) ReplaceAll(s, with string) string {
	if r.bt != nil {
		out, err := r.bt.Replace(s, with, -1, -1)
		r.btErr(err)
		if err != nil {
			return s
		}
		return out
	}
	return r.re.ReplaceAllString(s, with)
}

// Split splits s around the matches.
func (r *Regex) Split(s string) []string {
	if r.bt != nil {
		var out []string
		last := 0
		m, err := r.bt.FindStringMatch(s)
		for err == nil && m != nil {
			idx, n := m.ByteRange()
			if n == 0 {
				m, err = r.bt.FindNextMatch(m)
				continue
			}
			out = append(out, s[last:idx])
			last = idx + n
			m, err = r.bt.FindNextMatch(m)
		}
		r.btErr(err)
		return append(out, s[last:])
	}
	return r.re.Split(s, -1)
}
