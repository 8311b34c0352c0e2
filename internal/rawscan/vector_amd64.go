//go:build !purego

package rawscan

import (
	"bytes"
	"math/bits"
	"unsafe"

	"golang.org/x/sys/cpu"
)

var (
	useVector = cpu.X86.HasAVX2
	// use512 picks the AVX-512 kernel where the CPU has it; tests turn it
	// off to check the AVX2 kernel too.
	use512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW
)

// probeSet is what the kernels compare; the layout is shared with them.
type probeSet struct {
	d                 int64 // offset of the key's second probe byte from its first
	nl, bs, u, c1, c2 uint64
}

// probeAVX2 and probeAVX512 are described in vector_amd64.s.
//
//go:noescape
func probeAVX2(data *byte, blocks int, p *probeSet, out *[chunkBlocks][4]uint64) int

//go:noescape
func probeAVX512(data *byte, blocks int, p *probeSet, out *[chunkBlocks][4]uint64) int

// chunkBlocks is how many blocks one kernel call covers: its output stays
// in L1 while it is read back.
const chunkBlocks = 128

// vectorRange is the part of data the kernels cover: from the first 64-byte
// aligned address, whole blocks, leaving the bytes the last probes read.
// lo == hi when the kernels cannot help.
func vectorRange(data []byte, key Needle) (lo, hi int) {
	if !useVector || len(data) < 256 || len(key.b) > 0 && key.off2-key.off1 >= 64 {
		return 0, 0
	}
	lo = int(-uintptr(unsafe.Pointer(&data[0])) & 63)
	reach := max(1, key.off2-key.off1)
	blocks := (len(data) - lo - reach) / 64
	if blocks <= 0 {
		return 0, 0
	}
	return lo, lo + blocks*64
}

// scanVector adds the line ends and escapes in [lo, hi) and the key
// occurrences whose first probe byte is in [lo, hi).
func scanVector(data []byte, lo, hi int, key Needle, x *Index) {
	ps := probeSet{d: 1, nl: '\n', bs: '\\', u: 'u', c1: '\n', c2: '\n'} // no key: mask 2 is ignored
	if len(key.b) > 0 {
		ps.d = int64(key.off2 - key.off1)
		ps.c1, ps.c2 = uint64(key.b[key.off1]), uint64(key.b[key.off2])
	}
	var out [chunkBlocks][4]uint64
	blocks := (hi - lo) / 64
	for b := 0; b < blocks; b += chunkBlocks {
		base := lo + b*64
		var n int
		if use512 {
			n = probeAVX512(&data[base], min(chunkBlocks, blocks-b), &ps, &out)
		} else {
			n = probeAVX2(&data[base], min(chunkBlocks, blocks-b), &ps, &out)
		}
		for _, o := range out[:n] {
			at := base + int(o[0])*64
			for m := o[1]; m != 0; m &= m - 1 {
				x.addLine(data, at+bits.TrailingZeros64(m))
			}
			for m := o[2]; m != 0; m &= m - 1 {
				x.Escapes = append(x.Escapes, at+bits.TrailingZeros64(m))
			}
			if len(key.b) == 0 {
				continue
			}
			for m := o[3]; m != 0; m &= m - 1 {
				p := at + bits.TrailingZeros64(m) - key.off1
				if p >= 0 && p+len(key.b) <= len(data) && bytes.Equal(data[p:p+len(key.b)], key.b) {
					x.Keys = append(x.Keys, p)
				}
			}
		}
	}
}
