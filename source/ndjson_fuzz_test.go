package source

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNDJSON feeds arbitrary bytes through the Falcon NDJSON path — the
// reader's line splitting with tiny buffers (so records straddle batch
// and buffer edges) and the decoder. It must not panic; every non-blank
// line must come out as exactly one event or one reported problem; every
// key and value must be valid UTF-8; and line numbers must point at the
// line the record came from.
func FuzzNDJSON(f *testing.F) {
	for _, s := range []string{
		`{"event_simpleName":"ProcessRollup2","ImageFileName":"\\Device\\x\\cmd.exe"}`,
		"{\"a\":\"x\xffy\"}\n{\"b\":[1,{\"c\":null}],\"d\":{\"e\":true}}\r\n\n[1]\nnot json",
		`{"a":"\ud800","b":"\u0041\/"}` + "\n" + `{"a":1e400}`,
		strings.Repeat(`{"k":"`+strings.Repeat("v", 300)+`"}`+"\n", 20),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res := readInputs(t, Options{Format: FormatFalcon, MaxRecord: 512, BatchSize: 64}, Input{Path: "f", Reader: bytes.NewReader(b)})
		if bytes.IndexByte(b, 0) >= 0 || bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
			return // NUL bytes or a UTF-16 byte-order mark: the reader converts the input from UTF-16
		}
		want := int64(0)
		lineOf := map[int64]string{}
		for i, l := range bytes.Split(b, []byte{'\n'}) {
			if len(bytes.TrimSpace(l)) > 0 {
				want++
				lineOf[int64(i+1)] = string(l)
			}
		}
		got := int64(len(res.events) + len(res.problems))
		if got != want {
			t.Fatalf("%d non-blank lines, %d events + %d problems", want, len(res.events), len(res.problems))
		}
		for _, e := range res.events {
			if _, ok := lineOf[e.Origin.Line]; !ok {
				t.Fatalf("event from line %d, which is blank or absent", e.Origin.Line)
			}
			for i, k := range e.Keys {
				if !utf8.ValidString(k) || !utf8.ValidString(e.Vals[i]) {
					t.Fatalf("invalid UTF-8 in %q=%q", k, e.Vals[i])
				}
			}
		}
		for _, p := range res.problems {
			if p.Line != 0 {
				if _, ok := lineOf[p.Line]; !ok {
					t.Fatalf("problem at line %d, which is blank or absent: %s", p.Line, p.Reason)
				}
			}
		}
	})
}
