package source

import (
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// Text encodings: a UTF-8 byte-order mark is dropped; UTF-16 (Windows
// PowerShell's default for `>` and Out-File, Event Viewer exports), with a
// byte-order mark or recognised by the zero bytes of ASCII text, is turned
// into UTF-8. Unpaired surrogates become U+FFFD.

type textEncoding uint8

const (
	encUTF8 textEncoding = iota
	encUTF8BOM
	encUTF16LE
	encUTF16BE
)

// detectEncoding looks at the first bytes of a text stream and tells its
// encoding and how many bytes of byte-order mark to drop.
func detectEncoding(head []byte) (textEncoding, int) {
	switch {
	case len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF:
		return encUTF8BOM, 3
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		return encUTF16LE, 2
	case len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF:
		return encUTF16BE, 2
	case len(head) >= 4 && head[0] != 0 && head[0] < 0x80 && head[1] == 0 && head[2] != 0 && head[2] < 0x80 && head[3] == 0:
		return encUTF16LE, 0
	case len(head) >= 4 && head[0] == 0 && head[1] != 0 && head[1] < 0x80 && head[2] == 0 && head[3] != 0 && head[3] < 0x80:
		return encUTF16BE, 0
	}
	return encUTF8, 0
}

// utf16Reader converts a UTF-16 stream to UTF-8.
type utf16Reader struct {
	r   io.Reader
	be  bool
	in  []byte // undecoded input
	out []byte // decoded, not yet returned
	hi  uint16 // a pending high surrogate, or 0
	eof bool
	err error
	buf [32 << 10]byte
}

func newUTF16Reader(r io.Reader, be bool) *utf16Reader { return &utf16Reader{r: r, be: be} }

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.eof {
			if len(u.in) > 0 || u.hi != 0 { // an odd trailing byte or lone surrogate
				u.in, u.hi = nil, 0
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				break
			}
			if u.err != nil {
				return 0, u.err
			}
			return 0, io.EOF
		}
		n, err := u.r.Read(u.buf[:])
		u.in = append(u.in, u.buf[:n]...)
		if err != nil {
			u.eof = true
			if err != io.EOF {
				u.err = err
			}
		}
		u.decode()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func (u *utf16Reader) decode() {
	n := len(u.in) / 2
	u.out = u.out[:0]
	for i := 0; i < n; i++ {
		var c uint16
		if u.be {
			c = uint16(u.in[2*i])<<8 | uint16(u.in[2*i+1])
		} else {
			c = uint16(u.in[2*i]) | uint16(u.in[2*i+1])<<8
		}
		switch {
		case u.hi != 0:
			if utf16.IsSurrogate(rune(c)) && c >= 0xDC00 {
				u.out = utf8.AppendRune(u.out, utf16.DecodeRune(rune(u.hi), rune(c)))
				u.hi = 0
				continue
			}
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
			u.hi = 0
			i-- // read c again
		case c >= 0xD800 && c < 0xDC00:
			u.hi = c
		case c >= 0xDC00 && c < 0xE000:
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
		default:
			u.out = utf8.AppendRune(u.out, rune(c))
		}
	}
	u.in = append(u.in[:0], u.in[2*n:]...)
}
