package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// The condition grammar, loosest first:
//
//	expr    = and { "or" and }
//	and     = not { "and" not }
//	not     = "not" not | primary
//	primary = "(" expr ")" | quant "of" pattern | identifier
//	quant   = "1" | "any" | "all" | N
//
// pattern is an identifier, a glob over identifiers (x*), or "them" (every
// identifier not starting with _). The deprecated aggregation pipe
// (`| count() by x > 5`) is an error naming correlation rules.

type cond interface{ condNode() }

type condIdent struct{ name string }
type condNot struct{ x cond }
type condAnd struct{ l, r cond }
type condOr struct{ l, r cond }

// condOf is `N of pattern` / `all of pattern`, expanded to identifiers.
type condOf struct {
	all   bool
	n     int
	names []string
	text  string
}

func (condIdent) condNode() {}
func (condNot) condNode()   {}
func (condAnd) condNode()   {}
func (condOr) condNode()    {}
func (condOf) condNode()    {}

type condParser struct {
	toks  []string
	pos   int
	names []string // identifiers of the detection, in order
}

func tokenizeCondition(s string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '|':
			return nil, fmt.Errorf("aggregation expressions (`| count() …`) are Sigma v1; use a correlation rule (not supported by lanner)")
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func parseCondition(s string, names []string) (cond, error) {
	toks, err := tokenizeCondition(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	p := &condParser{toks: toks, names: names}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in condition %q", p.toks[p.pos], s)
	}
	return c, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) or() (cond, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "or") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = condOr{l, r}
	}
	return l, nil
}

func (p *condParser) and() (cond, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(p.peek(), "and") {
		p.pos++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = condAnd{l, r}
	}
	return l, nil
}

func (p *condParser) not() (cond, error) {
	if strings.EqualFold(p.peek(), "not") {
		p.pos++
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return condNot{x}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (cond, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("condition ends where an identifier was expected")
	case t == "(":
		p.pos++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ) in condition")
		}
		p.pos++
		return c, nil
	case t == ")":
		return nil, fmt.Errorf("unexpected ) in condition")
	}
	lower := strings.ToLower(t)
	if p.pos+1 < len(p.toks) && strings.EqualFold(p.toks[p.pos+1], "of") {
		all := lower == "all"
		n := 1
		if !all && lower != "any" {
			v, err := strconv.Atoi(t)
			if err != nil || v < 1 {
				return nil, fmt.Errorf("%q of: expected 1, all or a count", t)
			}
			n = v
		}
		if p.pos+2 >= len(p.toks) {
			return nil, fmt.Errorf("%s of: missing the identifier pattern", t)
		}
		pat := p.toks[p.pos+2]
		p.pos += 3
		names, err := p.expand(pat)
		if err != nil {
			return nil, err
		}
		return condOf{all: all, n: n, names: names, text: t + " of " + pat}, nil
	}
	switch lower {
	case "and", "or", "not", "of":
		return nil, fmt.Errorf("unexpected %q in condition", t)
	}
	p.pos++
	for _, n := range p.names {
		if n == t {
			return condIdent{t}, nil
		}
	}
	return nil, fmt.Errorf("condition names %q, which the detection does not define", t)
}

// expand turns an identifier pattern into the identifiers it names.
func (p *condParser) expand(pat string) ([]string, error) {
	var out []string
	if strings.EqualFold(pat, "them") {
		for _, n := range p.names {
			if !strings.HasPrefix(n, "_") {
				out = append(out, n)
			}
		}
	} else {
		for _, n := range p.names {
			if ok, _ := path.Match(pat, n); ok {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q matches no identifier of the detection", pat)
	}
	return out, nil
}
