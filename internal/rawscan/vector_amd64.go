//go:build !purego

package rawscan

import (
	"bytes"
	"math/bits"

	"golang.org/x/sys/cpu"
)

var useVector = cpu.X86.HasAVX2

// probe asks, at each position p, for data[p+off1] == c1 && data[p+off2] == c2.
// The layout is shared with probeAVX2.
type probe struct {
	off1, off2 int64
	c1, c2     uint64
}

// probeAVX2 tests the three probes at every position of blocks 64-byte
// blocks from data (the first probe tests its first byte only) and writes,
// for each block with a match, its index and the probes' masks (bit i:
// position i of the block). It returns how many blocks it wrote. Every load
// must be in bounds: data holds blocks*64 + the largest offset bytes.
//
//go:noescape
func probeAVX2(data *byte, blocks int, probes *[3]probe, out *[chunkBlocks][4]uint64) int

// chunkBlocks is how many blocks one kernel call covers: its output stays
// in L1 while it is read back.
const chunkBlocks = 128

// scanVector scans the longest prefix of data the kernel can cover and
// returns its length.
func scanVector(data []byte, key Needle, x *Index) int {
	ps := [3]probe{
		{0, 0, '\n', '\n'},
		{0, 1, '\\', 'u'},
		{0, 0, '\n', 'x'}, // matches nowhere: no key
	}
	if len(key.b) > 0 {
		ps[2] = probe{int64(key.off1), int64(key.off2), uint64(key.b[key.off1]), uint64(key.b[key.off2])}
	}
	reach := max(1, key.off2) // the farthest a probe looks past its position
	blocks := (len(data) - reach) / 64
	var out [chunkBlocks][4]uint64
	for b := 0; b < blocks; b += chunkBlocks {
		base := b * 64
		n := probeAVX2(&data[base], min(chunkBlocks, blocks-b), &ps, &out)
		for _, o := range out[:n] {
			at := base + int(o[0])*64
			for m := o[1]; m != 0; m &= m - 1 {
				x.Lines = append(x.Lines, at+bits.TrailingZeros64(m))
			}
			for m := o[2]; m != 0; m &= m - 1 {
				x.Escapes = append(x.Escapes, at+bits.TrailingZeros64(m))
			}
			for m := o[3]; m != 0; m &= m - 1 {
				p := at + bits.TrailingZeros64(m)
				if p+len(key.b) <= len(data) && bytes.Equal(data[p:p+len(key.b)], key.b) {
					x.Keys = append(x.Keys, p)
				}
			}
		}
	}
	return blocks * 64
}
