//go:build !purego

#include "textflag.h"

// func probeAVX2(data *byte, blocks int, probes *[3]probe, out *[chunkBlocks][4]uint64) int
//
// For each 64-byte block and each probe (off1, off2, c1, c2), the mask of
// positions p with data[p+off1] == c1 and data[p+off2] == c2; the first
// probe compares c1 only. Only blocks with a match are written, as
// (block index, mask 0, mask 1, mask 2); it returns how many.
TEXT ·probeAVX2(SB), NOSPLIT, $0-40
	MOVQ data+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ probes+16(FP), DX
	MOVQ out+24(FP), DI
	MOVQ 0(DX), R8
	MOVQ 32(DX), R10
	MOVQ 40(DX), R11
	MOVQ 64(DX), R12
	MOVQ 72(DX), R13
	VPBROADCASTB 16(DX), Y0
	VPBROADCASTB 48(DX), Y2
	VPBROADCASTB 56(DX), Y3
	VPBROADCASTB 80(DX), Y4
	VPBROADCASTB 88(DX), Y5
	XORQ DX, DX // block index
	TESTQ CX, CX
	JZ    done

loop:
	// probe 0 → AX
	VPCMPEQB  (SI)(R8*1), Y0, Y6
	VPMOVMSKB Y6, AX
	VPCMPEQB  32(SI)(R8*1), Y0, Y8
	VPMOVMSKB Y8, R14
	SHLQ      $32, R14
	ORQ       R14, AX

	// probe 1 → BX
	VPCMPEQB  (SI)(R10*1), Y2, Y6
	VPCMPEQB  (SI)(R11*1), Y3, Y7
	VPAND     Y6, Y7, Y6
	VPMOVMSKB Y6, BX
	VPCMPEQB  32(SI)(R10*1), Y2, Y8
	VPCMPEQB  32(SI)(R11*1), Y3, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, R14
	SHLQ      $32, R14
	ORQ       R14, BX

	// probe 2 → R15
	VPCMPEQB  (SI)(R12*1), Y4, Y6
	VPCMPEQB  (SI)(R13*1), Y5, Y7
	VPAND     Y6, Y7, Y6
	VPMOVMSKB Y6, R15
	VPCMPEQB  32(SI)(R12*1), Y4, Y8
	VPCMPEQB  32(SI)(R13*1), Y5, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, R14
	SHLQ      $32, R14
	ORQ       R14, R15

	MOVQ AX, R14
	ORQ  BX, R14
	ORQ  R15, R14
	JZ   next
	MOVQ DX, 0(DI)
	MOVQ AX, 8(DI)
	MOVQ BX, 16(DI)
	MOVQ R15, 24(DI)
	ADDQ $32, DI

next:
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
