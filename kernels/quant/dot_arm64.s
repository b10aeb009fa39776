//go:build !purego

#include "textflag.h"

// The arm64 kernels of VecDot; dot_arm64.go has their Go declarations and
// the definitions they equal. Written by hand (avo generates amd64 only).
// Every kernel reads its two rows block by block, with post-incremented
// loads, and touches nothing outside them.
//
// Each block's (sub-block's) integer dot product is exact in int32 lanes;
// the lanes are converted to float32 (exactly: every lane stays below 2²⁴
// for the quants a block can hold, except Q6_K, see there) and multiply-added,
// scaled by the block's dw·da, into float32 accumulators of 4 lanes, which
// are summed at the end.
//
// Registers: R0 weights, R1 activations, R2 the count of blocks left; V0
// and V1 the float accumulators; V30, V31 constants.

// ---------------------------------------------------------------- encodings

// The instructions Go's arm64 assembler does not know, encoded by hand
// (Arm ARM, "Advanced SIMD"). The arguments are register numbers: d the
// destination, n and m the sources, i a lane index.

// SDOT Vd.4S, Vn.16B, Vm.16B (FEAT_DotProd): each int32 lane of d += the
// sum of the four products of its signed bytes.
#define VSDOT(d, n, m) WORD $(0x4e809400 | ((m)<<16) | ((n)<<5) | (d))

// SMULL Vd.8H, Vn.8B, Vm.8B and SMULL2 Vd.8H, Vn.16B, Vm.16B: the signed
// int16 products of the low (high) 8 bytes.
#define VSMULL(d, n, m) WORD $(0x0e20c000 | ((m)<<16) | ((n)<<5) | (d))
#define VSMULL2(d, n, m) WORD $(0x4e20c000 | ((m)<<16) | ((n)<<5) | (d))

// SMLAL Vd.8H, Vn.8B, Vm.8B and SMLAL2 Vd.8H, Vn.16B, Vm.16B: d += the
// products as SMULL (SMULL2).
#define VSMLAL(d, n, m) WORD $(0x0e208000 | ((m)<<16) | ((n)<<5) | (d))
#define VSMLAL2(d, n, m) WORD $(0x4e208000 | ((m)<<16) | ((n)<<5) | (d))

// SMULL Vd.4S, Vn.4H, Vm.4H and SMLAL2 Vd.4S, Vn.8H, Vm.8H.
#define VSMULLH(d, n, m) WORD $(0x0e60c000 | ((m)<<16) | ((n)<<5) | (d))
#define VSMLAL2H(d, n, m) WORD $(0x4e608000 | ((m)<<16) | ((n)<<5) | (d))

// SMLAL Vd.4S, Vn.4H, Vm.H[i] and SMLAL2 Vd.4S, Vn.8H, Vm.H[i]: d += the
// int32 products of the low (high) 4 halves of n with half i of m.
// m must be V0..V15.
#define VSMLALE(d, n, m, i) WORD $(0x0f402000 | (((i)&1)<<20) | ((((i)>>1)&1)<<21) | (((i)>>2)<<11) | ((m)<<16) | ((n)<<5) | (d))
#define VSMLAL2E(d, n, m, i) WORD $(0x4f402000 | (((i)&1)<<20) | ((((i)>>1)&1)<<21) | (((i)>>2)<<11) | ((m)<<16) | ((n)<<5) | (d))

// SADDLP Vd.4S, Vn.8H and SADALP Vd.4S, Vn.8H: the int32 sums of adjacent
// pairs of int16 lanes (added to d).
#define VSADDLP(d, n) WORD $(0x4e602800 | ((n)<<5) | (d))
#define VSADALP(d, n) WORD $(0x4e606800 | ((n)<<5) | (d))

// MUL Vd.4S, Vn.4S, Vm.4S; MLA Vd.4S, Vn.4S, Vm.4S (d += n·m); MLA Vd.4S,
// Vn.4S, Vm.S[i] (d += n·m[i]).
#define VMUL4S(d, n, m) WORD $(0x4ea09c00 | ((m)<<16) | ((n)<<5) | (d))
#define VMLA4S(d, n, m) WORD $(0x4ea09400 | ((m)<<16) | ((n)<<5) | (d))
#define VMLAE(d, n, m, i) WORD $(0x6f800000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// SXTL Vd.8H, Vn.8B; SXTL2 Vd.8H, Vn.16B: sign-extend bytes to int16.
#define VSXTL(d, n) WORD $(0x0f08a400 | ((n)<<5) | (d))
#define VSXTL2(d, n) WORD $(0x4f08a400 | ((n)<<5) | (d))

// SXTL Vd.4S, Vn.4H; SXTL2 Vd.4S, Vn.8H: sign-extend int16 to int32.
#define VSXTLH(d, n) WORD $(0x0f10a400 | ((n)<<5) | (d))
#define VSXTL2H(d, n) WORD $(0x4f10a400 | ((n)<<5) | (d))

// MOVI Vd.2D, #0.
#define VZERO(d) WORD $(0x6f00e400 | (d))

// SCVTF Vd.4S, Vn.4S: int32 lanes to float32, rounding to nearest.
#define VSCVTF(d, n) WORD $(0x4e21d800 | ((n)<<5) | (d))

// FMLA (FMLS) Vd.4S, Vn.4S, Vm.S[i]: d += (-=) n·m[i], fused.
#define VFMLAE(d, n, m, i) WORD $(0x4f801000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))
#define VFMLSE(d, n, m, i) WORD $(0x4f805000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// FADD Vd.4S; FMUL Vd.4S; FADDP Vd.4S (pairwise: n's pairs, then m's);
// FADDP Sd, Vn.2S (the two low lanes); FADD Vd.2D; FADDP Dd, Vn.2D.
#define VFADDS(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define VFMULS(d, n, m) WORD $(0x6e20dc00 | ((m)<<16) | ((n)<<5) | (d))
#define VFADDPS(d, n, m) WORD $(0x6e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDPS2(d, n) WORD $(0x7e30d800 | ((n)<<5) | (d))
#define VFADDD(d, n, m) WORD $(0x4e60d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDPD2(d, n) WORD $(0x7e70d800 | ((n)<<5) | (d))

// FCVTL Vd.4S, Vn.4H; FCVTL2 Vd.4S, Vn.8H: halves to float32 (exact).
// FCVTL Vd.2D, Vn.2S; FCVTL2 Vd.2D, Vn.4S: float32 to float64 (exact).
#define VFCVTL(d, n) WORD $(0x0e217800 | ((n)<<5) | (d))
#define VFCVTL2(d, n) WORD $(0x4e217800 | ((n)<<5) | (d))
#define VFCVTLD(d, n) WORD $(0x0e617800 | ((n)<<5) | (d))
#define VFCVTL2D(d, n) WORD $(0x4e617800 | ((n)<<5) | (d))

// ---------------------------------------------------------------- common

// SUM2: V0 + V1, summed across lanes, into F0.
#define SUM2 \
	VFADDS(0, 0, 1); \
	VFADDPS(0, 0, 0); \
	FADDPS2(0, 0)

#define PROLOGUE \
	MOVD w_base+0(FP), R0; \
	MOVD a_base+24(FP), R1; \
	MOVD nb+48(FP), R2; \
	VZERO(0); \
	VZERO(1)

// SCALES(wo, ao): F7 = dw·da, the product of the f16 scales at the start of
// the weight and the activation block, and R0, R1 advanced past them by wo
// and ao bytes. FMOVS loads 4 bytes, of which FCVTHS converts the low two.
#define SCALES(wo, ao) \
	FMOVS.P wo(R0), F7; \
	FMOVS.P ao(R1), F16; \
	FCVTHS  F7, F7; \
	FCVTHS  F16, F16; \
	FMULS   F16, F7, F7

// DOTLOOP runs BLOCK(acc) over the R2 blocks, two at a time into V0 and V1
// and then the last one (if R2 is odd) into V0.
#define DOTLOOP(BLOCK, loop2, tail, done) \
	CMP  $2, R2; \
	BLT  tail; \
loop2: \
	BLOCK(0); \
	BLOCK(1); \
	SUB  $2, R2; \
	CMP  $2, R2; \
	BGE  loop2; \
tail: \
	CBZ  R2, done; \
	BLOCK(0); \
done:

// ---------------------------------------------------------------- Q4_0·Q8_0

// Q4LOAD: the weight quants q-8 of one block as signed bytes, elements
// 0..15 in V3 and 16..31 in V2, and the activation quants r in V4, V5;
// F7 = dw·da. V30 = 0x0f bytes, V31 = 8 bytes.
#define Q4LOAD \
	SCALES(2, 2); \
	VLD1.P 16(R0), [V2.B16]; \
	VLD1.P 32(R1), [V4.B16, V5.B16]; \
	VAND   V30.B16, V2.B16, V3.B16; \
	VUSHR  $4, V2.B16, V2.B16; \
	VSUB   V31.B16, V3.B16, V3.B16; \
	VSUB   V31.B16, V2.B16, V2.B16

// Q4BLOCKDP: Σ (q-8)·r with SDOT into the int32 lanes of V6, to float and
// into acc.
#define Q4BLOCKDP(acc) \
	Q4LOAD; \
	VZERO(6); \
	VSDOT(6, 3, 4); \
	VSDOT(6, 2, 5); \
	VSCVTF(6, 6); \
	VFMLAE(acc, 6, 7, 0)

// Q4BLOCKNEON: the same with SMULL and SMLAL: each int16 lane of V6 sums 4
// products of at most 8·128 in magnitude, SADDLP widens adjacent pairs.
#define Q4BLOCKNEON(acc) \
	Q4LOAD; \
	VSMULL(6, 3, 4); \
	VSMLAL2(6, 3, 4); \
	VSMLAL(6, 2, 5); \
	VSMLAL2(6, 2, 5); \
	VSADDLP(6, 6); \
	VSCVTF(6, 6); \
	VFMLAE(acc, 6, 7, 0)

// func dotQ4_0Q8_0DotProd(w, a []byte, nb int) float32
TEXT ·dotQ4_0Q8_0DotProd(SB), NOSPLIT, $0-60
	PROLOGUE
	VMOVI $0x0f, V30.B16
	VMOVI $8, V31.B16
	DOTLOOP(Q4BLOCKDP, q4dLoop2, q4dTail, q4dDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// func dotQ4_0Q8_0NEON(w, a []byte, nb int) float32
TEXT ·dotQ4_0Q8_0NEON(SB), NOSPLIT, $0-60
	PROLOGUE
	VMOVI $0x0f, V30.B16
	VMOVI $8, V31.B16
	DOTLOOP(Q4BLOCKNEON, q4nLoop2, q4nTail, q4nDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q8_0·Q8_0

// Q8LOAD: the weight quants in V2, V3, the activation quants in V4, V5;
// F7 = dw·da.
#define Q8LOAD \
	SCALES(2, 2); \
	VLD1.P 32(R0), [V2.B16, V3.B16]; \
	VLD1.P 32(R1), [V4.B16, V5.B16]

#define Q8BLOCKDP(acc) \
	Q8LOAD; \
	VZERO(6); \
	VSDOT(6, 2, 4); \
	VSDOT(6, 3, 5); \
	VSCVTF(6, 6); \
	VFMLAE(acc, 6, 7, 0)

// Q8BLOCKNEON: a product of two int8 is at most 2¹⁴ in magnitude, so two of
// them may not fit an int16: every product is widened (SADDLP, SADALP)
// before it is added to another.
#define Q8BLOCKNEON(acc) \
	Q8LOAD; \
	VSMULL(6, 2, 4); \
	VSMULL2(17, 2, 4); \
	VSMULL(18, 3, 5); \
	VSMULL2(19, 3, 5); \
	VSADDLP(6, 6); \
	VSADDLP(17, 17); \
	VSADALP(6, 18); \
	VSADALP(17, 19); \
	VADD   V17.S4, V6.S4, V6.S4; \
	VSCVTF(6, 6); \
	VFMLAE(acc, 6, 7, 0)

// func dotQ8_0Q8_0DotProd(w, a []byte, nb int) float32
TEXT ·dotQ8_0Q8_0DotProd(SB), NOSPLIT, $0-60
	PROLOGUE
	DOTLOOP(Q8BLOCKDP, q8dLoop2, q8dTail, q8dDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// func dotQ8_0Q8_0NEON(w, a []byte, nb int) float32
TEXT ·dotQ8_0Q8_0NEON(SB), NOSPLIT, $0-60
	PROLOGUE
	DOTLOOP(Q8BLOCKNEON, q8nLoop2, q8nTail, q8nDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q4_K·Q8_K

// Q4KHEAD: for the super-block at R0 (weights) and R1 (activations), the
// eight 6-bit scales as int32 in V22 (sub-blocks 0..3) and V23 (4..7),
// F28 = d·yd, and the min term -dmin·yd·Σ m_s·(bsum_2s + bsum_2s+1) added
// to V1 (the 16-element sums widened to int32 before any addition, so that
// arbitrary bsums stay exact). The scales are unpacked as in kScaleMin, four
// sub-blocks at a time in 32-bit words:
//
//	sc 0..3 = s[0:4] & 0x3f              m 0..3 = s[4:8] & 0x3f
//	sc 4..7 = s[8:12] & 0x0f | s[0:4]>>6<<4
//	m 4..7 = s[8:12]>>4 & 0x0f | s[4:8]>>6<<4
#define Q4KHEAD \
	MOVWU  4(R0), R4; \
	MOVWU  8(R0), R5; \
	MOVWU  12(R0), R6; \
	ANDW   $0x3f3f3f3f, R4, R7; \
	ANDW   $0x3f3f3f3f, R5, R8; \
	ANDW   $0x0f0f0f0f, R6, R9; \
	LSRW   $6, R4, R10; \
	ANDW   $0x03030303, R10, R10; \
	ORRW   R10<<4, R9, R9; \
	LSRW   $4, R6, R11; \
	ANDW   $0x0f0f0f0f, R11, R11; \
	LSRW   $6, R5, R10; \
	ANDW   $0x03030303, R10, R10; \
	ORRW   R10<<4, R11, R11; \
	ORR    R9<<32, R7, R7; \
	ORR    R11<<32, R8, R8; \
	VMOV   R7, V20.D[0]; \
	VMOV   R8, V21.D[0]; \
	VUXTL  V20.B8, V20.H8; \
	VUXTL  V21.B8, V21.H8; \
	VUXTL  V20.H4, V22.S4; \
	VUXTL2 V20.H8, V23.S4; \
	VUXTL  V21.H4, V26.S4; \
	VUXTL2 V21.H8, V21.S4; \
	MOVWU  (R0), R4; \
	LSRW   $16, R4, R5; \
	FMOVS  R4, F28; \
	FMOVS  R5, F29; \
	FMOVS  (R1), F27; \
	FCVTHS F28, F28; \
	FCVTHS F29, F29; \
	FMULS  F27, F28, F28; \
	FMULS  F27, F29, F29; \
	ADD    $260, R1, R9; \
	VLD1   (R9), [V24.H8, V25.H8]; \
	VSADDLP(24, 24); \
	VSADDLP(25, 25); \
	VMUL4S(24, 24, 26); \
	VMLA4S(24, 25, 21); \
	VSCVTF(24, 24); \
	VFMLSE(1, 24, 29, 0)

// Q4KSUBDP(q0, q1, y0, y1, acc, s): sub-block s, quants q in V(q0), V(q1)
// and activations in V(y0), V(y1): acc += sc_s·Σ q·r, in int32 lanes.
#define Q4KSUBDP(q0, q1, y0, y1, acc, s) \
	VZERO(18); \
	VSDOT(18, q0, y0); \
	VSDOT(18, q1, y1); \
	VMLAE(acc, 18, 22+(s)/4, (s)%4)

// Q4KSUBNEON: the same with SMULL and SMLAL (each int16 lane sums 4
// products of at most 15·128) and SADDLP.
#define Q4KSUBNEON(q0, q1, y0, y1, acc, s) \
	VSMULL(18, q0, y0); \
	VSMLAL2(18, q0, y0); \
	VSMLAL(18, q1, y1); \
	VSMLAL2(18, q1, y1); \
	VSADDLP(18, 18); \
	VMLAE(acc, 18, 22+(s)/4, (s)%4)

// Q4KCHUNK(SUBBLK, c): the 64 elements of chunk c: the low nibbles of
// qs[32c:32c+32] are sub-block 2c (into V19), the high nibbles sub-block
// 2c+1 (into V20). Per super-block each int32 lane of V19 + V20 sums at most
// 64 products sc·q·r, |sc·q·r| <= 63·15·128, below 2²⁴.
#define Q4KCHUNK(SUBBLK, c) \
	VLD1.P 32(R12), [V2.B16, V3.B16]; \
	VLD1.P 64(R13), [V4.B16, V5.B16, V6.B16, V7.B16]; \
	VAND   V30.B16, V2.B16, V16.B16; \
	VAND   V30.B16, V3.B16, V17.B16; \
	VUSHR  $4, V2.B16, V2.B16; \
	VUSHR  $4, V3.B16, V3.B16; \
	SUBBLK(16, 17, 4, 5, 19, 2*(c)); \
	SUBBLK(2, 3, 6, 7, 20, 2*(c)+1)

#define Q4KLOOP(SUBBLK, loop, done) \
	PROLOGUE; \
	VMOVI $0x0f, V30.B16; \
	CBZ   R2, done; \
loop: \
	Q4KHEAD; \
	ADD   $16, R0, R12; \
	ADD   $4, R1, R13; \
	VZERO(19); \
	VZERO(20); \
	Q4KCHUNK(SUBBLK, 0); \
	Q4KCHUNK(SUBBLK, 1); \
	Q4KCHUNK(SUBBLK, 2); \
	Q4KCHUNK(SUBBLK, 3); \
	VADD  V20.S4, V19.S4, V19.S4; \
	VSCVTF(19, 19); \
	VFMLAE(0, 19, 28, 0); \
	ADD   $144, R0; \
	ADD   $292, R1; \
	SUB   $1, R2; \
	CBNZ  R2, loop; \
done:

// func dotQ4_KQ8_KDotProd(w, a []byte, nb int) float32
TEXT ·dotQ4_KQ8_KDotProd(SB), NOSPLIT, $0-60
	Q4KLOOP(Q4KSUBDP, q4kdLoop, q4kdDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// func dotQ4_KQ8_KNEON(w, a []byte, nb int) float32
TEXT ·dotQ4_KQ8_KNEON(SB), NOSPLIT, $0-60
	Q4KLOOP(Q4KSUBNEON, q4knLoop, q4knDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// ---------------------------------------------------------------- Q6_K·Q8_K

// Q6KHEAD: for the super-block at R0, R1: the sixteen int8 scales as int16
// in V8 (sub-blocks 0..7) and V9 (8..15), and as int32 in V23..V26 (four
// each) for the dotprod kernel; F28 = d·yd; R12 = ql, R13 = qh, R14 = the
// activation quants.
#define Q6KHEAD \
	ADD    $192, R0, R9; \
	VLD1   (R9), [V20.B16]; \
	VSXTL(8, 20); \
	VSXTL2(9, 20); \
	VSXTLH(23, 8); \
	VSXTL2H(24, 8); \
	VSXTLH(25, 9); \
	VSXTL2H(26, 9); \
	MOVHU  208(R0), R4; \
	FMOVS  R4, F28; \
	FMOVS  (R1), F27; \
	FCVTHS F28, F28; \
	FMULS  F27, F28, F28; \
	MOVD   R0, R12; \
	ADD    $128, R0, R13; \
	ADD    $4, R1, R14

// The low 4 bits of group k of a chunk (into V12, V13) from ql (V2..V5),
// and its high 2 bits, at bits 4..5 (into V14, V15), from qh (V6, V7).
// V29 = 0x30 bytes, V30 = 0x0f bytes.
#define Q6KLO0 VAND V30.B16, V2.B16, V12.B16; VAND V30.B16, V3.B16, V13.B16
#define Q6KLO1 VAND V30.B16, V4.B16, V12.B16; VAND V30.B16, V5.B16, V13.B16
#define Q6KLO2 VUSHR $4, V2.B16, V12.B16; VUSHR $4, V3.B16, V13.B16
#define Q6KLO3 VUSHR $4, V4.B16, V12.B16; VUSHR $4, V5.B16, V13.B16
#define Q6KHI0 VSHL $4, V6.B16, V14.B16; VSHL $4, V7.B16, V15.B16; VAND V29.B16, V14.B16, V14.B16; VAND V29.B16, V15.B16, V15.B16
#define Q6KHI1 VSHL $2, V6.B16, V14.B16; VSHL $2, V7.B16, V15.B16; VAND V29.B16, V14.B16, V14.B16; VAND V29.B16, V15.B16, V15.B16
#define Q6KHI2 VAND V29.B16, V6.B16, V14.B16; VAND V29.B16, V7.B16, V15.B16
#define Q6KHI3 VUSHR $2, V6.B16, V14.B16; VUSHR $2, V7.B16, V15.B16; VAND V29.B16, V14.B16, V14.B16; VAND V29.B16, V15.B16, V15.B16

// Q6KDOTDP(q, y, t, acc, s): the 16 elements of sub-block s, signed quants
// v-32 in V(q) and activations in V(y): acc += sc_s·Σ (v-32)·r with SDOT
// into V(t). Per super-block an int32 lane of V10 + V11 sums 64 products
// of at most 128·32·128 in magnitude: exact, but beyond 2²⁴ the conversion
// to float32 may round (by at most 2⁻²⁴ of the lane's magnitude, within
// VecDot's bound).
#define Q6KDOTDP(q, y, t, acc, s) \
	VZERO(t); \
	VSDOT(t, q, y); \
	VMLAE(acc, t, 23+(s)/4, (s)%4)

// Q6KDOTNEON: the same with SMULL, SMLAL2 (each int16 lane sums 2 products
// of at most 32·128) and SMLAL by the int16 scale in V8 or V9.
#define Q6KDOTNEON(q, y, t, acc, s) \
	VSMULL(t, q, y); \
	VSMLAL2(t, q, y); \
	VSMLALE(acc, t, 8+(s)/8, (s)%8); \
	VSMLAL2E(acc, t, 8+(s)/8, (s)%8)

// Q6KGROUP(LO, HI, DOT, s): group k of a chunk, 32 elements, sub-blocks s
// and s+1 (into V10 and V11). V31 = 32 bytes.
#define Q6KGROUP(LO, HI, DOT, s) \
	LO; \
	HI; \
	VORR   V14.B16, V12.B16, V12.B16; \
	VORR   V15.B16, V13.B16, V13.B16; \
	VSUB   V31.B16, V12.B16, V12.B16; \
	VSUB   V31.B16, V13.B16, V13.B16; \
	VLD1.P 32(R14), [V16.B16, V17.B16]; \
	DOT(12, 16, 14, 10, s); \
	DOT(13, 17, 15, 11, (s)+1)

// Q6KCHUNK(DOT, c): chunk c, 128 elements: ql[64c:64c+64] and qh[32c:32c+32].
#define Q6KCHUNK(DOT, c) \
	VLD1.P 64(R12), [V2.B16, V3.B16, V4.B16, V5.B16]; \
	VLD1.P 32(R13), [V6.B16, V7.B16]; \
	Q6KGROUP(Q6KLO0, Q6KHI0, DOT, 8*(c)+0); \
	Q6KGROUP(Q6KLO1, Q6KHI1, DOT, 8*(c)+2); \
	Q6KGROUP(Q6KLO2, Q6KHI2, DOT, 8*(c)+4); \
	Q6KGROUP(Q6KLO3, Q6KHI3, DOT, 8*(c)+6)

#define Q6KLOOP(DOT, loop, done) \
	PROLOGUE; \
	VMOVI $0x30, V29.B16; \
	VMOVI $0x0f, V30.B16; \
	VMOVI $0x20, V31.B16; \
	CBZ   R2, done; \
loop: \
	Q6KHEAD; \
	VZERO(10); \
	VZERO(11); \
	Q6KCHUNK(DOT, 0); \
	Q6KCHUNK(DOT, 1); \
	VADD  V11.S4, V10.S4, V10.S4; \
	VSCVTF(10, 10); \
	VFMLAE(0, 10, 28, 0); \
	ADD   $210, R0; \
	ADD   $292, R1; \
	SUB   $1, R2; \
	CBNZ  R2, loop; \
done:

// func dotQ6_KQ8_KDotProd(w, a []byte, nb int) float32
TEXT ·dotQ6_KQ8_KDotProd(SB), NOSPLIT, $0-60
	Q6KLOOP(Q6KDOTDP, q6kdLoop, q6kdDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// func dotQ6_KQ8_KNEON(w, a []byte, nb int) float32
TEXT ·dotQ6_KQ8_KNEON(SB), NOSPLIT, $0-60
	Q6KLOOP(Q6KDOTNEON, q6knLoop, q6knDone)
	SUM2
	FMOVS F0, ret+56(FP)
	RET

// ---------------------------------------------------------------- F16·F16

// The product of two halves is exact in float32 (11+11 significant bits)
// and in float64, so, as in the definition, only the float64 additions
// round; they are spread over four accumulators of 2 lanes.

// func dotF16NEON(w, a []byte, n int) float64
// n is a multiple of 16.
TEXT ·dotF16NEON(SB), NOSPLIT, $0-64
	MOVD w_base+0(FP), R0
	MOVD a_base+24(FP), R1
	MOVD n+48(FP), R2
	VZERO(0)
	VZERO(1)
	VZERO(2)
	VZERO(3)
	LSR  $4, R2
	CBZ  R2, f16nDone

f16nLoop:
	VLD1.P 32(R0), [V4.H8, V5.H8]
	VLD1.P 32(R1), [V6.H8, V7.H8]
	VFCVTL(16, 4)
	VFCVTL2(17, 4)
	VFCVTL(18, 5)
	VFCVTL2(19, 5)
	VFCVTL(20, 6)
	VFCVTL2(21, 6)
	VFCVTL(22, 7)
	VFCVTL2(23, 7)
	VFMULS(16, 16, 20)
	VFMULS(17, 17, 21)
	VFMULS(18, 18, 22)
	VFMULS(19, 19, 23)
	VFCVTLD(20, 16)
	VFCVTL2D(21, 16)
	VFCVTLD(22, 17)
	VFCVTL2D(23, 17)
	VFCVTLD(24, 18)
	VFCVTL2D(25, 18)
	VFCVTLD(26, 19)
	VFCVTL2D(27, 19)
	VFADDD(0, 0, 20)
	VFADDD(1, 1, 21)
	VFADDD(2, 2, 22)
	VFADDD(3, 3, 23)
	VFADDD(0, 0, 24)
	VFADDD(1, 1, 25)
	VFADDD(2, 2, 26)
	VFADDD(3, 3, 27)
	SUB    $1, R2
	CBNZ   R2, f16nLoop

f16nDone:
	VFADDD(0, 0, 1)
	VFADDD(2, 2, 3)
	VFADDD(0, 0, 2)
	FADDPD2(0, 0)
	FMOVD  F0, ret+56(FP)
	RET
