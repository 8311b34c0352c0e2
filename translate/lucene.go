package translate

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// lucene writes a regex in Lucene's syntax (Elasticsearch RLIKE, EQL
// regex): the whole value must match, so an unanchored regex gets .* at
// its open ends. lower writes letters in lower case, for a test on
// TO_LOWER(field).
func lucene(re *syntax.Regexp, lower bool) (string, error) {
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	start, end := false, false
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		start, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		end, subs = true, subs[:len(subs)-1]
	}
	var b strings.Builder
	if !start {
		b.WriteString(".*")
	}
	for _, s := range subs {
		if err := luceneNode(&b, s, lower); err != nil {
			return "", err
		}
	}
	if !end {
		b.WriteString(".*")
	}
	return b.String(), nil
}

const luceneSpecial = `.?+*|{}[]()"\#@&<>~`

func luceneRune(b *strings.Builder, r rune, lower bool) {
	if lower {
		r = unicode.ToLower(r)
	}
	if strings.ContainsRune(luceneSpecial, r) {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
}

func luceneNode(b *strings.Builder, re *syntax.Regexp, lower bool) error {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) > 1 {
			b.WriteByte('(')
		}
		for _, r := range re.Rune {
			luceneRune(b, r, lower || re.Flags&syntax.FoldCase != 0 && lower)
		}
		if len(re.Rune) > 1 {
			b.WriteByte(')')
		}
	case syntax.OpCharClass:
		b.WriteByte('[')
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			classRune(b, lo)
			if hi != lo {
				b.WriteByte('-')
				classRune(b, hi)
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString(`[^\n]`)
	case syntax.OpAnyChar:
		b.WriteByte('.')
	case syntax.OpEmptyMatch:
		b.WriteString("()")
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := luceneNode(b, re.Sub[0], lower); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := luceneNode(b, s, lower); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		b.WriteByte('(')
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := luceneNode(b, s, lower); err != nil {
				return err
			}
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		b.WriteByte('(')
		if err := luceneNode(b, re.Sub[0], lower); err != nil {
			return err
		}
		b.WriteByte(')')
		b.WriteString(map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[re.Op])
	case syntax.OpRepeat:
		b.WriteByte('(')
		if err := luceneNode(b, re.Sub[0], lower); err != nil {
			return err
		}
		b.WriteByte(')')
		if re.Max < 0 {
			fmt.Fprintf(b, "{%d,}", re.Min)
		} else {
			fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
		}
	default:
		return unsupported("the regex construct %s in a Lucene regex", re.String())
	}
	return nil
}

func classRune(b *strings.Builder, r rune) {
	switch r {
	case ']', '[', '\\', '-', '^', '"':
		b.WriteByte('\\')
		b.WriteRune(r)
	default:
		b.WriteRune(r)
	}
}
