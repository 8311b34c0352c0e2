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
	x.Lines, x.Escapes, x.Keys = x.Lines[:0], x.Escapes[:0], x.Keys[:0]
	done := 0
	if useVector && len(data) >= 256 {
		done = scanVector(data, key, x)
	}
	scanBytes(data, done, key, x)
}

// scanBytes adds the positions at or after from, with byte searches.
func scanBytes(data []byte, from int, key Needle, x *Index) {
	for off := from; ; {
		j := bytes.IndexByte(data[off:], '\n')
		if j < 0 {
			break
		}
		x.Lines = append(x.Lines, off+j)
		off += j + 1
	}
	for off := from; ; {
		j := bytes.Index(data[off:], escU)
		if j < 0 {
			break
		}
		x.Escapes = append(x.Escapes, off+j)
		off += j + 1
	}
	if len(key.b) == 0 {
		return
	}
	for off := from; ; {
		j := bytes.Index(data[off:], key.b)
		if j < 0 {
			break
		}
		x.Keys = append(x.Keys, off+j)
		off += j + 1
	}
}

var escU = []byte(`\u`)
