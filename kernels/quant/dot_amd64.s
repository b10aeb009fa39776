//go:build !purego

#include "textflag.h"

// The amd64 kernels of VecDot; dot_amd64.go has their Go declarations and
// the definitions they equal. Every kernel reads its two rows block by block
// and touches nothing outside them. Frame: 0(SP)..31(SP) scratch, 32(SP)..
// 63(SP) the float32 scale products dw·da of the current group of 8 blocks.
//
// Each block's integer dot product is exact in int32 lanes; it is converted
// to float32 and multiply-added, scaled by the block's dw·da, into one of
// four accumulators of 8 float32 lanes, which are summed at the end.

// ---------------------------------------------------------------- constants

// Bytes 0x0f in lanes 0..15 and 0xf0 in lanes 16..31.
DATA nibbleMasks<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMasks<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibbleMasks<>+16(SB)/8, $0xf0f0f0f0f0f0f0f0
DATA nibbleMasks<>+24(SB)/8, $0xf0f0f0f0f0f0f0f0
GLOBL nibbleMasks<>(SB), RODATA|NOPTR, $32

// Bytes 8 in lanes 0..15 and 8<<4 in lanes 16..31: the Q4_0 offset, for the
// low and the (unshifted) high nibbles.
DATA q4Offsets<>+0(SB)/8, $0x0808080808080808
DATA q4Offsets<>+8(SB)/8, $0x0808080808080808
DATA q4Offsets<>+16(SB)/8, $0x8080808080808080
DATA q4Offsets<>+24(SB)/8, $0x8080808080808080
GLOBL q4Offsets<>(SB), RODATA|NOPTR, $32

// float32 1 in lanes 0..3 and 1/16 in lanes 4..7: undoes the factor 16 of
// the high-nibble lanes.
DATA q4Unscale<>+0(SB)/8, $0x3f8000003f800000
DATA q4Unscale<>+8(SB)/8, $0x3f8000003f800000
DATA q4Unscale<>+16(SB)/8, $0x3d8000003d800000
DATA q4Unscale<>+24(SB)/8, $0x3d8000003d800000
GLOBL q4Unscale<>(SB), RODATA|NOPTR, $32

// Per-qword shift counts 0, 0, 4, 4.
DATA shift0044<>+0(SB)/8, $0
DATA shift0044<>+8(SB)/8, $0
DATA shift0044<>+16(SB)/8, $4
DATA shift0044<>+24(SB)/8, $4
GLOBL shift0044<>(SB), RODATA|NOPTR, $32

DATA bytes0x0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL bytes0x0f<>(SB), RODATA|NOPTR, $8

DATA bytes0x08<>+0(SB)/8, $0x0808080808080808
GLOBL bytes0x08<>(SB), RODATA|NOPTR, $8

DATA bytes0x80<>+0(SB)/8, $0x8080808080808080
GLOBL bytes0x80<>(SB), RODATA|NOPTR, $8

DATA words0x0001<>+0(SB)/8, $0x0001000100010001
GLOBL words0x0001<>(SB), RODATA|NOPTR, $8

// ---------------------------------------------------------------- scales

// SCALES8(wb, ab): the float32 products dw·da of the f16 scales at the start
// of 8 blocks (weight blocks of wb bytes from SI, activation blocks of ab
// bytes from DI) into 32(SP)..63(SP). The halves are packed four to a
// general register and stored as 8-byte words at 0(SP)..31(SP), which
// VCVTPH2PS reads back whole (a load that spans several smaller pending
// stores could not be forwarded and would stall).
#define PACK4(base, off, stride, r) \
	MOVWLZX (off+3*stride)(base), r; SHLQ $16, r; \
	MOVW    (off+2*stride)(base), r; SHLQ $16, r; \
	MOVW    (off+1*stride)(base), r; SHLQ $16, r; \
	MOVW    (off)(base), r

#define SCALES8(wb, ab) \
	PACK4(SI, 0, wb, AX); \
	PACK4(SI, 4*wb, wb, BX); \
	PACK4(DI, 0, ab, DX); \
	PACK4(DI, 4*ab, ab, R8); \
	MOVQ      AX, 0(SP); \
	MOVQ      BX, 8(SP); \
	MOVQ      DX, 16(SP); \
	MOVQ      R8, 24(SP); \
	VCVTPH2PS 0(SP), X7; \
	VCVTPH2PS 8(SP), X9; \
	VCVTPH2PS 16(SP), X8; \
	VCVTPH2PS 24(SP), X10; \
	VMULPS    X8, X7, X7; \
	VMULPS    X10, X9, X9; \
	VMOVUPS   X7, 32(SP); \
	VMOVUPS   X9, 48(SP)

// SCALES1: the product dw·da of one block (SI, DI) into 32(SP).
#define SCALES1 \
	MOVWLZX   (DI), AX; SHLL $16, AX; \
	MOVW      (SI), AX; \
	VMOVD     AX, X7; \
	VCVTPH2PS X7, X7; \
	VMOVSHDUP X7, X8; \
	VMULSS    X8, X7, X7; \
	VMOVSS    X7, 32(SP)

// ---------------------------------------------------------------- sums

// SUM4: the sum of the 32 lanes of Y0..Y3 into X0, after multiplying the
// sum of the accumulators by unscale (a memory operand).
#define SUM4(unscale) \
	VADDPS       Y1, Y0, Y0; \
	VADDPS       Y3, Y2, Y2; \
	VADDPS       Y2, Y0, Y0; \
	VMULPS       unscale, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1; \
	VADDSS       X1, X0, X0

#define SUM4PLAIN \
	VADDPS       Y1, Y0, Y0; \
	VADDPS       Y3, Y2, Y2; \
	VADDPS       Y2, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1; \
	VADDSS       X1, X0, X0

// ---------------------------------------------------------------- driver

// DOTLOOP runs BLOCK over nb (CX) blocks of wb and ab bytes, eight at a
// time with SCALES8 and then one at a time with SCALES1. BLOCK(wo, ao, sc,
// acc) handles the block at wo(SI), ao(DI) with scale sc(SP) into acc.
#define DOTLOOP(BLOCK, wb, ab, loop8, tail, loop1, done) \
	CMPQ CX, $8; \
	JLT  tail; \
loop8: \
	SCALES8(wb, ab); \
	BLOCK(0, 0, 32, Y0); \
	BLOCK(1*wb, 1*ab, 36, Y1); \
	BLOCK(2*wb, 2*ab, 40, Y2); \
	BLOCK(3*wb, 3*ab, 44, Y3); \
	BLOCK(4*wb, 4*ab, 48, Y0); \
	BLOCK(5*wb, 5*ab, 52, Y1); \
	BLOCK(6*wb, 6*ab, 56, Y2); \
	BLOCK(7*wb, 7*ab, 60, Y3); \
	ADDQ $(8*wb), SI; \
	ADDQ $(8*ab), DI; \
	SUBQ $8, CX; \
	CMPQ CX, $8; \
	JGE  loop8; \
tail: \
	TESTQ CX, CX; \
	JZ    done; \
loop1: \
	SCALES1; \
	BLOCK(0, 0, 32, Y0); \
	ADDQ $wb, SI; \
	ADDQ $ab, DI; \
	DECQ CX; \
	JNZ  loop1; \
done:

#define PROLOGUE \
	MOVQ  w_base+0(FP), SI; \
	MOVQ  a_base+24(FP), DI; \
	MOVQ  nb+48(FP), CX; \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3

// ---------------------------------------------------------------- Q4_0·Q8_0

// Q4_0 with VNNI. Y4 = [qs & 0x0f | qs & 0xf0] lines each weight nibble up
// with its activation byte r (Y5): lanes 0..15 hold q_j and lanes 16..31
// hold 16·q_(j+16). Y6 = 0 - Σ4 off·r + Σ4 q·r, where off = 8 (or 16·8),
// so int32 lane l holds Σ (q-8)·r over its four elements, times 16 for
// l >= 4. Y14 = nibbleMasks, Y15 = q4Offsets, Y13 = 0.
#define Q4BLOCK512(wo, ao, sc, acc) \
	VBROADCASTI128   (wo+2)(SI), Y4; \
	VPAND            Y14, Y4, Y4; \
	VMOVDQU          (ao+2)(DI), Y5; \
	VPXOR            Y6, Y6, Y6; \
	VPDPBUSD         Y5, Y15, Y6; \
	VPSUBD           Y6, Y13, Y6; \
	VPDPBUSD         Y5, Y4, Y6; \
	VCVTDQ2PS        Y6, Y6; \
	VFMADD231PS.BCST sc(SP), Y6, acc

// func dotQ4_0Q8_0AVX512(w, a []byte, nb int) float32
TEXT ·dotQ4_0Q8_0AVX512(SB), NOSPLIT, $64-60
	PROLOGUE
	VMOVDQU nibbleMasks<>(SB), Y14
	VMOVDQU q4Offsets<>(SB), Y15
	VPXOR   Y13, Y13, Y13
	DOTLOOP(Q4BLOCK512, 18, 34, q4vLoop8, q4vTail, q4vLoop1, q4vDone)
	SUM4(q4Unscale<>(SB))
	VZEROUPPER
	MOVSS   X0, ret+56(FP)
	RET

// Q4_0 with AVX2. Y4 = [qs | qs >> 4] & 0x0f: element j of the block in
// byte j. VPMADDUBSW gives Σ2 q·r and Σ2 8·r in int16 (|Σ2 (q-8)·r| <=
// 2048, no saturation); their difference is summed pairwise into int32.
// Y12 = shift0044, Y13 = 0x0001 words, Y14 = 0x0f bytes, Y15 = 0x08 bytes.
#define Q4BLOCK2(wo, ao, sc, acc) \
	VBROADCASTI128 (wo+2)(SI), Y4; \
	VPSRLVQ        Y12, Y4, Y4; \
	VPAND          Y14, Y4, Y4; \
	VMOVDQU        (ao+2)(DI), Y5; \
	VPMADDUBSW     Y5, Y4, Y6; \
	VPMADDUBSW     Y5, Y15, Y7; \
	VPSUBW         Y7, Y6, Y6; \
	VPMADDWD       Y13, Y6, Y6; \
	VCVTDQ2PS      Y6, Y6; \
	VBROADCASTSS   sc(SP), Y7; \
	VFMADD231PS    Y7, Y6, acc

// func dotQ4_0Q8_0AVX2(w, a []byte, nb int) float32
TEXT ·dotQ4_0Q8_0AVX2(SB), NOSPLIT, $64-60
	PROLOGUE
	VMOVDQU      shift0044<>(SB), Y12
	VPBROADCASTQ words0x0001<>(SB), Y13
	VPBROADCASTQ bytes0x0f<>(SB), Y14
	VPBROADCASTQ bytes0x08<>(SB), Y15
	DOTLOOP(Q4BLOCK2, 18, 34, q4aLoop8, q4aTail, q4aLoop1, q4aDone)
	SUM4PLAIN
	VZEROUPPER
	MOVSS        X0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q8_0·Q8_0

// Q8_0 with VNNI: x ^ 0x80 = x + 128 is unsigned, so Σ4 x·y =
// Σ4 (x+128)·y - Σ4 128·y, computed as 0 - Σ4 128·y + Σ4 (x+128)·y.
// Y15 = 0x80 bytes, Y13 = 0.
#define Q8BLOCK512(wo, ao, sc, acc) \
	VPXOR            (wo+2)(SI), Y15, Y4; \
	VMOVDQU          (ao+2)(DI), Y5; \
	VPXOR            Y6, Y6, Y6; \
	VPDPBUSD         Y5, Y15, Y6; \
	VPSUBD           Y6, Y13, Y6; \
	VPDPBUSD         Y5, Y4, Y6; \
	VCVTDQ2PS        Y6, Y6; \
	VFMADD231PS.BCST sc(SP), Y6, acc

// func dotQ8_0Q8_0AVX512(w, a []byte, nb int) float32
TEXT ·dotQ8_0Q8_0AVX512(SB), NOSPLIT, $64-60
	PROLOGUE
	VPBROADCASTQ bytes0x80<>(SB), Y15
	VPXOR        Y13, Y13, Y13
	DOTLOOP(Q8BLOCK512, 34, 34, q8vLoop8, q8vTail, q8vLoop1, q8vDone)
	SUM4PLAIN
	VZEROUPPER
	MOVSS        X0, ret+56(FP)
	RET

// Q8_0 with AVX2: both operands are signed, so they are sign-extended to
// int16 and multiplied with VPMADDWD, 16 elements at a time.
#define Q8BLOCK2(wo, ao, sc, acc) \
	VPMOVSXBW    (wo+2)(SI), Y4; \
	VPMOVSXBW    (wo+18)(SI), Y5; \
	VPMOVSXBW    (ao+2)(DI), Y6; \
	VPMOVSXBW    (ao+18)(DI), Y7; \
	VPMADDWD     Y6, Y4, Y4; \
	VPMADDWD     Y7, Y5, Y5; \
	VPADDD       Y5, Y4, Y4; \
	VCVTDQ2PS    Y4, Y4; \
	VBROADCASTSS sc(SP), Y7; \
	VFMADD231PS  Y7, Y4, acc

// func dotQ8_0Q8_0AVX2(w, a []byte, nb int) float32
TEXT ·dotQ8_0Q8_0AVX2(SB), NOSPLIT, $64-60
	PROLOGUE
	DOTLOOP(Q8BLOCK2, 34, 34, q8aLoop8, q8aTail, q8aLoop1, q8aDone)
	SUM4PLAIN
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q4_K·Q8_K

DATA bytes0x30<>+0(SB)/8, $0x3030303030303030
GLOBL bytes0x30<>(SB), RODATA|NOPTR, $8

DATA bytes0x20<>+0(SB)/8, $0x2020202020202020
GLOBL bytes0x20<>(SB), RODATA|NOPTR, $8

// Q4KSCALES: the eight 6-bit scales of the Q4_K super-block at SI, each
// as the int16 pair (sc, sc), into 0(SP)..31(SP); its eight 6-bit mins
// as bytes in R9. (Layout: see kScaleMin.)
#define Q4KSCALES \
	MOVL  4(SI), AX; \
	MOVL  8(SI), BX; \
	MOVL  12(SI), DX; \
	MOVL  AX, R8; ANDL $0x3f3f3f3f, R8; \
	MOVL  BX, R9; ANDL $0x3f3f3f3f, R9; \
	MOVL  DX, R10; ANDL $0x0f0f0f0f, R10; \
	SHRL  $6, AX; ANDL $0x03030303, AX; SHLL $4, AX; ORL AX, R10; \
	SHRL  $4, DX; ANDL $0x0f0f0f0f, DX; \
	SHRL  $6, BX; ANDL $0x03030303, BX; SHLL $4, BX; ORL BX, DX; \
	SHLQ  $32, R10; ORQ R10, R8; \
	SHLQ  $32, DX; ORQ DX, R9; \
	VMOVQ R8, X4; \
	VPMOVZXBW X4, X4; \
	VPUNPCKLWD X4, X4, X5; \
	VPUNPCKHWD X4, X4, X6; \
	VMOVDQU X5, 0(SP); \
	VMOVDQU X6, 16(SP)

// Q4KHEAD: the min term of the super-block (SI, DI) into the float
// accumulator Y1, and d·yd broadcast into Y9. Σ bsum·m (VPMADDWD of the 16
// sums with the mins, each repeated for its two sums) is exact in int32.
#define Q4KHEAD \
	VMOVQ        R9, X7; \
	VPUNPCKLBW   X7, X7, X7; \
	VPMOVZXBW    X7, Y7; \
	VPMADDWD     260(DI), Y7, Y7; \
	VCVTDQ2PS    Y7, Y7; \
	VMOVD        0(SI), X8; \
	VCVTPH2PS    X8, X8; \
	VBROADCASTSS 0(DI), X9; \
	VMULPS       X9, X8, X8; \
	VBROADCASTSS X8, Y9; \
	VMOVSHDUP    X8, X10; \
	VBROADCASTSS X10, Y10; \
	VFNMADD231PS Y10, Y7, Y1

// Q4KCHUNK512(c): the 64 elements of chunk c: low nibbles of qs[32c:32c+32]
// are sub-block 2c, high nibbles sub-block 2c+1. VPMADDUBSW gives int16
// pairs (|Σ2 q·r| <= 3840), VPDPWSSD multiplies them by the sub-block scale
// (broadcast from its (sc, sc) pair) and adds them to Y2, Y3.
#define Q4KCHUNK512(qo, ro, so) \
	VMOVDQU       qo(SI), Y4; \
	VPSRLW        $4, Y4, Y5; \
	VPAND         Y15, Y4, Y4; \
	VPAND         Y15, Y5, Y5; \
	VPMADDUBSW    ro(DI), Y4, Y4; \
	VPMADDUBSW    (ro+32)(DI), Y5, Y5; \
	VPDPWSSD.BCST so(SP), Y4, Y2; \
	VPDPWSSD.BCST (so+4)(SP), Y5, Y3

// Q4KCHUNK2(c): as Q4KCHUNK512 with VPMADDWD and VPADDD for VPDPWSSD.
#define Q4KCHUNK2(qo, ro, so) \
	VMOVDQU      qo(SI), Y4; \
	VPSRLW       $4, Y4, Y5; \
	VPAND        Y15, Y4, Y4; \
	VPAND        Y15, Y5, Y5; \
	VPMADDUBSW   ro(DI), Y4, Y4; \
	VPMADDUBSW   (ro+32)(DI), Y5, Y5; \
	VPBROADCASTD so(SP), Y6; \
	VPBROADCASTD (so+4)(SP), Y7; \
	VPMADDWD     Y6, Y4, Y4; \
	VPMADDWD     Y7, Y5, Y5; \
	VPADDD       Y4, Y2, Y2; \
	VPADDD       Y5, Y3, Y3

// Q4KLOOP(CHUNK): the loop over CX super-blocks. Y0: Σ d·yd·(scaled quant
// sums); Y1: -Σ dmin·yd·(min sums); Y2, Y3: the super-block's int32 sums.
#define Q4KLOOP(CHUNK, loop, done) \
	MOVQ  w_base+0(FP), SI; \
	MOVQ  a_base+24(FP), DI; \
	MOVQ  nb+48(FP), CX; \
	VPBROADCASTQ bytes0x0f<>(SB), Y15; \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	TESTQ CX, CX; \
	JZ    done; \
loop: \
	Q4KSCALES; \
	Q4KHEAD; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3; \
	CHUNK(16, 4, 0); \
	CHUNK(48, 68, 8); \
	CHUNK(80, 132, 16); \
	CHUNK(112, 196, 24); \
	VPADDD      Y3, Y2, Y2; \
	VCVTDQ2PS   Y2, Y2; \
	VFMADD231PS Y9, Y2, Y0; \
	ADDQ $144, SI; \
	ADDQ $292, DI; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VADDPS       Y1, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1; \
	VADDSS       X1, X0, X0

// func dotQ4_KQ8_KAVX512(w, a []byte, nb int) float32
TEXT ·dotQ4_KQ8_KAVX512(SB), NOSPLIT, $32-60
	Q4KLOOP(Q4KCHUNK512, q4kvLoop, q4kvDone)
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotQ4_KQ8_KAVX2(w, a []byte, nb int) float32
TEXT ·dotQ4_KQ8_KAVX2(SB), NOSPLIT, $32-60
	Q4KLOOP(Q4KCHUNK2, q4kaLoop, q4kaDone)
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q6_K·Q8_K

// Q6KQUANTS(c, k): the 32 quants v (0..63) of group k of chunk c into Y7:
// the low 4 bits from ql (Y4: ql[64c:64c+32], Y5: ql[64c+32:64c+64]; low
// nibbles for k < 2, high nibbles for k >= 2), the high 2 bits from
// qh[32c:32c+32] (Y6) at bit 2k. Y15 = 0x0f bytes, Y14 = 0x30 bytes.
#define Q6KLO0 VPAND Y15, Y4, Y7
#define Q6KLO1 VPAND Y15, Y5, Y7
#define Q6KLO2 VPSRLW $4, Y4, Y7; VPAND Y15, Y7, Y7
#define Q6KLO3 VPSRLW $4, Y5, Y7; VPAND Y15, Y7, Y7
#define Q6KHI0 VPSLLW $4, Y6, Y8; VPAND Y14, Y8, Y8
#define Q6KHI1 VPSLLW $2, Y6, Y8; VPAND Y14, Y8, Y8
#define Q6KHI2 VPAND Y14, Y6, Y8
#define Q6KHI3 VPSRLW $2, Y6, Y8; VPAND Y14, Y8, Y8

// Q6KDOT512(LO, HI, ro, idx): Σ sc·(v-32)·r for 32 elements: VPMADDUBSW
// gives Σ2 v·r and Σ2 32·r in int16 (|Σ2 (v-32)·r| <= 8192), VPERMW picks
// the scales of the two sub-blocks ([sc_j x8 | sc_(j+1) x8] words from Y10)
// and VPDPWSSD adds the products to Y2. Y13 = 0x20 bytes.
#define Q6KDOT512(LO, HI, ro, idx) \
	LO; \
	HI; \
	VPOR       Y8, Y7, Y7; \
	VPMADDUBSW ro(DI), Y7, Y7; \
	VPMADDUBSW ro(DI), Y13, Y8; \
	VPSUBW     Y8, Y7, Y7; \
	VPERMW     Y10, idx, Y8; \
	VPDPWSSD   Y8, Y7, Y2

// Q6KDOT2: as Q6KDOT512; the scale words come from VPSHUFB of the 16 scale
// bytes (X10) and VPMOVSXBW, and VPMADDWD, VPADDD replace VPDPWSSD.
#define Q6KDOT2(LO, HI, ro, idx) \
	LO; \
	HI; \
	VPOR       Y8, Y7, Y7; \
	VPMADDUBSW ro(DI), Y7, Y7; \
	VPMADDUBSW ro(DI), Y13, Y8; \
	VPSUBW     Y8, Y7, Y7; \
	VPSHUFB    idx, X10, X8; \
	VPMOVSXBW  X8, Y8; \
	VPMADDWD   Y8, Y7, Y7; \
	VPADDD     Y7, Y2, Y2

DATA q6kShuf<>+0(SB)/8, $0x0000000000000000
DATA q6kShuf<>+8(SB)/8, $0x0101010101010101
DATA q6kShuf<>+16(SB)/8, $0x0202020202020202
DATA q6kShuf<>+24(SB)/8, $0x0303030303030303
DATA q6kShuf<>+32(SB)/8, $0x0404040404040404
DATA q6kShuf<>+40(SB)/8, $0x0505050505050505
DATA q6kShuf<>+48(SB)/8, $0x0606060606060606
DATA q6kShuf<>+56(SB)/8, $0x0707070707070707
DATA q6kShuf<>+64(SB)/8, $0x0808080808080808
DATA q6kShuf<>+72(SB)/8, $0x0909090909090909
DATA q6kShuf<>+80(SB)/8, $0x0a0a0a0a0a0a0a0a
DATA q6kShuf<>+88(SB)/8, $0x0b0b0b0b0b0b0b0b
DATA q6kShuf<>+96(SB)/8, $0x0c0c0c0c0c0c0c0c
DATA q6kShuf<>+104(SB)/8, $0x0d0d0d0d0d0d0d0d
DATA q6kShuf<>+112(SB)/8, $0x0e0e0e0e0e0e0e0e
DATA q6kShuf<>+120(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL q6kShuf<>(SB), RODATA|NOPTR, $128

// VPERMW indexes: words [j x8 | j+1 x8] for j = 0, 2, ..., 14.
#define Q6KIDX(off, j) \
	DATA q6kIdx<>+(off)(SB)/8, $(j*0x0001000100010001); \
	DATA q6kIdx<>+(off+8)(SB)/8, $(j*0x0001000100010001); \
	DATA q6kIdx<>+(off+16)(SB)/8, $((j+1)*0x0001000100010001); \
	DATA q6kIdx<>+(off+24)(SB)/8, $((j+1)*0x0001000100010001)
Q6KIDX(0, 0)
Q6KIDX(32, 2)
Q6KIDX(64, 4)
Q6KIDX(96, 6)
Q6KIDX(128, 8)
Q6KIDX(160, 10)
Q6KIDX(192, 12)
Q6KIDX(224, 14)
GLOBL q6kIdx<>(SB), RODATA|NOPTR, $256

// Q6KCHUNK(DOT, c, r0, i0..i3): chunk c (128 elements).
#define Q6KCHUNK(DOT, lo, hb, ro, i0, i1, i2, i3) \
	VMOVDQU lo(SI), Y4; \
	VMOVDQU (lo+32)(SI), Y5; \
	VMOVDQU hb(SI), Y6; \
	DOT(Q6KLO0, Q6KHI0, ro, i0); \
	DOT(Q6KLO1, Q6KHI1, (ro+32), i1); \
	DOT(Q6KLO2, Q6KHI2, (ro+64), i2); \
	DOT(Q6KLO3, Q6KHI3, (ro+96), i3)

// Q6KHEAD: d·yd broadcast into Y9.
#define Q6KHEAD \
	MOVWLZX      208(SI), AX; \
	VMOVD        AX, X9; \
	VCVTPH2PS    X9, X9; \
	VMULSS       0(DI), X9, X9; \
	VBROADCASTSS X9, Y9

#define Q6KPROLOGUE(done) \
	MOVQ  w_base+0(FP), SI; \
	MOVQ  a_base+24(FP), DI; \
	MOVQ  nb+48(FP), CX; \
	VPBROADCASTQ bytes0x0f<>(SB), Y15; \
	VPBROADCASTQ bytes0x30<>(SB), Y14; \
	VPBROADCASTQ bytes0x20<>(SB), Y13; \
	VPXOR Y0, Y0, Y0; \
	TESTQ CX, CX; \
	JZ    done

#define Q6KEPILOGUE(loop, done) \
	VCVTDQ2PS   Y2, Y2; \
	VFMADD231PS Y9, Y2, Y0; \
	ADDQ $210, SI; \
	ADDQ $292, DI; \
	DECQ CX; \
	JNZ  loop; \
done: \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1; \
	VADDSS       X1, X0, X0

// func dotQ6_KQ8_KAVX512(w, a []byte, nb int) float32
TEXT ·dotQ6_KQ8_KAVX512(SB), NOSPLIT, $0-60
	Q6KPROLOGUE(q6kvDone)
	VMOVDQU64 q6kIdx<>+0(SB), Y16
	VMOVDQU64 q6kIdx<>+32(SB), Y17
	VMOVDQU64 q6kIdx<>+64(SB), Y18
	VMOVDQU64 q6kIdx<>+96(SB), Y19
	VMOVDQU64 q6kIdx<>+128(SB), Y20
	VMOVDQU64 q6kIdx<>+160(SB), Y21
	VMOVDQU64 q6kIdx<>+192(SB), Y22
	VMOVDQU64 q6kIdx<>+224(SB), Y23

q6kvLoop:
	Q6KHEAD
	VPMOVSXBW 192(SI), Y10
	VPXOR     Y2, Y2, Y2
	Q6KCHUNK(Q6KDOT512, 0, 128, 4, Y16, Y17, Y18, Y19)
	Q6KCHUNK(Q6KDOT512, 64, 160, 132, Y20, Y21, Y22, Y23)
	Q6KEPILOGUE(q6kvLoop, q6kvDone)
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func dotQ6_KQ8_KAVX2(w, a []byte, nb int) float32
TEXT ·dotQ6_KQ8_KAVX2(SB), NOSPLIT, $0-60
	Q6KPROLOGUE(q6kaDone)

q6kaLoop:
	Q6KHEAD
	VMOVDQU 192(SI), X10
	VPXOR   Y2, Y2, Y2
	Q6KCHUNK(Q6KDOT2, 0, 128, 4, q6kShuf<>+0(SB), q6kShuf<>+16(SB), q6kShuf<>+32(SB), q6kShuf<>+48(SB))
	Q6KCHUNK(Q6KDOT2, 64, 160, 132, q6kShuf<>+64(SB), q6kShuf<>+80(SB), q6kShuf<>+96(SB), q6kShuf<>+112(SB))
	Q6KEPILOGUE(q6kaLoop, q6kaDone)
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// ---------------------------------------------------------------- F16·F16

// The product of two halves is exact in float32 (11+11 significant bits)
// and in float64, so, as in the definition, only the float64 additions
// round; they are spread over four accumulators of 4 (8) lanes.

// func dotF16AVX2(w, a []byte, n int) float64
// n is a multiple of 16.
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-64
	MOVQ  w_base+0(FP), SI
	MOVQ  a_base+24(FP), DI
	MOVQ  n+48(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	SHRQ  $4, CX
	JZ    f16aDone

f16aLoop:
	VCVTPH2PS    0(SI), Y4
	VCVTPH2PS    0(DI), Y5
	VCVTPH2PS    16(SI), Y6
	VCVTPH2PS    16(DI), Y7
	VMULPS       Y5, Y4, Y4
	VMULPS       Y7, Y6, Y6
	VCVTPS2PD    X4, Y5
	VEXTRACTF128 $1, Y4, X4
	VCVTPS2PD    X4, Y4
	VCVTPS2PD    X6, Y7
	VEXTRACTF128 $1, Y6, X6
	VCVTPS2PD    X6, Y6
	VADDPD       Y5, Y0, Y0
	VADDPD       Y4, Y1, Y1
	VADDPD       Y7, Y2, Y2
	VADDPD       Y6, Y3, Y3
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          f16aLoop

f16aDone:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+56(FP)
	RET

// func dotF16AVX512(w, a []byte, n int) float64
// n is a multiple of 16.
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-64
	MOVQ   w_base+0(FP), SI
	MOVQ   a_base+24(FP), DI
	MOVQ   n+48(FP), CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	SHRQ   $4, CX
	JZ     f16vDone
	CMPQ   CX, $2
	JLT    f16vOne

f16vLoop2:
	VCVTPH2PS      0(SI), Z4
	VCVTPH2PS      0(DI), Z5
	VCVTPH2PS      32(SI), Z6
	VCVTPH2PS      32(DI), Z7
	VMULPS         Z5, Z4, Z4
	VMULPS         Z7, Z6, Z6
	VCVTPS2PD      Y4, Z5
	VEXTRACTF64X4  $1, Z4, Y4
	VCVTPS2PD      Y4, Z4
	VCVTPS2PD      Y6, Z7
	VEXTRACTF64X4  $1, Z6, Y6
	VCVTPS2PD      Y6, Z6
	VADDPD         Z5, Z0, Z0
	VADDPD         Z4, Z1, Z1
	VADDPD         Z7, Z2, Z2
	VADDPD         Z6, Z3, Z3
	ADDQ           $64, SI
	ADDQ           $64, DI
	SUBQ           $2, CX
	CMPQ           CX, $2
	JGE            f16vLoop2
	TESTQ          CX, CX
	JZ             f16vDone

f16vOne:
	VCVTPH2PS     0(SI), Z4
	VCVTPH2PS     0(DI), Z5
	VMULPS        Z5, Z4, Z4
	VCVTPS2PD     Y4, Z5
	VEXTRACTF64X4 $1, Z4, Y4
	VCVTPS2PD     Y4, Z4
	VADDPD        Z5, Z0, Z0
	VADDPD        Z4, Z1, Z1

f16vDone:
	VADDPD        Z1, Z0, Z0
	VADDPD        Z3, Z2, Z2
	VADDPD        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VZEROUPPER
	MOVSD         X0, ret+56(FP)
	RET
