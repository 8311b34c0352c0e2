package cql

import "fmt"

// Pos is a position in the query text. Line and Col are 1-based; Col counts
// runes, so the caret lands under the right character.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Kind is a token kind.
type Kind int

const (
	EOF      Kind = iota
	Word          // bare word: field name, function name, unquoted value, glob
	String        // "quoted"
	Regex         // /pattern/flags
	Number        // 12, 1.5 (expression mode only)
	Pipe          // |
	LParen        // (
	RParen        // )
	LBrack        // [
	RBrack        // ]
	LBrace        // {
	RBrace        // }
	Comma         // ,
	Semi          // ;
	Eq            // =
	NotEq         // !=
	Assign        // :=
	EqEq          // ==
	Lt            // <
	Gt            // >
	LtEq          // <=
	GtEq          // >=
	Plus          // +
	Minus         // -
	Star          // *
	Slash         // /
	Percent       // %
	Bang          // !
	Arrow         // =>
	AndAnd        // &&
	OrOr          // ||
	Tilde         // =~
	Dollar        // $
	Question      // ?
)

var kindNames = [...]string{
	EOF: "end of query", Word: "word", String: "string", Regex: "regex", Number: "number",
	Pipe: "'|'", LParen: "'('", RParen: "')'", LBrack: "'['", RBrack: "']'", LBrace: "'{'",
	RBrace: "'}'", Comma: "','", Semi: "';'", Eq: "'='", NotEq: "'!='", Assign: "':='",
	EqEq: "'=='", Lt: "'<'", Gt: "'>'", LtEq: "'<='", GtEq: "'>='", Plus: "'+'", Minus: "'-'",
	Star: "'*'", Slash: "'/'", Percent: "'%'", Bang: "'!'", Arrow: "'=>'", AndAnd: "'&&'",
	OrOr: "'||'", Tilde: "'=~'", Dollar: "'$'", Question: "'?'",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("token(%d)", int(k))
}

// Token is one lexical token. Text is the decoded value for String (escapes
// resolved), the pattern for Regex, and the source text otherwise.
type Token struct {
	Kind  Kind
	Text  string
	Flags string // regex flags
	Pos   Pos
	End   int // byte offset just past the token
	// Quoted is true for String tokens; kept so bare and quoted values can be
	// told apart (a quoted value is never a keyword).
	Quoted bool
}

func (t Token) describe() string {
	switch t.Kind {
	case EOF:
		return "end of query"
	case String:
		return fmt.Sprintf("string %q", t.Text)
	case Regex:
		return fmt.Sprintf("regex /%s/%s", t.Text, t.Flags)
	case Word, Number:
		return fmt.Sprintf("%q", t.Text)
	}
	return t.Kind.String()
}
