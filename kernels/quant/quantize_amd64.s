//go:build !purego

#include "textflag.h"

// The amd64 kernels of Quantize; quantize_amd64.go has their Go declarations
// and the definitions they equal. Every kernel reads its row block by block
// and writes nothing outside its dst.
//
// Rounding. The Q8_0 and Q8_1 definitions round x = v·(1/d) to the nearest
// integer with halfway cases away from zero. The kernels compute
// trunc(x + copysign(0.5-2⁻²⁵, x)) instead, which is the same for every
// float32 x: below 0.5 in magnitude the sum stays below 1; from 0.5 up, a
// fraction f < 0.5 gives a sum at least ulp(x) + 2⁻²⁵ below the next
// integer, which cannot round up to it, and f ≥ 0.5 gives a sum within 2⁻²⁵
// of the next integer or above it, which rounds to it (for x = 0.5 the tie
// 1-2⁻²⁵ rounds to even, 1). Since 1/d ≥ 0, x has the sign of v. The
// truncating conversion VCVTTPS2DQ does the trunc. Q8_K rounds halfway
// cases to even, which VCVTPS2DQ does under Go's MXCSR (round to nearest
// even). Out-of-range and NaN products give the integer indefinite
// 0x80000000 both here and in the definition (Go's float-to-int conversion
// on amd64 is CVTTSD2SL), and the low byte of each int32 is stored, as the
// definition's byte(int8(q)) does: VPMOVDB truncates, and the AVX2 kernels
// mask each int32 to its low byte before the unsigned-saturating packs.
//
// Maxima. The maximum magnitude of a block is taken on the bit patterns
// with the sign cleared (VPMAXUD): for non-negative floats the integer
// order is the float order, and NaNs compare above +Inf, so a block whose
// maximum is 0x7f800000 or more holds a NaN or an Inf and the kernel
// returns false. For finite inputs the maximum does not depend on the
// order of comparisons. Q8_K also needs the sign of the first element of
// largest magnitude: a signed integer maximum (VPMAXSD, from 0) over the
// raw bits gives the largest non-negative element, an unsigned one
// (VPMAXUD) the largest-magnitude negative one if there is any; only when
// the two magnitudes are equal does the kernel search for the first.

DATA qAbs<>+0(SB)/4, $0x7fffffff
GLOBL qAbs<>(SB), RODATA|NOPTR, $4

DATA qSign<>+0(SB)/4, $0x80000000
GLOBL qSign<>(SB), RODATA|NOPTR, $4

// 0.5-2⁻²⁵, the largest float32 below one half.
DATA qHalf<>+0(SB)/4, $0x3effffff
GLOBL qHalf<>(SB), RODATA|NOPTR, $4

DATA q127f<>+0(SB)/4, $0x42fe0000
GLOBL q127f<>(SB), RODATA|NOPTR, $4

DATA qNeg127f<>+0(SB)/4, $0xc2fe0000
GLOBL qNeg127f<>(SB), RODATA|NOPTR, $4

DATA qOnef<>+0(SB)/4, $0x3f800000
GLOBL qOnef<>(SB), RODATA|NOPTR, $4

DATA q127i<>+0(SB)/4, $127
GLOBL q127i<>(SB), RODATA|NOPTR, $4

DATA qLowByte<>+0(SB)/4, $0x000000ff
GLOBL qLowByte<>(SB), RODATA|NOPTR, $4

DATA qBytes80<>+0(SB)/4, $0x80808080
GLOBL qBytes80<>(SB), RODATA|NOPTR, $4

DATA qBytes01<>+0(SB)/4, $0x01010101
GLOBL qBytes01<>(SB), RODATA|NOPTR, $4

DATA qWords01<>+0(SB)/4, $0x00010001
GLOBL qWords01<>(SB), RODATA|NOPTR, $4

DATA qWords2048<>+0(SB)/4, $0x08000800
GLOBL qWords2048<>(SB), RODATA|NOPTR, $4

// Dword order that undoes the lane interleaving of VPACKUSDW + VPACKUSWB.
DATA qPackPerm<>+0(SB)/8, $0x0000000400000000
DATA qPackPerm<>+8(SB)/8, $0x0000000500000001
DATA qPackPerm<>+16(SB)/8, $0x0000000600000002
DATA qPackPerm<>+24(SB)/8, $0x0000000700000003
GLOBL qPackPerm<>(SB), RODATA|NOPTR, $32

// Qwords 0, 2, 4, 6 of the first and of the second VPERMT2Q table.
DATA qEvenQwords<>+0(SB)/8, $0
DATA qEvenQwords<>+8(SB)/8, $2
DATA qEvenQwords<>+16(SB)/8, $4
DATA qEvenQwords<>+24(SB)/8, $6
DATA qEvenQwords<>+32(SB)/8, $8
DATA qEvenQwords<>+40(SB)/8, $10
DATA qEvenQwords<>+48(SB)/8, $12
DATA qEvenQwords<>+56(SB)/8, $14
GLOBL qEvenQwords<>(SB), RODATA|NOPTR, $64

// Per 128-bit lane, words a0 a1 a2 a3 b0 b1 b2 b3 to a0 b0 a1 b1 a2 b2 a3 b3.
DATA qInterleaveW<>+0(SB)/8, $0x0b0a030209080100
DATA qInterleaveW<>+8(SB)/8, $0x0f0e07060d0c0504
DATA qInterleaveW<>+16(SB)/8, $0x0b0a030209080100
DATA qInterleaveW<>+24(SB)/8, $0x0f0e07060d0c0504
GLOBL qInterleaveW<>(SB), RODATA|NOPTR, $32

// ---------------------------------------------------------------- F16

// func quantF16AVX512(src []float32, dst []byte)
TEXT ·quantF16AVX512(SB), NOSPLIT, $0-48
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $4, CX
	JZ   f16z_done

f16z_loop4:
	CMPQ      CX, $4
	JB        f16z_loop1
	VMOVUPS   (SI), Z0
	VMOVUPS   64(SI), Z1
	VMOVUPS   128(SI), Z2
	VMOVUPS   192(SI), Z3
	VCVTPS2PH $0, Z0, Y0
	VCVTPS2PH $0, Z1, Y1
	VCVTPS2PH $0, Z2, Y2
	VCVTPS2PH $0, Z3, Y3
	VMOVDQU   Y0, (DI)
	VMOVDQU   Y1, 32(DI)
	VMOVDQU   Y2, 64(DI)
	VMOVDQU   Y3, 96(DI)
	ADDQ      $256, SI
	ADDQ      $128, DI
	SUBQ      $4, CX
	JMP       f16z_loop4

f16z_loop1:
	TESTQ     CX, CX
	JZ        f16z_done
	VMOVUPS   (SI), Z0
	VCVTPS2PH $0, Z0, Y0
	VMOVDQU   Y0, (DI)
	ADDQ      $64, SI
	ADDQ      $32, DI
	DECQ      CX
	JMP       f16z_loop1

f16z_done:
	VZEROUPPER
	RET

// func quantF16AVX2(src []float32, dst []byte)
TEXT ·quantF16AVX2(SB), NOSPLIT, $0-48
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $4, CX
	JZ   f16y_done

f16y_loop:
	VMOVUPS   (SI), Y0
	VMOVUPS   32(SI), Y1
	VCVTPS2PH $0, Y0, X0
	VCVTPS2PH $0, Y1, X1
	VMOVDQU   X0, (DI)
	VMOVDQU   X1, 16(DI)
	ADDQ      $64, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       f16y_loop

f16y_done:
	VZEROUPPER
	RET

// ---------------------------------------------------------------- Q8_0, Q8_1 (AVX-512)

// Z31 |x| mask, Z30 sign mask, Z29 0.5-2⁻²⁵, X15 127.0, X14 1.0, X13 0.
#define Q8Z_SETUP \
	VPBROADCASTD qAbs<>(SB), Z31; \
	VPBROADCASTD qSign<>(SB), Z30; \
	VPBROADCASTD qHalf<>(SB), Z29; \
	VMOVSS       q127f<>(SB), X15; \
	VMOVSS       qOnef<>(SB), X14; \
	VXORPS       X13, X13, X13

// Q8Z_SCALE loads the block at SI into Z0, Z1, stores f16(d) at 0(DI),
// leaves d in X4 and 1/d (0 for d = 0) in every lane of Z6, and jumps to
// fail if the block holds a NaN or an Inf.
#define Q8Z_SCALE(fail) \
	VMOVUPS       (SI), Z0; \
	VMOVUPS       64(SI), Z1; \
	VPANDD        Z31, Z0, Z2; \
	VPANDD        Z31, Z1, Z3; \
	VPMAXUD       Z3, Z2, Z2; \
	VEXTRACTI64X4 $1, Z2, Y3; \
	VPMAXUD       Y3, Y2, Y2; \
	VEXTRACTI128  $1, Y2, X3; \
	VPMAXUD       X3, X2, X2; \
	VPSHUFD       $0x4e, X2, X3; \
	VPMAXUD       X3, X2, X2; \
	VPSHUFD       $0xb1, X2, X3; \
	VPMAXUD       X3, X2, X2; \
	VMOVD         X2, AX; \
	CMPL          AX, $0x7f800000; \
	JAE           fail; \
	VDIVSS        X15, X2, X4; \
	VCVTPS2PH     $0, X4, X5; \
	VMOVD         X5, AX; \
	MOVW          AX, (DI); \
	VDIVSS        X4, X14, X6; \
	VCMPSS        $4, X13, X4, X7; \
	VANDPS        X7, X6, X6; \
	VBROADCASTSS  X6, Z6

// Q8Z_ROUND leaves the rounded quants of the block as int32 in Z2, Z3.
#define Q8Z_ROUND \
	VMULPS     Z6, Z0, Z2; \
	VMULPS     Z6, Z1, Z3; \
	VPTERNLOGD $0xea, Z29, Z30, Z0; \
	VPTERNLOGD $0xea, Z29, Z30, Z1; \
	VADDPS     Z0, Z2, Z2; \
	VADDPS     Z1, Z3, Z3; \
	VCVTTPS2DQ Z2, Z2; \
	VCVTTPS2DQ Z3, Z3

// Q8Z_STORE stores the low bytes of the int32 quants in Z2, Z3 at off(DI).
// (VPMOVDB to memory is slow on AMD's cores.)
#define Q8Z_STORE(off) \
	VPMOVDB      Z2, X8; \
	VPMOVDB      Z3, X9; \
	VINSERTI128  $1, X9, Y8, Y8; \
	VMOVDQU      Y8, off(DI)

// The AVX-512 Q8_0 and Q8_1 kernels take four blocks at a time: their
// maxima are reduced together so that one VDIVPS computes four scales and
// one VCVTPS2PH converts them. Instead of a test per block, the maxima are
// folded into Z28, which is checked for NaN and Inf at the end. Z27 127.0,
// Z26 1.0, Z25 0 in every lane.
#define Q8Z4_SETUP \
	Q8Z_SETUP; \
	VPBROADCASTD q127f<>(SB), Z27; \
	VPBROADCASTD qOnef<>(SB), Z26; \
	VPXORD       Z25, Z25, Z25; \
	VPXORD       Z28, Z28, Z28

// Q8Z4_SCALE loads four blocks at SI into Z0..Z7 and leaves in 128-bit lane
// k of Z24 block k's d and of Z23 its 1/d (0 for d = 0); it stores f16(d)
// at k·bs(DI).
#define Q8Z4_SCALE(bs) \
	VMOVUPS    (SI), Z0; \
	VMOVUPS    64(SI), Z1; \
	VMOVUPS    128(SI), Z2; \
	VMOVUPS    192(SI), Z3; \
	VMOVUPS    256(SI), Z4; \
	VMOVUPS    320(SI), Z5; \
	VMOVUPS    384(SI), Z6; \
	VMOVUPS    448(SI), Z7; \
	VPANDD     Z31, Z0, Z8; \
	VPANDD     Z31, Z1, Z12; \
	VPMAXUD    Z12, Z8, Z8; \
	VPANDD     Z31, Z2, Z9; \
	VPANDD     Z31, Z3, Z12; \
	VPMAXUD    Z12, Z9, Z9; \
	VPANDD     Z31, Z4, Z10; \
	VPANDD     Z31, Z5, Z12; \
	VPMAXUD    Z12, Z10, Z10; \
	VPANDD     Z31, Z6, Z11; \
	VPANDD     Z31, Z7, Z12; \
	VPMAXUD    Z12, Z11, Z11; \
	VSHUFI64X2 $0x44, Z9, Z8, Z12; \
	VSHUFI64X2 $0xee, Z9, Z8, Z16; \
	VPMAXUD    Z16, Z12, Z8; \
	VSHUFI64X2 $0x44, Z11, Z10, Z12; \
	VSHUFI64X2 $0xee, Z11, Z10, Z16; \
	VPMAXUD    Z16, Z12, Z10; \
	VSHUFI64X2 $0x88, Z10, Z8, Z12; \
	VSHUFI64X2 $0xdd, Z10, Z8, Z16; \
	VPMAXUD    Z16, Z12, Z8; \
	VPSHUFD    $0x4e, Z8, Z12; \
	VPMAXUD    Z12, Z8, Z8; \
	VPSHUFD    $0xb1, Z8, Z12; \
	VPMAXUD    Z12, Z8, Z8; \
	VPMAXUD    Z8, Z28, Z28; \
	VDIVPS     Z27, Z8, Z24; \
	VCMPPS     $4, Z25, Z24, K1; \
	VDIVPS.Z   Z24, Z26, K1, Z23; \
	VCVTPS2PH  $0, Z24, Y12; \
	VPMOVQW    Y12, X12; \
	VMOVQ      X12, AX; \
	MOVW       AX, (DI); \
	SHRQ       $16, AX; \
	MOVW       AX, (bs)(DI); \
	SHRQ       $16, AX; \
	MOVW       AX, (2*bs)(DI); \
	SHRQ       $16, AX; \
	MOVW       AX, (3*bs)(DI)

// Q8Z4_ROUND rounds block k, in za and zb, to int32 quants in za, zb and
// stores their low bytes at off(DI).
#define Q8Z4_ROUND(k, za, zb, off) \
	VSHUFF32X4   $(k*0x55), Z23, Z23, Z16; \
	VMULPS       Z16, za, Z17; \
	VMULPS       Z16, zb, Z18; \
	VPTERNLOGD   $0xea, Z29, Z30, za; \
	VPTERNLOGD   $0xea, Z29, Z30, zb; \
	VADDPS       za, Z17, za; \
	VADDPS       zb, Z18, zb; \
	VCVTTPS2DQ   za, za; \
	VCVTTPS2DQ   zb, zb; \
	VPMOVDB      za, X17; \
	VPMOVDB      zb, X18; \
	VINSERTI32X4 $1, X18, Y17, Y17; \
	VMOVDQU32    Y17, (off)(DI)

// Q8Z4_CHECK jumps to fail if any block had a NaN or an Inf.
#define Q8Z4_CHECK(fail) \
	VEXTRACTI64X4 $1, Z28, Y8; \
	VPMAXUD       Y8, Y28, Y8; \
	VEXTRACTI128  $1, Y8, X9; \
	VPMAXUD       X9, X8, X8; \
	VPSHUFD       $0x4e, X8, X9; \
	VPMAXUD       X9, X8, X8; \
	VPSHUFD       $0xb1, X8, X9; \
	VPMAXUD       X9, X8, X8; \
	VMOVD         X8, AX; \
	CMPL          AX, $0x7f800000; \
	JAE           fail

// func quantQ8_0AVX512(src []float32, dst []byte) bool
TEXT ·quantQ8_0AVX512(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $5, CX
	JZ   q80z_ok
	Q8Z4_SETUP

q80z_loop4:
	CMPQ CX, $4
	JB   q80z_loop1
	Q8Z4_SCALE(34)
	Q8Z4_ROUND(0, Z0, Z1, 2)
	Q8Z4_ROUND(1, Z2, Z3, 36)
	Q8Z4_ROUND(2, Z4, Z5, 70)
	Q8Z4_ROUND(3, Z6, Z7, 104)
	ADDQ $512, SI
	ADDQ $136, DI
	SUBQ $4, CX
	JMP  q80z_loop4

q80z_loop1:
	TESTQ CX, CX
	JZ    q80z_check
	Q8Z_SCALE(q80z_fail)
	Q8Z_ROUND
	Q8Z_STORE(2)
	ADDQ  $128, SI
	ADDQ  $34, DI
	DECQ  CX
	JMP   q80z_loop1

q80z_check:
	Q8Z4_CHECK(q80z_fail)

q80z_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q80z_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET

// Q8Z4_SUMS reduces the int32 quants of the four blocks, Z19 (block 0) to
// Z22 (block 3), to Σq in 128-bit lane k of Z19 for block k (wrapping in
// int32 as in the definition), and stores f16(float32(Σq)·d) at
// 2+k·36(DI).
#define Q8Z4_SUMS \
	VSHUFI64X2 $0x44, Z20, Z19, Z12; \
	VSHUFI64X2 $0xee, Z20, Z19, Z16; \
	VPADDD     Z16, Z12, Z19; \
	VSHUFI64X2 $0x44, Z22, Z21, Z12; \
	VSHUFI64X2 $0xee, Z22, Z21, Z16; \
	VPADDD     Z16, Z12, Z21; \
	VSHUFI64X2 $0x88, Z21, Z19, Z12; \
	VSHUFI64X2 $0xdd, Z21, Z19, Z16; \
	VPADDD     Z16, Z12, Z19; \
	VPSHUFD    $0x4e, Z19, Z12; \
	VPADDD     Z12, Z19, Z19; \
	VPSHUFD    $0xb1, Z19, Z12; \
	VPADDD     Z12, Z19, Z19; \
	VCVTDQ2PS  Z19, Z19; \
	VMULPS     Z24, Z19, Z19; \
	VCVTPS2PH  $0, Z19, Y12; \
	VPMOVQW    Y12, X12; \
	VMOVQ      X12, AX; \
	MOVW       AX, 2(DI); \
	SHRQ       $16, AX; \
	MOVW       AX, 38(DI); \
	SHRQ       $16, AX; \
	MOVW       AX, 74(DI); \
	SHRQ       $16, AX; \
	MOVW       AX, 110(DI)

// func quantQ8_1AVX512(src []float32, dst []byte) bool
TEXT ·quantQ8_1AVX512(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $5, CX
	JZ   q81z_ok
	Q8Z4_SETUP

q81z_loop4:
	CMPQ CX, $4
	JB   q81z_loop1
	Q8Z4_SCALE(36)
	Q8Z4_ROUND(0, Z0, Z1, 4)
	Q8Z4_ROUND(1, Z2, Z3, 40)
	Q8Z4_ROUND(2, Z4, Z5, 76)
	Q8Z4_ROUND(3, Z6, Z7, 112)
	VPADDD Z1, Z0, Z19
	VPADDD Z3, Z2, Z20
	VPADDD Z5, Z4, Z21
	VPADDD Z7, Z6, Z22
	Q8Z4_SUMS
	ADDQ   $512, SI
	ADDQ   $144, DI
	SUBQ   $4, CX
	JMP    q81z_loop4

q81z_loop1:
	TESTQ CX, CX
	JZ    q81z_check
	Q8Z_SCALE(q81z_fail)
	Q8Z_ROUND
	Q8Z_STORE(4)
	// s = f16(float32(Σq)·d), Σq wrapping in int32 as in the definition.
	VPADDD        Z3, Z2, Z2
	VEXTRACTI64X4 $1, Z2, Y3
	VPADDD        Y3, Y2, Y2
	VEXTRACTI128  $1, Y2, X3
	VPADDD        X3, X2, X2
	VPSHUFD       $0x4e, X2, X3
	VPADDD        X3, X2, X2
	VPSHUFD       $0xb1, X2, X3
	VPADDD        X3, X2, X2
	VCVTDQ2PS     X2, X2
	VMULSS        X4, X2, X2
	VCVTPS2PH     $0, X2, X2
	VMOVD         X2, AX
	MOVW          AX, 2(DI)
	ADDQ          $128, SI
	ADDQ          $36, DI
	DECQ          CX
	JMP           q81z_loop1

q81z_check:
	Q8Z4_CHECK(q81z_fail)

q81z_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q81z_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET

// ---------------------------------------------------------------- Q8_0, Q8_1 (AVX2)

// Y15 |x| mask, Y14 sign mask, Y13 0.5-2⁻²⁵, Y12 0xff per dword, Y11
// qPackPerm, X10 127.0, X9 1.0, X8 0.
#define Q8Y_SETUP \
	VPBROADCASTD qAbs<>(SB), Y15; \
	VPBROADCASTD qSign<>(SB), Y14; \
	VPBROADCASTD qHalf<>(SB), Y13; \
	VPBROADCASTD qLowByte<>(SB), Y12; \
	VMOVDQU      qPackPerm<>(SB), Y11; \
	VMOVSS       q127f<>(SB), X10; \
	VMOVSS       qOnef<>(SB), X9; \
	VXORPS       X8, X8, X8

// Q8Y_SCALE loads the block at SI into Y0..Y3, stores f16(d) at 0(DI),
// leaves d in X7 and 1/d (0 for d = 0) in every lane of Y6, and jumps to
// fail if the block holds a NaN or an Inf.
#define Q8Y_SCALE(fail) \
	VMOVUPS      (SI), Y0; \
	VMOVUPS      32(SI), Y1; \
	VMOVUPS      64(SI), Y2; \
	VMOVUPS      96(SI), Y3; \
	VPAND        Y15, Y0, Y4; \
	VPAND        Y15, Y1, Y5; \
	VPAND        Y15, Y2, Y6; \
	VPAND        Y15, Y3, Y7; \
	VPMAXUD      Y5, Y4, Y4; \
	VPMAXUD      Y7, Y6, Y6; \
	VPMAXUD      Y6, Y4, Y4; \
	VEXTRACTI128 $1, Y4, X5; \
	VPMAXUD      X5, X4, X4; \
	VPSHUFD      $0x4e, X4, X5; \
	VPMAXUD      X5, X4, X4; \
	VPSHUFD      $0xb1, X4, X5; \
	VPMAXUD      X5, X4, X4; \
	VMOVD        X4, AX; \
	CMPL         AX, $0x7f800000; \
	JAE          fail; \
	VDIVSS       X10, X4, X7; \
	VCVTPS2PH    $0, X7, X5; \
	VMOVD        X5, AX; \
	MOVW         AX, (DI); \
	VDIVSS       X7, X9, X6; \
	VCMPSS       $4, X8, X7, X5; \
	VANDPS       X5, X6, X6; \
	VBROADCASTSS X6, Y6

// Q8Y_ROUND1 rounds the 8 elements in y to int32 in place (t a temporary).
#define Q8Y_ROUND1(y, t) \
	VMULPS     Y6, y, t; \
	VANDPS     Y14, y, y; \
	VORPS      Y13, y, y; \
	VADDPS     y, t, y; \
	VCVTTPS2DQ y, y

// Q8Y_PACK stores the low bytes of the int32 quants in Y0..Y3 at off(DI).
#define Q8Y_PACK(off) \
	VPAND     Y12, Y0, Y0; \
	VPAND     Y12, Y1, Y1; \
	VPAND     Y12, Y2, Y2; \
	VPAND     Y12, Y3, Y3; \
	VPACKUSDW Y1, Y0, Y0; \
	VPACKUSDW Y3, Y2, Y2; \
	VPACKUSWB Y2, Y0, Y0; \
	VPERMD    Y0, Y11, Y0; \
	VMOVDQU   Y0, off(DI)

// func quantQ8_0AVX2(src []float32, dst []byte) bool
TEXT ·quantQ8_0AVX2(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $5, CX
	JZ   q80y_ok
	Q8Y_SETUP

q80y_loop:
	Q8Y_SCALE(q80y_fail)
	Q8Y_ROUND1(Y0, Y4)
	Q8Y_ROUND1(Y1, Y5)
	Q8Y_ROUND1(Y2, Y4)
	Q8Y_ROUND1(Y3, Y5)
	Q8Y_PACK(2)
	ADDQ $128, SI
	ADDQ $34, DI
	DECQ CX
	JNZ  q80y_loop

q80y_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q80y_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET

// func quantQ8_1AVX2(src []float32, dst []byte) bool
TEXT ·quantQ8_1AVX2(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $5, CX
	JZ   q81y_ok
	Q8Y_SETUP

q81y_loop:
	Q8Y_SCALE(q81y_fail)
	Q8Y_ROUND1(Y0, Y4)
	Q8Y_ROUND1(Y1, Y5)
	Q8Y_ROUND1(Y2, Y4)
	Q8Y_ROUND1(Y3, Y5)
	// s = f16(float32(Σq)·d), Σq wrapping in int32 as in the definition.
	VPADDD       Y1, Y0, Y4
	VPADDD       Y3, Y2, Y5
	VPADDD       Y5, Y4, Y4
	VEXTRACTI128 $1, Y4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0x4e, X4, X5
	VPADDD       X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPADDD       X5, X4, X4
	VCVTDQ2PS    X4, X4
	VMULSS       X7, X4, X4
	VCVTPS2PH    $0, X4, X4
	VMOVD        X4, AX
	MOVW         AX, 2(DI)
	Q8Y_PACK(4)
	ADDQ         $128, SI
	ADDQ         $36, DI
	DECQ         CX
	JNZ          q81y_loop

q81y_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q81y_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET

// ---------------------------------------------------------------- Q8_K (AVX-512)

// Q8KZ_MAX2 folds 32 elements at off(SI) into the signed maxima Z20, Z21
// and the unsigned maxima Z22, Z23 of the raw bits.
#define Q8KZ_MAX2(off) \
	VMOVDQU32 (off)(SI), Z4; \
	VMOVDQU32 (off+64)(SI), Z5; \
	VPMAXSD   Z4, Z20, Z20; \
	VPMAXSD   Z5, Z21, Z21; \
	VPMAXUD   Z4, Z22, Z22; \
	VPMAXUD   Z5, Z23, Z23

// Q8KZ_GROUP rounds the 16 elements at off(SI) and puts their quants in
// 128-bit lane lane of b.
#define Q8KZ_GROUP(off, lane, b) \
	VMULPS       (off)(SI), Z1, Z2; \
	VCVTPS2DQ    Z2, Z2; \
	VPMINSD      Z28, Z2, Z2; \
	VPMOVDB      Z2, X3; \
	VINSERTI32X4 $lane, X3, b, b

// Q8KZ_SUMS leaves in qword 0 of each 128-bit lane of t the sum of that
// lane's 16 quants in b, plus 2048 (the quants biased by 128).
#define Q8KZ_SUMS(b, t) \
	VPXORD  Z29, b, t; \
	VPSADBW Z26, t, t; \
	VPSRLDQ $8, t, Z8; \
	VPADDQ  Z8, t, t

// func quantQ8_KAVX512(src []float32, dst []byte) bool
TEXT ·quantQ8_KAVX512(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $8, CX
	JZ   q8kz_ok
	VPBROADCASTD qAbs<>(SB), Z31
	VPBROADCASTD q127i<>(SB), Z28
	VPBROADCASTD qBytes80<>(SB), Z29
	VMOVDQU64    qEvenQwords<>(SB), Z30
	VPBROADCASTD qWords2048<>(SB), X27
	VPXORD       Z26, Z26, Z26
	VMOVSS       qNeg127f<>(SB), X15
	VMOVSS       qOnef<>(SB), X14

q8kz_loop:
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	Q8KZ_MAX2(0)
	Q8KZ_MAX2(128)
	Q8KZ_MAX2(256)
	Q8KZ_MAX2(384)
	Q8KZ_MAX2(512)
	Q8KZ_MAX2(640)
	Q8KZ_MAX2(768)
	Q8KZ_MAX2(896)
	VPMAXSD       Z21, Z20, Z20
	VEXTRACTI64X4 $1, Z20, Y4
	VPMAXSD       Y4, Y20, Y20
	VEXTRACTI32X4 $1, Y20, X4
	VPMAXSD       X4, X20, X20
	VPSHUFD       $0x4e, X20, X4
	VPMAXSD       X4, X20, X20
	VPSHUFD       $0xb1, X20, X4
	VPMAXSD       X4, X20, X20
	VMOVD         X20, AX
	VPMAXUD       Z23, Z22, Z22
	VEXTRACTI64X4 $1, Z22, Y4
	VPMAXUD       Y4, Y22, Y22
	VEXTRACTI32X4 $1, Y22, X4
	VPMAXUD       X4, X22, X22
	VPSHUFD       $0x4e, X22, X4
	VPMAXUD       X4, X22, X22
	VPSHUFD       $0xb1, X22, X4
	VPMAXUD       X4, X22, X22
	VMOVD         X22, BX

	// AX: the largest non-negative element's bits (0 if none); BX: the
	// largest magnitude of a negative element (0 if none).
	MOVL BX, DX
	ANDL $0x7fffffff, BX
	SARL $31, DX
	ANDL DX, BX
	CMPL AX, $0x7f800000
	JAE  q8kz_fail
	CMPL BX, $0x7f800000
	JAE  q8kz_fail
	CMPL AX, BX
	JA   q8kz_have
	JB   q8kz_neg
	TESTL AX, AX
	JZ   q8kz_zero

	// Both signs reach the largest magnitude: take the first such element.
	VPBROADCASTD AX, Z5
	MOVQ         SI, R8

q8kz_scan:
	VPANDD   (R8), Z31, Z6
	VPCMPEQD Z5, Z6, K1
	KMOVW    K1, DX
	TESTL    DX, DX
	JNZ      q8kz_found
	ADDQ     $64, R8
	JMP      q8kz_scan

q8kz_found:
	BSFL DX, DX
	MOVL (R8)(DX*4), AX
	JMP  q8kz_have

q8kz_neg:
	MOVL BX, AX
	ORL  $0x80000000, AX

q8kz_have:
	// AX: m. iscale = -127/m in every lane of Z1; d = 1/iscale.
	VMOVD        AX, X0
	VDIVSS       X0, X15, X1
	VDIVSS       X1, X14, X2
	VMOVSS       X2, (DI)
	VBROADCASTSS X1, Z1
	Q8KZ_GROUP(0, 0, Z16)
	Q8KZ_GROUP(64, 1, Z16)
	Q8KZ_GROUP(128, 2, Z16)
	Q8KZ_GROUP(192, 3, Z16)
	Q8KZ_GROUP(256, 0, Z17)
	Q8KZ_GROUP(320, 1, Z17)
	Q8KZ_GROUP(384, 2, Z17)
	Q8KZ_GROUP(448, 3, Z17)
	Q8KZ_GROUP(512, 0, Z18)
	Q8KZ_GROUP(576, 1, Z18)
	Q8KZ_GROUP(640, 2, Z18)
	Q8KZ_GROUP(704, 3, Z18)
	Q8KZ_GROUP(768, 0, Z19)
	Q8KZ_GROUP(832, 1, Z19)
	Q8KZ_GROUP(896, 2, Z19)
	Q8KZ_GROUP(960, 3, Z19)
	VMOVDQU64 Z16, 4(DI)
	VMOVDQU64 Z17, 68(DI)
	VMOVDQU64 Z18, 132(DI)
	VMOVDQU64 Z19, 196(DI)
	Q8KZ_SUMS(Z16, Z4)
	Q8KZ_SUMS(Z17, Z5)
	Q8KZ_SUMS(Z18, Z6)
	Q8KZ_SUMS(Z19, Z7)
	VPERMT2Q  Z5, Z30, Z4
	VPERMT2Q  Z7, Z30, Z6
	VPMOVQW   Z4, X4
	VPMOVQW   Z6, X6
	VPSUBW    X27, X4, X4
	VPSUBW    X27, X6, X6
	VMOVDQU   X4, 260(DI)
	VMOVDQU   X6, 276(DI)

q8kz_next:
	ADDQ $1024, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q8kz_loop

q8kz_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q8kz_zero:
	// An all-zero block: d, quants and sums are all 0.
	VMOVDQU64 Z26, (DI)
	VMOVDQU64 Z26, 64(DI)
	VMOVDQU64 Z26, 128(DI)
	VMOVDQU64 Z26, 192(DI)
	VMOVDQU64 Y26, 256(DI)
	MOVL      $0, 288(DI)
	JMP       q8kz_next

q8kz_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET

// ---------------------------------------------------------------- Q8_K (AVX2)

// Q8KY_CHUNK rounds the 32 elements at off(SI), stores their quants at
// qoff(DI) and leaves in d the sums of 4 quants each: lanes 0..3 those of
// the first 16, lanes 4..7 those of the second.
#define Q8KY_CHUNK(off, qoff, d) \
	VMULPS      (off)(SI), Y15, Y4; \
	VMULPS      (off+32)(SI), Y15, Y5; \
	VMULPS      (off+64)(SI), Y15, Y6; \
	VMULPS      (off+96)(SI), Y15, Y7; \
	VCVTPS2DQ   Y4, Y4; \
	VCVTPS2DQ   Y5, Y5; \
	VCVTPS2DQ   Y6, Y6; \
	VCVTPS2DQ   Y7, Y7; \
	VPMINSD     Y14, Y4, Y4; \
	VPMINSD     Y14, Y5, Y5; \
	VPMINSD     Y14, Y6, Y6; \
	VPMINSD     Y14, Y7, Y7; \
	VPAND       Y13, Y4, Y4; \
	VPAND       Y13, Y5, Y5; \
	VPAND       Y13, Y6, Y6; \
	VPAND       Y13, Y7, Y7; \
	VPACKUSDW   Y5, Y4, Y4; \
	VPACKUSDW   Y7, Y6, Y6; \
	VPACKUSWB   Y6, Y4, Y4; \
	VPERMD      Y4, Y12, Y4; \
	VMOVDQU     Y4, (qoff)(DI); \
	VPMADDUBSW  Y4, Y11, Y4; \
	VPMADDWD    Y10, Y4, d

// func quantQ8_KAVX2(src []float32, dst []byte) bool
TEXT ·quantQ8_KAVX2(SB), NOSPLIT, $0-49
	MOVQ src_base+0(FP), SI
	MOVQ src_len+8(FP), CX
	MOVQ dst_base+24(FP), DI
	SHRQ $8, CX
	JZ   q8ky_ok
	VPBROADCASTD q127i<>(SB), Y14
	VPBROADCASTD qLowByte<>(SB), Y13
	VMOVDQU      qPackPerm<>(SB), Y12
	VPBROADCASTD qBytes01<>(SB), Y11
	VPBROADCASTD qWords01<>(SB), Y10

q8ky_loop:
	// Signed maxima Y0, Y1 and unsigned maxima Y2, Y3 of the raw bits.
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	MOVQ  SI, R8
	MOVL  $8, DX

q8ky_max:
	VMOVDQU (R8), Y4
	VMOVDQU 32(R8), Y5
	VMOVDQU 64(R8), Y6
	VMOVDQU 96(R8), Y7
	VPMAXSD Y4, Y0, Y0
	VPMAXSD Y5, Y1, Y1
	VPMAXUD Y4, Y2, Y2
	VPMAXUD Y5, Y3, Y3
	VPMAXSD Y6, Y0, Y0
	VPMAXSD Y7, Y1, Y1
	VPMAXUD Y6, Y2, Y2
	VPMAXUD Y7, Y3, Y3
	ADDQ    $128, R8
	DECL    DX
	JNZ     q8ky_max

	VPMAXSD      Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPMAXSD      X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPMAXSD      X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPMAXSD      X1, X0, X0
	VMOVD        X0, AX
	VPMAXUD      Y3, Y2, Y2
	VEXTRACTI128 $1, Y2, X3
	VPMAXUD      X3, X2, X2
	VPSHUFD      $0x4e, X2, X3
	VPMAXUD      X3, X2, X2
	VPSHUFD      $0xb1, X2, X3
	VPMAXUD      X3, X2, X2
	VMOVD        X2, BX

	// As in quantQ8_KAVX512.
	MOVL BX, DX
	ANDL $0x7fffffff, BX
	SARL $31, DX
	ANDL DX, BX
	CMPL AX, $0x7f800000
	JAE  q8ky_fail
	CMPL BX, $0x7f800000
	JAE  q8ky_fail
	CMPL AX, BX
	JA   q8ky_have
	JB   q8ky_neg
	TESTL AX, AX
	JZ   q8ky_zero

	VMOVD        AX, X5
	VPBROADCASTD X5, Y5
	VPBROADCASTD qAbs<>(SB), Y7
	MOVQ         SI, R8

q8ky_scan:
	VPAND     (R8), Y7, Y6
	VPCMPEQD  Y5, Y6, Y6
	VMOVMSKPS Y6, DX
	TESTL     DX, DX
	JNZ       q8ky_found
	ADDQ      $32, R8
	JMP       q8ky_scan

q8ky_found:
	BSFL DX, DX
	MOVL (R8)(DX*4), AX
	JMP  q8ky_have

q8ky_neg:
	MOVL BX, AX
	ORL  $0x80000000, AX

q8ky_have:
	VMOVD        AX, X0
	VMOVSS       qNeg127f<>(SB), X1
	VDIVSS       X0, X1, X1
	VMOVSS       qOnef<>(SB), X2
	VDIVSS       X1, X2, X2
	VMOVSS       X2, (DI)
	VBROADCASTSS X1, Y15
	Q8KY_CHUNK(0, 4, Y0)
	Q8KY_CHUNK(128, 36, Y1)
	Q8KY_CHUNK(256, 68, Y2)
	Q8KY_CHUNK(384, 100, Y3)
	VPHADDD Y1, Y0, Y0
	VPHADDD Y3, Y2, Y2
	VPHADDD Y2, Y0, Y8
	Q8KY_CHUNK(512, 132, Y0)
	Q8KY_CHUNK(640, 164, Y1)
	Q8KY_CHUNK(768, 196, Y2)
	Q8KY_CHUNK(896, 228, Y3)
	VPHADDD   Y1, Y0, Y0
	VPHADDD   Y3, Y2, Y2
	VPHADDD   Y2, Y0, Y9
	// Y8: sums 0 2 4 6 | 1 3 5 7, Y9: 8 10 12 14 | 9 11 13 15.
	VPACKSSDW Y9, Y8, Y8
	VPERMQ    $0xd8, Y8, Y8
	VPSHUFB   qInterleaveW<>(SB), Y8, Y8
	VMOVDQU   Y8, 260(DI)

q8ky_next:
	ADDQ $1024, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q8ky_loop

q8ky_ok:
	VZEROUPPER
	MOVB $1, ret+48(FP)
	RET

q8ky_zero:
	VPXOR   Y4, Y4, Y4
	VMOVDQU Y4, (DI)
	VMOVDQU Y4, 32(DI)
	VMOVDQU Y4, 64(DI)
	VMOVDQU Y4, 96(DI)
	VMOVDQU Y4, 128(DI)
	VMOVDQU Y4, 160(DI)
	VMOVDQU Y4, 192(DI)
	VMOVDQU Y4, 224(DI)
	VMOVDQU Y4, 256(DI)
	MOVL    $0, 288(DI)
	JMP     q8ky_next

q8ky_fail:
	VZEROUPPER
	MOVB $0, ret+48(FP)
	RET
