package cql

import (
	"strings"
	"unicode/utf8"
)

// mode selects how the lexer reads ambiguous characters. CQL is context
// sensitive: '/' starts a regex in a filter but divides in an expression,
// and a bare filter value may hold '*', '/', ':' and '-'.
type mode int

const (
	modeFilter mode = iota // filters: bare values are greedy, '/' starts a regex
	modeExpr               // expressions: identifiers, numbers, arithmetic
	modeValue              // function argument values: bare globs allowed, '/' starts a regex
)

type lexer struct {
	src  string
	off  int
	line int
	col  int // rune column of off, 1-based
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (l *lexer) pos() Pos { return Pos{Offset: l.off, Line: l.line, Col: l.col} }

// posAt computes the position of a byte offset (used for re-scanning).
func (l *lexer) seek(p Pos) { l.off, l.line, l.col = p.Offset, p.Line, p.Col }

func (l *lexer) advance(n int) {
	for i := 0; i < n && l.off < len(l.src); {
		r, w := utf8.DecodeRuneInString(l.src[l.off:])
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off += w
		i += w
	}
}

func (l *lexer) peekByte(k int) byte {
	if l.off+k < len(l.src) {
		return l.src[l.off+k]
	}
	return 0
}

// skipSpace skips white space and comments. A '//' starts a comment only at
// a token boundary, which is the only place skipSpace is called.
func (l *lexer) skipSpace() *Error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.advance(1)
		case c == 0xc2 && l.peekByte(1) == 0xa0: // no-break space, common in pasted queries
			l.advance(2)
		case c == '/' && l.peekByte(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance(1)
			}
		case c == '/' && l.peekByte(1) == '*':
			start := l.pos()
			l.advance(2)
			end := strings.Index(l.src[l.off:], "*/")
			if end < 0 {
				return &Error{Pos: start, Msg: "unterminated block comment"}
			}
			l.advance(end + 2)
		default:
			return nil
		}
	}
	return nil
}

// isWordByte reports bytes that may continue a bare word in the given mode.
func isWordByte(c byte, m mode) bool {
	if c < 0x20 || c == 0x7f {
		return false
	}
	switch c {
	case ' ', '\t', '\n', '\r', '|', '(', ')', '[', ']', '{', '}', ',', ';', '"', '=', '<', '>', '!':
		return false
	}
	if m == modeExpr {
		switch c {
		case '+', '-', '*', '/', '%', '&', '?', '$':
			return false
		}
	}
	return true
}

func (l *lexer) next(m mode) (Token, *Error) {
	if err := l.skipSpace(); err != nil {
		return Token{}, err
	}
	start := l.pos()
	if l.off >= len(l.src) {
		return Token{Kind: EOF, Pos: start, End: l.off}, nil
	}
	c := l.src[l.off]
	two := ""
	if l.off+1 < len(l.src) {
		two = l.src[l.off : l.off+2]
	}
	tok := func(k Kind, n int) (Token, *Error) {
		text := l.src[l.off : l.off+n]
		l.advance(n)
		return Token{Kind: k, Text: text, Pos: start, End: l.off}, nil
	}
	switch two {
	case "!=":
		return tok(NotEq, 2)
	case ":=":
		return tok(Assign, 2)
	case "==":
		return tok(EqEq, 2)
	case "<=":
		return tok(LtEq, 2)
	case ">=":
		return tok(GtEq, 2)
	case "=>":
		return tok(Arrow, 2)
	case "=~":
		return tok(Tilde, 2)
	case "&&":
		return tok(AndAnd, 2)
	case "||":
		return tok(OrOr, 2)
	}
	switch c {
	case '|':
		return tok(Pipe, 1)
	case '(':
		return tok(LParen, 1)
	case ')':
		return tok(RParen, 1)
	case '[':
		return tok(LBrack, 1)
	case ']':
		return tok(RBrack, 1)
	case '{':
		return tok(LBrace, 1)
	case '}':
		return tok(RBrace, 1)
	case ',':
		return tok(Comma, 1)
	case ';':
		return tok(Semi, 1)
	case '=':
		return tok(Eq, 1)
	case '<':
		return tok(Lt, 1)
	case '>':
		return tok(Gt, 1)
	case '!':
		return tok(Bang, 1)
	case '"':
		return l.str(start)
	}
	if m == modeExpr {
		switch c {
		case '+':
			return tok(Plus, 1)
		case '-':
			return tok(Minus, 1)
		case '*':
			return tok(Star, 1)
		case '/':
			return tok(Slash, 1)
		case '%':
			return tok(Percent, 1)
		case '$':
			return tok(Dollar, 1)
		case '?':
			return tok(Question, 1)
		}
		if c >= '0' && c <= '9' || c == '.' && l.peekByte(1) >= '0' && l.peekByte(1) <= '9' {
			if t, ok := l.number(start); ok {
				return t, nil
			}
		}
	} else {
		if c == '/' {
			return l.regex(start)
		}
		if c == '$' {
			return tok(Dollar, 1)
		}
		if c == '?' {
			return tok(Question, 1)
		}
	}
	if c == '`' {
		end := strings.IndexByte(l.src[l.off+1:], '`')
		if end < 0 {
			return Token{}, &Error{Pos: start, Msg: "unterminated backtick name"}
		}
		if end == 0 {
			return Token{}, &Error{Pos: start, Msg: "empty backtick name"}
		}
		text := l.src[l.off+1 : l.off+1+end]
		l.advance(end + 2)
		return Token{Kind: Word, Text: text, Pos: start, End: l.off, Quoted: true}, nil
	}
	// Bare word.
	n := 0
	for l.off+n < len(l.src) {
		b := l.src[l.off+n]
		if !isWordByte(b, m) || b == 0xc2 && l.off+n+1 < len(l.src) && l.src[l.off+n+1] == 0xa0 {
			break
		}
		// ':=' ends a word (x:=1), '//' inside a word is not a comment.
		if b == ':' && l.off+n+1 < len(l.src) && l.src[l.off+n+1] == '=' {
			break
		}
		if b == '\\' && l.off+n+1 < len(l.src) {
			n += 2 // an escaped character belongs to the word (\* in globs)
			continue
		}
		n++
	}
	if n == 0 {
		r, _ := utf8.DecodeRuneInString(l.src[l.off:])
		return Token{}, &Error{Pos: start, Msg: "unexpected character " + quoteRune(r)}
	}
	return tok(Word, n)
}

func quoteRune(r rune) string {
	return "'" + string(r) + "'"
}

func (l *lexer) number(start Pos) (Token, bool) {
	i := l.off
	for i < len(l.src) && (l.src[i] >= '0' && l.src[i] <= '9') {
		i++
	}
	if i < len(l.src) && l.src[i] == '.' {
		i++
		for i < len(l.src) && (l.src[i] >= '0' && l.src[i] <= '9') {
			i++
		}
	}
	if i < len(l.src) && (l.src[i] == 'e' || l.src[i] == 'E') {
		j := i + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && l.src[j] >= '0' && l.src[j] <= '9' {
			for j < len(l.src) && l.src[j] >= '0' && l.src[j] <= '9' {
				j++
			}
			i = j
		}
	}
	// A number glued to letters (1h, 5min, 3d) is a word such as a span.
	if i < len(l.src) && isWordByte(l.src[i], modeExpr) && l.src[i] != '.' {
		return Token{}, false
	}
	text := l.src[l.off:i]
	l.advance(i - l.off)
	return Token{Kind: Number, Text: text, Pos: start, End: l.off}, true
}

// str reads a double-quoted string. Escapes: \" \\ \n \t \r; any other \X
// is kept verbatim so "\s" and "\\s" both reach a regex as \s.
func (l *lexer) str(start Pos) (Token, *Error) {
	var b strings.Builder
	i := l.off + 1
	for {
		if i >= len(l.src) {
			return Token{}, &Error{Pos: start, Msg: "unterminated string"}
		}
		c := l.src[i]
		if c == '"' {
			i++
			break
		}
		if c == '\\' && i+1 < len(l.src) {
			switch l.src[i+1] {
			case '"':
				b.WriteByte('"')
			case '\\':
				b.WriteByte('\\')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte('\\')
				b.WriteByte(l.src[i+1])
			}
			i += 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	l.advance(i - l.off)
	return Token{Kind: String, Text: b.String(), Pos: start, End: l.off, Quoted: true}, nil
}

// regex reads /pattern/flags. Inside the pattern '\/' is an escaped slash and
// any other backslash pair is kept as is; a character class may hold '/'.
func (l *lexer) regex(start Pos) (Token, *Error) {
	var b strings.Builder
	i := l.off + 1
	inClass := false
	for {
		if i >= len(l.src) || l.src[i] == '\n' && false {
			return Token{}, &Error{Pos: start, Msg: "unterminated regex"}
		}
		c := l.src[i]
		if c == '\\' && i+1 < len(l.src) {
			if l.src[i+1] == '/' {
				b.WriteByte('/')
			} else {
				b.WriteByte('\\')
				b.WriteByte(l.src[i+1])
			}
			i += 2
			continue
		}
		if c == '[' {
			inClass = true
		} else if c == ']' {
			inClass = false
		} else if c == '/' && !inClass {
			i++
			break
		}
		b.WriteByte(c)
		i++
	}
	j := i
	for j < len(l.src) && (l.src[j] >= 'a' && l.src[j] <= 'z' || l.src[j] >= 'A' && l.src[j] <= 'Z') {
		j++
	}
	flags := l.src[i:j]
	l.advance(j - l.off)
	return Token{Kind: Regex, Text: b.String(), Flags: flags, Pos: start, End: l.off}, nil
}
