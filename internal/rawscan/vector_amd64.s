//go:build !purego

#include "textflag.h"

// The kernels test every position r of blocks 64-byte blocks from data,
// which must be 64-byte aligned, for three things:
//
//	mask 0: data[r] == '\n'
//	mask 1: data[r] == '\\' && data[r+1] == 'u'
//	mask 2: data[r] == c1 && data[r+d] == c2 (a key's two probe bytes)
//
// The bytes at r come from one aligned load per block; only the loads at
// r+1 and r+d are unaligned. They write, for each block with a match, its
// index and the three masks (bit i: position i of the block), and return
// how many blocks they wrote. Every entry is stored and kept only when it
// has a match (out must hold one entry per block). data must hold blocks*64 + max(1, d) bytes.
//
// The probe block is {d int64; nl, bs, u, c1, c2 uint64}.
//
// Each step prefetches the block a page ahead: the hardware prefetcher
// stops at page boundaries, and reading from memory, not the compares, is
// what these loops wait on (measured: 1.6x faster over a mapped file). A
// prefetch never faults, so reading ahead past the end is harmless.

// func probeAVX2(data *byte, blocks int, p *probeSet, out *[chunkBlocks][4]uint64) int
TEXT ·probeAVX2(SB), NOSPLIT, $0-40
	MOVQ data+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ p+16(FP), DX
	MOVQ out+24(FP), DI
	MOVQ 0(DX), R13
	VPBROADCASTB 8(DX), Y0
	VPBROADCASTB 16(DX), Y1
	VPBROADCASTB 24(DX), Y2
	VPBROADCASTB 32(DX), Y3
	VPBROADCASTB 40(DX), Y4
	XORQ DX, DX // block index
	TESTQ CX, CX
	JZ    done

loop:
	PREFETCHT0 4096(SI)
	VMOVDQU (SI), Y6
	VMOVDQU 32(SI), Y7

	// mask 0 → AX
	VPCMPEQB  Y6, Y0, Y8
	VPMOVMSKB Y8, AX
	VPCMPEQB  Y7, Y0, Y9
	VPMOVMSKB Y9, R14
	SHLQ      $32, R14
	ORQ       R14, AX

	// mask 1 → BX
	VPCMPEQB  Y6, Y1, Y8
	VPCMPEQB  1(SI), Y2, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, BX
	VPCMPEQB  Y7, Y1, Y8
	VPCMPEQB  33(SI), Y2, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, R14
	SHLQ      $32, R14
	ORQ       R14, BX

	// mask 2 → R15
	VPCMPEQB  Y6, Y3, Y8
	VPCMPEQB  (SI)(R13*1), Y4, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, R15
	VPCMPEQB  Y7, Y3, Y8
	VPCMPEQB  32(SI)(R13*1), Y4, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, R14
	SHLQ      $32, R14
	ORQ       R14, R15

	MOVQ    DX, 0(DI)
	MOVQ    AX, 8(DI)
	MOVQ    BX, 16(DI)
	MOVQ    R15, 24(DI)
	ORQ     BX, AX
	ORQ     R15, AX
	SETNE   R9
	MOVBQZX R9, R9
	SHLQ    $5, R9
	ADDQ    R9, DI // keep the entry only when it has a match: no branch to mispredict

	ADDQ $64, SI
	INCQ DX
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	MOVQ out+24(FP), AX
	SUBQ AX, DI
	SHRQ $5, DI
	MOVQ DI, ret+32(FP)
	RET

// func probeAVX512(data *byte, blocks int, p *probeSet, out *[chunkBlocks][4]uint64) int
//
// The same with 64-byte vectors: each compare yields a mask register, and
// the second compare of a pair runs under the first one's mask.
TEXT ·probeAVX512(SB), NOSPLIT, $0-40
	MOVQ data+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ p+16(FP), DX
	MOVQ out+24(FP), DI
	MOVQ 0(DX), R13
	VPBROADCASTB 8(DX), Z0
	VPBROADCASTB 16(DX), Z1
	VPBROADCASTB 24(DX), Z2
	VPBROADCASTB 32(DX), Z3
	VPBROADCASTB 40(DX), Z4
	XORQ DX, DX // block index
	TESTQ CX, CX
	JZ    done512

loop512:
	PREFETCHT0 4096(SI)
	VMOVDQU64 (SI), Z6
	VPCMPEQB  Z6, Z0, K1
	VPCMPEQB  Z6, Z1, K2
	VPCMPEQB  1(SI), Z2, K2, K2
	VPCMPEQB  Z6, Z3, K3
	VPCMPEQB  (SI)(R13*1), Z4, K3, K3
	KMOVQ     K1, AX
	KMOVQ     K2, BX
	KMOVQ     K3, R15
	MOVQ      DX, 0(DI)
	MOVQ      AX, 8(DI)
	MOVQ      BX, 16(DI)
	MOVQ      R15, 24(DI)
	ORQ       BX, AX
	ORQ       R15, AX
	SETNE     R9
	MOVBQZX   R9, R9
	SHLQ      $5, R9
	ADDQ      R9, DI // keep the entry only when it has a match: no branch to mispredict

	ADDQ $64, SI
	INCQ DX
	DECQ CX
	JNZ  loop512

done512:
	VZEROUPPER
	MOVQ out+24(FP), AX
	SUBQ AX, DI
	SHRQ $5, DI
	MOVQ DI, ret+32(FP)
	RET
