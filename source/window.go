package source

import (
	"errors"
	"io"
)

// window is a sliding view over a stream for the record scanners (JSON
// values, XML events): the unread bytes are buf[off:], and line is the
// 1-based line number at buf[off].
type window struct {
	rd   io.Reader
	buf  []byte
	off  int
	eof  bool
	err  error // a read error other than EOF
	line int64
}

func newWindow(rd io.Reader) *window {
	return &window{rd: rd, buf: make([]byte, 0, 64<<10), line: 1}
}

// rest returns the unread bytes.
func (w *window) rest() []byte { return w.buf[w.off:] }

// more reads more input, keeping the unread bytes; it reports false at the
// end of the input (or on a read error, kept in err).
func (w *window) more() bool {
	if w.eof {
		return false
	}
	if w.off > 0 && (w.off >= len(w.buf)/2 || len(w.buf) == cap(w.buf)) {
		n := copy(w.buf, w.buf[w.off:])
		w.buf = w.buf[:n]
		w.off = 0
	}
	if len(w.buf) == cap(w.buf) {
		nb := make([]byte, len(w.buf), 2*cap(w.buf))
		copy(nb, w.buf)
		w.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := w.rd.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		if err != nil {
			w.eof = true
			if !errors.Is(err, io.EOF) {
				w.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	w.eof = true
	w.err = io.ErrNoProgress
	return false
}

// advance consumes n bytes, counting lines.
func (w *window) advance(n int) {
	for _, c := range w.buf[w.off : w.off+n] {
		if c == '\n' {
			w.line++
		}
	}
	w.off += n
}
