package cql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a query error at a position. Error() gives "line:col: msg";
// Format adds the offending query line and a caret under the column.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Pos, e.Msg) }

// Caret renders the error with the query line it points at:
//
//	3:15: expected ')', found ','
//	  | FileName = /x/,
//	  |               ^
func (e *Error) Caret(src string) string {
	return e.Error() + "\n" + caretLines(src, e.Pos)
}

func caretLines(src string, p Pos) string {
	lines := strings.Split(src, "\n")
	if p.Line < 1 || p.Line > len(lines) {
		return ""
	}
	line := strings.TrimRight(lines[p.Line-1], "\r")
	pad := strings.Builder{}
	n := 0
	for _, r := range line {
		if n >= p.Col-1 {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		n++
	}
	if p.Col-1 > utf8.RuneCountInString(line) {
		pad.WriteString(strings.Repeat(" ", p.Col-1-utf8.RuneCountInString(line)))
	}
	return "  | " + line + "\n  | " + pad.String() + "^"
}

// Diagnostic is a non-fatal note about the query: a dialect form that was
// accepted, or a construct whose meaning may surprise.
type Diagnostic struct {
	Pos  Pos
	Code string // e.g. "dialect.eval", "strict.null"
	Msg  string
}

func (d Diagnostic) String() string { return fmt.Sprintf("%s: %s", d.Pos, d.Msg) }
