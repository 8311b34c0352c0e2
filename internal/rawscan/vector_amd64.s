//go:build !purego

#include "textflag.h"

// func probeAVX2(data *byte, blocks int, probes *[3]probe, masks *uint64)
//
// For each 64-byte block and each probe (off1, off2, c1, c2), the mask of
// positions p with data[p+off1] == c1 and data[p+off2] == c2. The first
// probe compares c1 only.
TEXT ·probeAVX2(SB), NOSPLIT, $0-32
	MOVQ data+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ probes+16(FP), DX
	MOVQ masks+24(FP), DI
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 32(DX), R10
	MOVQ 40(DX), R11
	MOVQ 64(DX), R12
	MOVQ 72(DX), R13
	VPBROADCASTB 16(DX), Y0
	VPBROADCASTB 24(DX), Y1
	VPBROADCASTB 48(DX), Y2
	VPBROADCASTB 56(DX), Y3
	VPBROADCASTB 80(DX), Y4
	VPBROADCASTB 88(DX), Y5
	TESTQ CX, CX
	JZ    done

loop:
	// probe 0: one byte (off1, c1) is enough
	VPCMPEQB  (SI)(R8*1), Y0, Y6
	VPMOVMSKB Y6, AX
	VPCMPEQB  32(SI)(R8*1), Y0, Y8
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 0(DI)

	// probe 1
	VPCMPEQB  (SI)(R10*1), Y2, Y6
	VPCMPEQB  (SI)(R11*1), Y3, Y7
	VPAND     Y6, Y7, Y6
	VPMOVMSKB Y6, AX
	VPCMPEQB  32(SI)(R10*1), Y2, Y8
	VPCMPEQB  32(SI)(R11*1), Y3, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 8(DI)

	// probe 2
	VPCMPEQB  (SI)(R12*1), Y4, Y6
	VPCMPEQB  (SI)(R13*1), Y5, Y7
	VPAND     Y6, Y7, Y6
	VPMOVMSKB Y6, AX
	VPCMPEQB  32(SI)(R12*1), Y4, Y8
	VPCMPEQB  32(SI)(R13*1), Y5, Y9
	VPAND     Y8, Y9, Y8
	VPMOVMSKB Y8, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 16(DI)

	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
