//go:build !purego

#include "textflag.h"

// The amd64 attention kernels and F16 conversions; attn_amd64.go has their
// Go declarations and attn_generic.go the definitions they approximate (the
// conversions are exact). Written by hand.
//
// Scores: for a block of 4 queries (then single queries), for each key row,
// the products with the key's d elements (converted from F16 chunk by chunk)
// accumulate in one vector per query; the vector's lanes are added halves
// first (16 → 8 → 4 lanes), then pairwise with HADDPS, in the same order for
// a block of 4 and for a single query.
//
// Mix: for a block of 4 queries (then single queries) and a chunk of the
// output columns (64, then 16 floats for AVX-512; 16, then 8 for AVX2),
// every key row's chunk is converted once and multiplied into the
// accumulators of all the block's queries with fused multiply-adds, in the
// order of the keys.
//
// Registers of the scores kernels: R8 the block's first score row, SI its
// first query, DI the key row, AX the score of the current key, DX the keys
// left, CX the query bytes left in the row, R13 the queries left; R9 = 4n,
// R10 = 12n (score row strides), BX = 4d, R11 = 12d (query row strides),
// R12 = 2(ks − d) (from the end of a key's elements to the next key).

// REDUCE16TO4(z, y, x, t) adds the 16 lanes of z into 4 lanes of x.
#define REDUCE16TO4(z, y, x, ty, tx) \
	VEXTRACTF64X4 $1, z, ty; \
	VADDPS        ty, y, y;  \
	VEXTRACTF128  $1, y, tx; \
	VADDPS        tx, x, x

// func scoresF16AVX512(s, q []float32, k []uint16, nq, n, d, ks int)
TEXT ·scoresF16AVX512(SB), NOSPLIT, $0-104
	MOVQ s_base+0(FP), R8
	MOVQ q_base+24(FP), SI
	MOVQ nq+72(FP), R13
	MOVQ n+80(FP), R9
	MOVQ d+88(FP), BX
	MOVQ ks+96(FP), R12
	SUBQ BX, R12
	SHLQ $1, R12
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R11

block4:
	CMPQ R13, $4
	JLT  single
	MOVQ k_base+48(FP), DI
	MOVQ R8, AX
	MOVQ n+80(FP), DX

key4:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   BX, CX

chunk4:
	TESTQ       CX, CX
	JEQ         reduce4
	VCVTPH2PS   (DI), Z8
	VFMADD231PS (SI), Z8, Z0
	VFMADD231PS (SI)(BX*1), Z8, Z1
	VFMADD231PS (SI)(BX*2), Z8, Z2
	VFMADD231PS (SI)(R11*1), Z8, Z3
	ADDQ        $64, SI
	ADDQ        $32, DI
	SUBQ        $64, CX
	JMP         chunk4

reduce4:
	SUBQ       BX, SI
	ADDQ       R12, DI
	REDUCE16TO4(Z0, Y0, X0, Y4, X4)
	REDUCE16TO4(Z1, Y1, X1, Y5, X5)
	REDUCE16TO4(Z2, Y2, X2, Y6, X6)
	REDUCE16TO4(Z3, Y3, X3, Y7, X7)
	VHADDPS    X1, X0, X0
	VHADDPS    X3, X2, X2
	VHADDPS    X2, X0, X0
	VMOVSS     X0, (AX)
	VEXTRACTPS $1, X0, (AX)(R9*1)
	VEXTRACTPS $2, X0, (AX)(R9*2)
	VEXTRACTPS $3, X0, (AX)(R10*1)
	ADDQ       $4, AX
	DECQ       DX
	JNZ        key4
	LEAQ       (R8)(R9*4), R8
	LEAQ       (SI)(BX*4), SI
	SUBQ       $4, R13
	JMP        block4

single:
	TESTQ R13, R13
	JEQ   done
	MOVQ  k_base+48(FP), DI
	MOVQ  R8, AX
	MOVQ  n+80(FP), DX

key1:
	VPXORD Z0, Z0, Z0
	MOVQ   BX, CX

chunk1:
	TESTQ       CX, CX
	JEQ         reduce1
	VCVTPH2PS   (DI), Z8
	VFMADD231PS (SI), Z8, Z0
	ADDQ        $64, SI
	ADDQ        $32, DI
	SUBQ        $64, CX
	JMP         chunk1

reduce1:
	SUBQ    BX, SI
	ADDQ    R12, DI
	REDUCE16TO4(Z0, Y0, X0, Y4, X4)
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS  X0, (AX)
	ADDQ    $4, AX
	DECQ    DX
	JNZ     key1
	ADDQ    R9, R8
	ADDQ    BX, SI
	DECQ    R13
	JMP     single

done:
	VZEROUPPER
	RET

// REDUCE8TO4 adds the 8 lanes of y into 4 lanes of x.
#define REDUCE8TO4(y, x, tx) \
	VEXTRACTF128 $1, y, tx; \
	VADDPS       tx, x, x

// func scoresF16AVX2(s, q []float32, k []uint16, nq, n, d, ks int)
TEXT ·scoresF16AVX2(SB), NOSPLIT, $0-104
	MOVQ s_base+0(FP), R8
	MOVQ q_base+24(FP), SI
	MOVQ nq+72(FP), R13
	MOVQ n+80(FP), R9
	MOVQ d+88(FP), BX
	MOVQ ks+96(FP), R12
	SUBQ BX, R12
	SHLQ $1, R12
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R11

block4:
	CMPQ R13, $4
	JLT  single
	MOVQ k_base+48(FP), DI
	MOVQ R8, AX
	MOVQ n+80(FP), DX

key4:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   BX, CX

chunk4:
	TESTQ       CX, CX
	JEQ         reduce4
	VCVTPH2PS   (DI), Y8
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS (SI)(BX*1), Y8, Y1
	VFMADD231PS (SI)(BX*2), Y8, Y2
	VFMADD231PS (SI)(R11*1), Y8, Y3
	ADDQ        $32, SI
	ADDQ        $16, DI
	SUBQ        $32, CX
	JMP         chunk4

reduce4:
	SUBQ       BX, SI
	ADDQ       R12, DI
	REDUCE8TO4(Y0, X0, X4)
	REDUCE8TO4(Y1, X1, X5)
	REDUCE8TO4(Y2, X2, X6)
	REDUCE8TO4(Y3, X3, X7)
	VHADDPS    X1, X0, X0
	VHADDPS    X3, X2, X2
	VHADDPS    X2, X0, X0
	VMOVSS     X0, (AX)
	VEXTRACTPS $1, X0, (AX)(R9*1)
	VEXTRACTPS $2, X0, (AX)(R9*2)
	VEXTRACTPS $3, X0, (AX)(R10*1)
	ADDQ       $4, AX
	DECQ       DX
	JNZ        key4
	LEAQ       (R8)(R9*4), R8
	LEAQ       (SI)(BX*4), SI
	SUBQ       $4, R13
	JMP        block4

single:
	TESTQ R13, R13
	JEQ   done
	MOVQ  k_base+48(FP), DI
	MOVQ  R8, AX
	MOVQ  n+80(FP), DX

key1:
	VXORPS Y0, Y0, Y0
	MOVQ   BX, CX

chunk1:
	TESTQ       CX, CX
	JEQ         reduce1
	VCVTPH2PS   (DI), Y8
	VFMADD231PS (SI), Y8, Y0
	ADDQ        $32, SI
	ADDQ        $16, DI
	SUBQ        $32, CX
	JMP         chunk1

reduce1:
	SUBQ    BX, SI
	ADDQ    R12, DI
	REDUCE8TO4(Y0, X0, X4)
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS  X0, (AX)
	ADDQ    $4, AX
	DECQ    DX
	JNZ     key1
	ADDQ    R9, R8
	ADDQ    BX, SI
	DECQ    R13
	JMP     single

done:
	VZEROUPPER
	RET

// Registers of the mix kernels: DI the block's first output row, SI the
// probability of the current key for its first query, R8 the chunk's
// columns in key row 0, R14 the current key row, AX the chunk's first
// output, DX the keys left, CX the output bytes of the row left, R13 the
// queries left; R9 = 4n, R10 = 12n (probability row strides), BX = 4d,
// R11 = 12d (output row strides), R12 = 2vs (key row stride).

// func mixF16AVX512(out, p []float32, v []uint16, nq, n, d, vs int)
TEXT ·mixF16AVX512(SB), NOSPLIT, $0-104
	MOVQ out_base+0(FP), DI
	MOVQ p_base+24(FP), SI
	MOVQ nq+72(FP), R13
	MOVQ n+80(FP), R9
	MOVQ d+88(FP), BX
	MOVQ vs+96(FP), R12
	SHLQ $1, R12
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R11

block4:
	CMPQ R13, $4
	JLT  single
	MOVQ v_base+48(FP), R8
	MOVQ DI, AX
	MOVQ BX, CX

b4chunk64:
	CMPQ   CX, $256
	JLT    b4chunk16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

b4key64:
	VCVTPH2PS    (R14), Z16
	VCVTPH2PS    32(R14), Z17
	VCVTPH2PS    64(R14), Z18
	VCVTPH2PS    96(R14), Z19
	VBROADCASTSS (SI), Z20
	VBROADCASTSS (SI)(R9*1), Z21
	VBROADCASTSS (SI)(R9*2), Z22
	VBROADCASTSS (SI)(R10*1), Z23
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VFMADD231PS  Z18, Z20, Z2
	VFMADD231PS  Z19, Z20, Z3
	VFMADD231PS  Z16, Z21, Z4
	VFMADD231PS  Z17, Z21, Z5
	VFMADD231PS  Z18, Z21, Z6
	VFMADD231PS  Z19, Z21, Z7
	VFMADD231PS  Z16, Z22, Z8
	VFMADD231PS  Z17, Z22, Z9
	VFMADD231PS  Z18, Z22, Z10
	VFMADD231PS  Z19, Z22, Z11
	VFMADD231PS  Z16, Z23, Z12
	VFMADD231PS  Z17, Z23, Z13
	VFMADD231PS  Z18, Z23, Z14
	VFMADD231PS  Z19, Z23, Z15
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          b4key64
	SUBQ         R9, SI
	VMOVUPS      Z0, (AX)
	VMOVUPS      Z1, 64(AX)
	VMOVUPS      Z2, 128(AX)
	VMOVUPS      Z3, 192(AX)
	VMOVUPS      Z4, (AX)(BX*1)
	VMOVUPS      Z5, 64(AX)(BX*1)
	VMOVUPS      Z6, 128(AX)(BX*1)
	VMOVUPS      Z7, 192(AX)(BX*1)
	VMOVUPS      Z8, (AX)(BX*2)
	VMOVUPS      Z9, 64(AX)(BX*2)
	VMOVUPS      Z10, 128(AX)(BX*2)
	VMOVUPS      Z11, 192(AX)(BX*2)
	VMOVUPS      Z12, (AX)(R11*1)
	VMOVUPS      Z13, 64(AX)(R11*1)
	VMOVUPS      Z14, 128(AX)(R11*1)
	VMOVUPS      Z15, 192(AX)(R11*1)
	ADDQ         $256, AX
	ADDQ         $128, R8
	SUBQ         $256, CX
	JMP          b4chunk64

b4chunk16:
	TESTQ  CX, CX
	JEQ    b4next
	VPXORD Z0, Z0, Z0
	VPXORD Z4, Z4, Z4
	VPXORD Z8, Z8, Z8
	VPXORD Z12, Z12, Z12
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

b4key16:
	VCVTPH2PS    (R14), Z16
	VBROADCASTSS (SI), Z20
	VBROADCASTSS (SI)(R9*1), Z21
	VBROADCASTSS (SI)(R9*2), Z22
	VBROADCASTSS (SI)(R10*1), Z23
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z16, Z21, Z4
	VFMADD231PS  Z16, Z22, Z8
	VFMADD231PS  Z16, Z23, Z12
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          b4key16
	SUBQ         R9, SI
	VMOVUPS      Z0, (AX)
	VMOVUPS      Z4, (AX)(BX*1)
	VMOVUPS      Z8, (AX)(BX*2)
	VMOVUPS      Z12, (AX)(R11*1)
	ADDQ         $64, AX
	ADDQ         $32, R8
	SUBQ         $64, CX
	JMP          b4chunk16

b4next:
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(R9*4), SI
	SUBQ $4, R13
	JMP  block4

single:
	TESTQ R13, R13
	JEQ   done
	MOVQ  v_base+48(FP), R8
	MOVQ  DI, AX
	MOVQ  BX, CX

s1chunk64:
	CMPQ   CX, $256
	JLT    s1chunk16
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

s1key64:
	VCVTPH2PS    (R14), Z16
	VCVTPH2PS    32(R14), Z17
	VCVTPH2PS    64(R14), Z18
	VCVTPH2PS    96(R14), Z19
	VBROADCASTSS (SI), Z20
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VFMADD231PS  Z18, Z20, Z2
	VFMADD231PS  Z19, Z20, Z3
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          s1key64
	SUBQ         R9, SI
	VMOVUPS      Z0, (AX)
	VMOVUPS      Z1, 64(AX)
	VMOVUPS      Z2, 128(AX)
	VMOVUPS      Z3, 192(AX)
	ADDQ         $256, AX
	ADDQ         $128, R8
	SUBQ         $256, CX
	JMP          s1chunk64

s1chunk16:
	TESTQ  CX, CX
	JEQ    s1next
	VPXORD Z0, Z0, Z0
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

s1key16:
	VCVTPH2PS    (R14), Z16
	VBROADCASTSS (SI), Z20
	VFMADD231PS  Z16, Z20, Z0
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          s1key16
	SUBQ         R9, SI
	VMOVUPS      Z0, (AX)
	ADDQ         $64, AX
	ADDQ         $32, R8
	SUBQ         $64, CX
	JMP          s1chunk16

s1next:
	ADDQ BX, DI
	ADDQ R9, SI
	DECQ R13
	JMP  single

done:
	VZEROUPPER
	RET

// func mixF16AVX2(out, p []float32, v []uint16, nq, n, d, vs int)
//
// As mixF16AVX512 with chunks of 16 and 8 columns: for a block of 4 queries
// the accumulators are Y0…Y7, the converted row Y8 and Y9, the
// probabilities Y10…Y13.
TEXT ·mixF16AVX2(SB), NOSPLIT, $0-104
	MOVQ out_base+0(FP), DI
	MOVQ p_base+24(FP), SI
	MOVQ nq+72(FP), R13
	MOVQ n+80(FP), R9
	MOVQ d+88(FP), BX
	MOVQ vs+96(FP), R12
	SHLQ $1, R12
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	SHLQ $2, BX
	LEAQ (BX)(BX*2), R11

block4:
	CMPQ R13, $4
	JLT  single
	MOVQ v_base+48(FP), R8
	MOVQ DI, AX
	MOVQ BX, CX

b4chunk16:
	CMPQ   CX, $64
	JLT    b4chunk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

b4key16:
	VCVTPH2PS    (R14), Y8
	VCVTPH2PS    16(R14), Y9
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (SI)(R9*1), Y11
	VBROADCASTSS (SI)(R9*2), Y12
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          b4key16
	SUBQ         R9, SI
	VMOVUPS      Y0, (AX)
	VMOVUPS      Y1, 32(AX)
	VMOVUPS      Y2, (AX)(BX*1)
	VMOVUPS      Y3, 32(AX)(BX*1)
	VMOVUPS      Y4, (AX)(BX*2)
	VMOVUPS      Y5, 32(AX)(BX*2)
	VMOVUPS      Y6, (AX)(R11*1)
	VMOVUPS      Y7, 32(AX)(R11*1)
	ADDQ         $64, AX
	ADDQ         $32, R8
	SUBQ         $64, CX
	JMP          b4chunk16

b4chunk8:
	TESTQ  CX, CX
	JEQ    b4next
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	VXORPS Y4, Y4, Y4
	VXORPS Y6, Y6, Y6
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

b4key8:
	VCVTPH2PS    (R14), Y8
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (SI)(R9*1), Y11
	VBROADCASTSS (SI)(R9*2), Y12
	VBROADCASTSS (SI)(R10*1), Y13
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y8, Y13, Y6
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          b4key8
	SUBQ         R9, SI
	VMOVUPS      Y0, (AX)
	VMOVUPS      Y2, (AX)(BX*1)
	VMOVUPS      Y4, (AX)(BX*2)
	VMOVUPS      Y6, (AX)(R11*1)
	ADDQ         $32, AX
	ADDQ         $16, R8
	SUBQ         $32, CX
	JMP          b4chunk8

b4next:
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(R9*4), SI
	SUBQ $4, R13
	JMP  block4

single:
	TESTQ R13, R13
	JEQ   done
	MOVQ  v_base+48(FP), R8
	MOVQ  DI, AX
	MOVQ  BX, CX

s1chunk8:
	TESTQ  CX, CX
	JEQ    s1next
	VXORPS Y0, Y0, Y0
	MOVQ   R8, R14
	MOVQ   n+80(FP), DX

s1key8:
	VCVTPH2PS    (R14), Y8
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	ADDQ         R12, R14
	ADDQ         $4, SI
	DECQ         DX
	JNZ          s1key8
	SUBQ         R9, SI
	VMOVUPS      Y0, (AX)
	ADDQ         $32, AX
	ADDQ         $16, R8
	SUBQ         $32, CX
	JMP          s1chunk8

s1next:
	ADDQ BX, DI
	ADDQ R9, SI
	DECQ R13
	JMP  single

done:
	VZEROUPPER
	RET

// func f16ToF32F16C(dst []float32, src []uint16)
TEXT ·f16ToF32F16C(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

h2f:
	TESTQ     CX, CX
	JEQ       h2fdone
	VCVTPH2PS (SI), Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $16, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       h2f

h2fdone:
	VZEROUPPER
	RET

// func f32ToF16F16C(dst []uint16, src []float32)
TEXT ·f32ToF16F16C(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

f2h:
	TESTQ     CX, CX
	JEQ       f2hdone
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VMOVDQU   X1, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	SUBQ      $8, CX
	JMP       f2h

f2hdone:
	VZEROUPPER
	RET

// func roundF16F16C(x []float32)
TEXT ·roundF16F16C(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX

rnd:
	TESTQ     CX, CX
	JEQ       rnddone
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VCVTPH2PS X1, Y0
	VMOVUPS   Y0, (SI)
	ADDQ      $32, SI
	SUBQ      $8, CX
	JMP       rnd

rnddone:
	VZEROUPPER
	RET
