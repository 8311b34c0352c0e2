package gen

import (
	"strings"
	"unicode/utf8"
)

// Two JSON spellings of every string the generator writes:
//
//	0 (plain): only what JSON requires is escaped (", \, control characters); UTF-8 is raw.
//	1 (escaped): also < > & = ' as \u003c … (as Gson and Java-based exporters write them, and
//	    as the real FDR sample writes '=' as \u003d), and every non-ASCII rune as \uXXXX
//	    (surrogate pairs above U+FFFF).
//
// FDR-style events use spelling 1, LogScale-export-style events spelling 0.
type esc2 [2]string

const hexdigits = "0123456789abcdef"

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexdigits[r>>12&15], hexdigits[r>>8&15], hexdigits[r>>4&15], hexdigits[r&15])
}

func escape(s string, v int) string {
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r < 0x20:
			b = appendU4(b, r)
		case v == 1 && (r == '<' || r == '>' || r == '&' || r == '=' || r == '\''):
			b = appendU4(b, r)
		case v == 1 && r >= 0x80:
			if r > 0xFFFF {
				r -= 0x10000
				b = appendU4(b, 0xD800+(r>>10))
				b = appendU4(b, 0xDC00+(r&0x3FF))
			} else {
				b = appendU4(b, r)
			}
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

func mkesc(s string) esc2 { return esc2{escape(s, 0), escape(s, 1)} }

// placeholder kinds in command-line templates, written «NAME» in the template text.
const (
	phNone = iota
	phN    // 1–5 digit number
	phNN   // 9–10 digit number
	phH5   // 5 lower-case hex digits
	phH8   // 8 hex digits
	phH16  // 16 hex digits
	phH32  // 32 hex digits
	phGUID // upper-case GUID without braces
	phUSER // the event's user's profile folder name
	phURL  // a lure URL
	phIP   // a documentation-range IPv4 address
	phB64  // base64 of a UTF-16LE PowerShell script (as -EncodedCommand takes it)
	phFILE // a lure file name without extension
	phDOM  // a lure domain
)

var phNames = map[string]uint8{
	"N": phN, "NN": phNN, "H5": phH5, "H8": phH8, "H16": phH16, "H32": phH32, "GUID": phGUID,
	"USER": phUSER, "URL": phURL, "IP": phIP, "B64": phB64, "FILE": phFILE, "DOM": phDOM,
}

// seg is a literal (pre-escaped in both spellings) followed by an optional placeholder.
type seg struct {
	lit esc2
	ph  uint8
}

type tmpl []seg

// parseTmpl splits a template such as `"C:\x\a.exe" «URL»` into segments. Template text is
// written as the value reads (single backslashes); escaping happens here, once.
func parseTmpl(s string) tmpl {
	var t tmpl
	for {
		i := strings.Index(s, "«")
		if i < 0 {
			return append(t, seg{lit: mkesc(s)})
		}
		j := strings.Index(s[i:], "»")
		if j < 0 {
			panic("gen: unterminated placeholder in " + s)
		}
		name := s[i+len("«") : i+j]
		ph, ok := phNames[name]
		if !ok {
			panic("gen: unknown placeholder «" + name + "»")
		}
		t = append(t, seg{lit: mkesc(s[:i]), ph: ph})
		s = s[i+j+len("»"):]
	}
}

func parseTmpls(ss ...string) []tmpl {
	ts := make([]tmpl, len(ss))
	for i, s := range ss {
		ts[i] = parseTmpl(s)
	}
	return ts
}
