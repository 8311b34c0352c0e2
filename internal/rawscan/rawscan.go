// Package rawscan finds, in one pass over a batch of raw NDJSON, the three
// things the prefilter needs before it can skip lines: where lines end,
// where `\u` escapes stand, and where one key occurs. On amd64 with AVX2 a
// vector kernel compares 64 bytes per step for all three at once; elsewhere
// (and for the short tail of a batch) byte searches give the same answer.
package rawscan

import "bytes"

// Index holds the positions Scan found, each list in ascending order.
type Index struct {
	Lines   []int // offset of every '\n'
	Escapes []int // offset of every `\` followed by `u` (a `\\u` counts too)
	Keys    []int // offset of every occurrence of the needle, overlapping ones included
	// Odd lists (as indexes into Lines) the lines that may not be one JSON
	// object: the line ending at that newline does not start with '{' or
	// does not end with '}' (or "}\r"). Every other line is sure to hold
	// nothing but what lies between its braces.
	Odd []int
}

// addLine appends the newline at p and says whether its line is odd. The
// line's bytes were just read, so they are still in the cache.
func (x *Index) addLine(data []byte, p int) {
	s := 0
	if k := len(x.Lines); k > 0 {
		s = x.Lines[k-1] + 1
	}
	e := p
	if e > s && data[e-1] == '\r' {
		e--
	}
	if e-s < 2 || data[s] != '{' || data[e-1] != '}' {
		x.Odd = append(x.Odd, len(x.Lines))
	}
	x.Lines = append(x.Lines, p)
}

// Needle is a literal with the two bytes a vector probe compares first:
// the rarest in JSON telemetry, so that few places need a full comparison.
type Needle struct {
	b          []byte
	off1, off2 int
}

// NewNeedle prepares b for Scan. An empty b finds nothing.
func NewNeedle(b []byte) Needle {
	n := Needle{b: b}
	if len(b) == 0 {
		return n
	}
	n.off1 = Rarest(b)
	n.off2 = n.off1
	best := 1 << 30
	for i, c := range b {
		if i != n.off1 && Rank(c) < best {
			best, n.off2 = Rank(c), i
		}
	}
	if n.off1 > n.off2 {
		n.off1, n.off2 = n.off2, n.off1
	}
	return n
}

// Bytes returns the literal.
func (n Needle) Bytes() []byte { return n.b }

// Rarest returns the offset in b of its rarest byte in JSON telemetry.
func Rarest(b []byte) int {
	best, bestRank := 0, 1<<30
	for i, c := range b {
		if r := Rank(c); r < bestRank {
			best, bestRank = i, r
		}
	}
	return best
}

// Rank orders bytes by how common they are in JSON endpoint telemetry
// (lower is rarer). A poor choice costs speed only, never correctness.
func Rank(c byte) int { return byteRank[c] }

var byteRank = func() (r [256]int) {
	// counted on Falcon NDJSON, most common first
	const byFrequency = "\"e0a1st2:,io3n57d6rc489mfl-b.\\CPIgpSuhDTxvNAFH BREy_kWwVMLUO#{}Gq=z/j;KQ&Y()ZX@J"
	for i, c := range []byte(byFrequency) {
		r[c] = len(byFrequency) - i
	}
	return r
}()

// Scan fills x with the positions of line ends, `\u` pairs and occurrences
// of key in data, reusing x's slices.
func Scan(data []byte, key Needle, x *Index) {
	x.Lines, x.Escapes, x.Keys, x.Odd = x.Lines[:0], x.Escapes[:0], x.Keys[:0], x.Odd[:0]
	// The vector kernel covers [lo, hi) (for keys: the occurrences whose
	// first probe byte is there); byte searches cover the rest, before and
	// after, so that each list comes out in order.
	lo, hi := vectorRange(data, key)
	scanBytes(data, 0, lo, 0, lo-key.off1, key, x)
	if hi > lo {
		scanVector(data, lo, hi, key, x)
	}
	scanBytes(data, hi, len(data), max(0, hi-key.off1), len(data), key, x)
}

// scanBytes adds, with byte searches, the line ends and escapes that start
// in [from, to) and the key occurrences that start in [kfrom, kto).
func scanBytes(data []byte, from, to, kfrom, kto int, key Needle, x *Index) {
	for off := from; off < to; {
		j := bytes.IndexByte(data[off:to], '\n')
		if j < 0 {
			break
		}
		x.addLine(data, off+j)
		off += j + 1
	}
	end := min(to+1, len(data)) // a pair may end past to
	for off := from; off < to; {
		j := bytes.Index(data[off:end], escU)
		if j < 0 {
			break
		}
		x.Escapes = append(x.Escapes, off+j)
		off += j + 1
	}
	if len(key.b) == 0 {
		return
	}
	kfrom = max(kfrom, 0)
	end = min(kto+len(key.b)-1, len(data))
	for off := kfrom; off < kto; {
		j := bytes.Index(data[off:end], key.b)
		if j < 0 {
			break
		}
		x.Keys = append(x.Keys, off+j)
		off += j + 1
	}
}

var escU = []byte(`\u`)
