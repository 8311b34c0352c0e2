package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// A Sigma string value is a sequence of literal text and wildcards. Values
// pass through the modifiers as token lists, so that a transformation
// (base64, utf16…) sees the literal bytes and the match kind (contains…)
// only adds wildcards.

type tokKind uint8

const (
	tLit     tokKind = iota // literal bytes
	tStar                   // * : any run of characters
	tOne                    // ? : one character
	tWindash                // a dash of the windash modifier: - / – — ―
)

type token struct {
	kind tokKind
	text string // tLit only
}

type sstring []token

// parseSigmaString splits a value into literals and wildcards. A backslash
// escapes *, ? and a backslash; any other backslash is literal, and so is a
// trailing one.
func parseSigmaString(s string) sstring {
	var out sstring
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, token{kind: tLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			out = append(out, token{kind: tStar})
		case c == '?':
			flush()
			out = append(out, token{kind: tOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// plain returns the value's literal text when it has no wildcard.
func (s sstring) plain() (string, bool) {
	var b strings.Builder
	for _, t := range s {
		if t.kind != tLit {
			return "", false
		}
		b.WriteString(t.text)
	}
	return b.String(), true
}

// sigmaText writes the value back in Sigma's escaped form (export).
func (s sstring) sigmaText() string {
	var b strings.Builder
	for _, t := range s {
		switch t.kind {
		case tStar:
			b.WriteByte('*')
		case tOne:
			b.WriteByte('?')
		case tWindash:
			b.WriteByte('-')
		default:
			for i := 0; i < len(t.text); i++ {
				c := t.text[i]
				if c == '*' || c == '?' {
					b.WriteByte('\\')
				} else if c == '\\' && (i+1 == len(t.text) || t.text[i+1] == '*' || t.text[i+1] == '?' || t.text[i+1] == '\\') {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

func (s sstring) withPrefixStar() sstring {
	if len(s) > 0 && s[0].kind == tStar {
		return s
	}
	return append(sstring{{kind: tStar}}, s...)
}

func (s sstring) withSuffixStar() sstring {
	if len(s) > 0 && s[len(s)-1].kind == tStar {
		return s
	}
	return append(append(sstring{}, s...), token{kind: tStar})
}

// ---- transforming modifiers ----

// windash replaces each dash or slash that starts an option (a '-' or '/'
// not preceded by a word character and followed by one, as pySigma's
// \B[-/]\b) with any of - / – — ―.
func windash(s sstring) sstring {
	// Work on the flat text to see neighbours across tokens.
	var out sstring
	isWord := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	prevByte := func(ti, off int) (byte, bool) {
		if off > 0 {
			return s[ti].text[off-1], true
		}
		if ti > 0 && s[ti-1].kind == tLit && len(s[ti-1].text) > 0 {
			t := s[ti-1].text
			return t[len(t)-1], true
		}
		return 0, ti > 0 // a wildcard before: not a word character
	}
	nextByte := func(ti, off int) (byte, bool) {
		if off+1 < len(s[ti].text) {
			return s[ti].text[off+1], true
		}
		if ti+1 < len(s) && s[ti+1].kind == tLit && len(s[ti+1].text) > 0 {
			return s[ti+1].text[0], true
		}
		return 0, false
	}
	for ti, t := range s {
		if t.kind != tLit {
			out = append(out, t)
			continue
		}
		start := 0
		for off := 0; off < len(t.text); off++ {
			c := t.text[off]
			if c != '-' && c != '/' {
				continue
			}
			p, _ := prevByte(ti, off)
			n, hasNext := nextByte(ti, off)
			if isWord(p) || !hasNext || !isWord(n) {
				continue
			}
			if off > start {
				out = append(out, token{kind: tLit, text: t.text[start:off]})
			}
			out = append(out, token{kind: tWindash})
			start = off + 1
		}
		if start < len(t.text) {
			out = append(out, token{kind: tLit, text: t.text[start:]})
		}
	}
	return out
}

var windashClass = "[-/\u2013\u2014\u2015]"

func encodeUTF16(s string, be, bom bool) string {
	u := utf16.Encode([]rune(s))
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, x := range u {
		if be {
			b = binary.BigEndian.AppendUint16(b, x)
		} else {
			b = binary.LittleEndian.AppendUint16(b, x)
		}
	}
	return string(b)
}

// base64Offsets returns the three encodings of v at byte offsets 0, 1 and
// 2 inside a longer text, each cut to the characters that do not depend on
// the neighbouring bytes.
func base64Offsets(v string) []string {
	start := [3]int{0, 2, 3}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + v))
		end := len(enc)
		switch (len(v) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if end < start[i] {
			end = start[i]
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}

// ---- regex rendering ----

// foldFree reports whether case folding cannot change what text matches:
// no rune of it has another case.
func foldFree(text string) bool {
	for _, r := range text {
		if unicode.SimpleFold(r) != r {
			return false
		}
		if r == utf8.RuneError {
			return false
		}
	}
	return true
}

// body renders the value between its anchors as a Go regex: literals
// quoted, * as .*, ? as ., windash dashes as a class. Leading and trailing
// stars are left to the caller (they drop the anchor).
func (s sstring) regexBody() string {
	var b strings.Builder
	for _, t := range s {
		switch t.kind {
		case tLit:
			b.WriteString(regexp.QuoteMeta(t.text))
		case tStar:
			b.WriteString(".*")
		case tOne:
			b.WriteString(".")
		case tWindash:
			b.WriteString(windashClass)
		}
	}
	return b.String()
}

// trim drops leading and trailing stars and says which were there.
func (s sstring) trim() (core sstring, lead, trail bool) {
	core = s
	for len(core) > 0 && core[0].kind == tStar {
		core, lead = core[1:], true
	}
	for len(core) > 0 && core[len(core)-1].kind == tStar {
		core, trail = core[:len(core)-1], true
	}
	return core, lead, trail
}

func (s sstring) hasWild() bool {
	for _, t := range s {
		if t.kind == tStar || t.kind == tOne {
			return true
		}
	}
	return false
}

// globText renders a value without ? or windash as a LogScale glob: * is a
// wildcard, a literal * or backslash is escaped.
func (s sstring) globText() (string, bool) {
	var b strings.Builder
	for _, t := range s {
		switch t.kind {
		case tLit:
			for i := 0; i < len(t.text); i++ {
				if c := t.text[i]; c == '*' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(t.text[i])
			}
		case tStar:
			b.WriteByte('*')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// litText is the concatenated literal text (for fold checks).
func (s sstring) litText() string {
	var b strings.Builder
	for _, t := range s {
		if t.kind == tLit {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

func (s sstring) String() string { return fmt.Sprintf("%q", s.sigmaText()) }
