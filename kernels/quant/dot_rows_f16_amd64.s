//go:build !purego

#include "textflag.h"
#include "dot_rows_float_amd64.h"

// The F16 tile kernels of DotRows; dot_rows_f16_amd64.go has their Go
// declarations and the order of operations they keep.
//
// func dotRowsF16x<A><ISA>(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
//
// takes 1..TW weight rows (TW = 4 with AVX-512, 2 with AVX2) at w and
// exactly A activation rows at a, stride bytes apart, and multiplies the
// first m elements (a multiple of 16) of each pair of rows. Every pair has
// one accumulator of 16 float32 lanes (AVX2: two of 8, the low and the
// high half of each 16 elements): lane j sums, by FMA in the order of k,
// the products of elements k = j, j+16, j+32, ... The tile's weight rows
// are converted (VCVTPH2PS) once per 16 elements and multiplied with
// every activation row. At the end each accumulator is summed by the same
// tree (FHSUM, dot_rows_float_amd64.h) and stored in res[r*TW+i] for weight row i, activation
// row r. Missing weight rows (wRows < TW) repeat the last one (the x1
// kernels, see below, skip them).
//
// Register use, AVX-512:
//
//	Z0..Z23   accumulators: Z(4r+i) for weight row i, activation row r
//	Z24..Z27  the current 16 elements of weight rows 0..3, as float32
//	Z28, Z29  the current 16 elements of an activation row, as float32
//	R8..R11   weight rows 0..3
//	R12..R15, SI, DI  activation rows 0..5
//	DX        byte offset of the current 16 elements
//	CX        2·m, the end offset
//
// AVX2: Y(4r+2i) and Y(4r+2i+1) hold the low and high halves of the
// accumulator of weight row i, activation row r; Y12..Y13 the weight rows'
// current 8 elements, Y14 an activation row's; R8, R9 the weight rows.
//
// With one or two activation rows (decoding) a kernel is bound by memory,
// and the hardware prefetcher follows the single stream of one weight row
// after the other much better than a tile's several streams (with two
// threads, 8). So the kernels of one activation row (x1) take the tile's
// weight rows one after the other, with the same operations per row (one
// FMA chain per row is still faster than memory), prefetching 4 KiB ahead
// in that stream (with two threads, 17% faster decoding than the hardware
// prefetcher alone), and those of two (x2, AVX-512) prefetch their four
// rows 2 KiB ahead (a prefetch past the end of a row does not fault).

// F16ROW512 multiplies the current 16 elements of activation row A
// (converted into ZA) with the four weight rows into C0..C3.
#define F16ROW512(A, ZA, C0, C1, C2, C3) \
	VCVTPH2PS   (A)(DX*1), ZA; \
	VFMADD231PS ZA, Z24, C0; \
	VFMADD231PS ZA, Z25, C1; \
	VFMADD231PS ZA, Z26, C2; \
	VFMADD231PS ZA, Z27, C3

// F16ROW256 is F16ROW512 for 8 elements at byte offset OFF and two
// weight rows, with AVX2.
#define F16ROW256(A, OFF, C0, C1) \
	VCVTPH2PS   OFF(A)(DX*1), Y14; \
	VFMADD231PS Y14, Y12, C0; \
	VFMADD231PS Y14, Y13, C1

// func dotRowsF16x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x1AVX512(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), R8
	MOVQ wRows+24(FP), R9
	MOVQ stride+64(FP), BX
	MOVQ a_base+32(FP), R12
	MOVQ m+56(FP), CX
	SHLQ $1, CX
	MOVQ res+72(FP), AX

f16x1vRow:
	VPXORD Z0, Z0, Z0
	XORL   DX, DX
	TESTQ  CX, CX
	JZ     f16x1vSum

f16x1vLoop:
	PREFETCHT0  4096(R8)(DX*1)
	VCVTPH2PS   (R8)(DX*1), Z24
	VCVTPH2PS   (R12)(DX*1), Z28
	VFMADD231PS Z28, Z24, Z0
	ADDQ        $32, DX
	CMPQ        DX, CX
	JLT         f16x1vLoop

f16x1vSum:
	FHSUM512(Z0, Y0, X0, 0)
	ADDQ $4, AX
	ADDQ BX, R8
	DECQ R9
	JNZ  f16x1vRow
	VZEROUPPER
	RET

// func dotRowsF16x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x2AVX512(SB), NOSPLIT, $0-80
	FWROWS4($1)
	LEAQ (R12)(BX*1), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	TESTQ CX, CX
	JZ    f16x2vDone

f16x2vLoop:
	PREFETCHT0 2048(R8)(DX*1)
	PREFETCHT0 2048(R9)(DX*1)
	PREFETCHT0 2048(R10)(DX*1)
	PREFETCHT0 2048(R11)(DX*1)
	VCVTPH2PS (R8)(DX*1), Z24
	VCVTPH2PS (R9)(DX*1), Z25
	VCVTPH2PS (R10)(DX*1), Z26
	VCVTPH2PS (R11)(DX*1), Z27
	F16ROW512(R12, Z28, Z0, Z1, Z2, Z3)
	F16ROW512(R13, Z29, Z4, Z5, Z6, Z7)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x2vLoop

f16x2vDone:
	MOVQ res+72(FP), AX
	FHSUM512(Z0, Y0, X0, 0)
	FHSUM512(Z1, Y1, X1, 4)
	FHSUM512(Z2, Y2, X2, 8)
	FHSUM512(Z3, Y3, X3, 12)
	FHSUM512(Z4, Y4, X4, 16)
	FHSUM512(Z5, Y5, X5, 20)
	FHSUM512(Z6, Y6, X6, 24)
	FHSUM512(Z7, Y7, X7, 28)
	VZEROUPPER
	RET

// func dotRowsF16x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x3AVX512(SB), NOSPLIT, $0-80
	FWROWS4($1)
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R14
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
	TESTQ CX, CX
	JZ    f16x3vDone

f16x3vLoop:
	VCVTPH2PS (R8)(DX*1), Z24
	VCVTPH2PS (R9)(DX*1), Z25
	VCVTPH2PS (R10)(DX*1), Z26
	VCVTPH2PS (R11)(DX*1), Z27
	F16ROW512(R12, Z28, Z0, Z1, Z2, Z3)
	F16ROW512(R13, Z29, Z4, Z5, Z6, Z7)
	F16ROW512(R14, Z28, Z8, Z9, Z10, Z11)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x3vLoop

f16x3vDone:
	MOVQ res+72(FP), AX
	FHSUM512(Z0, Y0, X0, 0)
	FHSUM512(Z1, Y1, X1, 4)
	FHSUM512(Z2, Y2, X2, 8)
	FHSUM512(Z3, Y3, X3, 12)
	FHSUM512(Z4, Y4, X4, 16)
	FHSUM512(Z5, Y5, X5, 20)
	FHSUM512(Z6, Y6, X6, 24)
	FHSUM512(Z7, Y7, X7, 28)
	FHSUM512(Z8, Y8, X8, 32)
	FHSUM512(Z9, Y9, X9, 36)
	FHSUM512(Z10, Y10, X10, 40)
	FHSUM512(Z11, Y11, X11, 44)
	VZEROUPPER
	RET

// func dotRowsF16x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x4AVX512(SB), NOSPLIT, $0-80
	FWROWS4($1)
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R14
	LEAQ (R14)(BX*1), R15
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
	TESTQ CX, CX
	JZ    f16x4vDone

f16x4vLoop:
	VCVTPH2PS (R8)(DX*1), Z24
	VCVTPH2PS (R9)(DX*1), Z25
	VCVTPH2PS (R10)(DX*1), Z26
	VCVTPH2PS (R11)(DX*1), Z27
	F16ROW512(R12, Z28, Z0, Z1, Z2, Z3)
	F16ROW512(R13, Z29, Z4, Z5, Z6, Z7)
	F16ROW512(R14, Z28, Z8, Z9, Z10, Z11)
	F16ROW512(R15, Z29, Z12, Z13, Z14, Z15)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x4vLoop

f16x4vDone:
	MOVQ res+72(FP), AX
	FHSUM512(Z0, Y0, X0, 0)
	FHSUM512(Z1, Y1, X1, 4)
	FHSUM512(Z2, Y2, X2, 8)
	FHSUM512(Z3, Y3, X3, 12)
	FHSUM512(Z4, Y4, X4, 16)
	FHSUM512(Z5, Y5, X5, 20)
	FHSUM512(Z6, Y6, X6, 24)
	FHSUM512(Z7, Y7, X7, 28)
	FHSUM512(Z8, Y8, X8, 32)
	FHSUM512(Z9, Y9, X9, 36)
	FHSUM512(Z10, Y10, X10, 40)
	FHSUM512(Z11, Y11, X11, 44)
	FHSUM512(Z12, Y12, X12, 48)
	FHSUM512(Z13, Y13, X13, 52)
	FHSUM512(Z14, Y14, X14, 56)
	FHSUM512(Z15, Y15, X15, 60)
	VZEROUPPER
	RET

// func dotRowsF16x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x5AVX512(SB), NOSPLIT, $0-80
	FWROWS4($1)
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R14
	LEAQ (R14)(BX*1), R15
	LEAQ (R15)(BX*1), SI
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	TESTQ CX, CX
	JZ    f16x5vDone

f16x5vLoop:
	VCVTPH2PS (R8)(DX*1), Z24
	VCVTPH2PS (R9)(DX*1), Z25
	VCVTPH2PS (R10)(DX*1), Z26
	VCVTPH2PS (R11)(DX*1), Z27
	F16ROW512(R12, Z28, Z0, Z1, Z2, Z3)
	F16ROW512(R13, Z29, Z4, Z5, Z6, Z7)
	F16ROW512(R14, Z28, Z8, Z9, Z10, Z11)
	F16ROW512(R15, Z29, Z12, Z13, Z14, Z15)
	F16ROW512(SI, Z28, Z16, Z17, Z18, Z19)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x5vLoop

f16x5vDone:
	MOVQ res+72(FP), AX
	FHSUM512(Z0, Y0, X0, 0)
	FHSUM512(Z1, Y1, X1, 4)
	FHSUM512(Z2, Y2, X2, 8)
	FHSUM512(Z3, Y3, X3, 12)
	FHSUM512(Z4, Y4, X4, 16)
	FHSUM512(Z5, Y5, X5, 20)
	FHSUM512(Z6, Y6, X6, 24)
	FHSUM512(Z7, Y7, X7, 28)
	FHSUM512(Z8, Y8, X8, 32)
	FHSUM512(Z9, Y9, X9, 36)
	FHSUM512(Z10, Y10, X10, 40)
	FHSUM512(Z11, Y11, X11, 44)
	FHSUM512(Z12, Y12, X12, 48)
	FHSUM512(Z13, Y13, X13, 52)
	FHSUM512(Z14, Y14, X14, 56)
	FHSUM512(Z15, Y15, X15, 60)
	FHSUM512(Z16, Y16, X16, 64)
	FHSUM512(Z17, Y17, X17, 68)
	FHSUM512(Z18, Y18, X18, 72)
	FHSUM512(Z19, Y19, X19, 76)
	VZEROUPPER
	RET

// func dotRowsF16x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x6AVX512(SB), NOSPLIT, $0-80
	FWROWS4($1)
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R14
	LEAQ (R14)(BX*1), R15
	LEAQ (R15)(BX*1), SI
	LEAQ (SI)(BX*1), DI
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
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	TESTQ CX, CX
	JZ    f16x6vDone

f16x6vLoop:
	VCVTPH2PS (R8)(DX*1), Z24
	VCVTPH2PS (R9)(DX*1), Z25
	VCVTPH2PS (R10)(DX*1), Z26
	VCVTPH2PS (R11)(DX*1), Z27
	F16ROW512(R12, Z28, Z0, Z1, Z2, Z3)
	F16ROW512(R13, Z29, Z4, Z5, Z6, Z7)
	F16ROW512(R14, Z28, Z8, Z9, Z10, Z11)
	F16ROW512(R15, Z29, Z12, Z13, Z14, Z15)
	F16ROW512(SI, Z28, Z16, Z17, Z18, Z19)
	F16ROW512(DI, Z29, Z20, Z21, Z22, Z23)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x6vLoop

f16x6vDone:
	MOVQ res+72(FP), AX
	FHSUM512(Z0, Y0, X0, 0)
	FHSUM512(Z1, Y1, X1, 4)
	FHSUM512(Z2, Y2, X2, 8)
	FHSUM512(Z3, Y3, X3, 12)
	FHSUM512(Z4, Y4, X4, 16)
	FHSUM512(Z5, Y5, X5, 20)
	FHSUM512(Z6, Y6, X6, 24)
	FHSUM512(Z7, Y7, X7, 28)
	FHSUM512(Z8, Y8, X8, 32)
	FHSUM512(Z9, Y9, X9, 36)
	FHSUM512(Z10, Y10, X10, 40)
	FHSUM512(Z11, Y11, X11, 44)
	FHSUM512(Z12, Y12, X12, 48)
	FHSUM512(Z13, Y13, X13, 52)
	FHSUM512(Z14, Y14, X14, 56)
	FHSUM512(Z15, Y15, X15, 60)
	FHSUM512(Z16, Y16, X16, 64)
	FHSUM512(Z17, Y17, X17, 68)
	FHSUM512(Z18, Y18, X18, 72)
	FHSUM512(Z19, Y19, X19, 76)
	FHSUM512(Z20, Y20, X20, 80)
	FHSUM512(Z21, Y21, X21, 84)
	FHSUM512(Z22, Y22, X22, 88)
	FHSUM512(Z23, Y23, X23, 92)
	VZEROUPPER
	RET

// func dotRowsF16x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x1AVX2(SB), NOSPLIT, $0-80
	MOVQ w_base+0(FP), R8
	MOVQ wRows+24(FP), R9
	MOVQ stride+64(FP), BX
	MOVQ a_base+32(FP), R12
	MOVQ m+56(FP), CX
	SHLQ $1, CX
	MOVQ res+72(FP), AX

f16x1aRow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORL   DX, DX
	TESTQ  CX, CX
	JZ     f16x1aSum

f16x1aLoop:
	PREFETCHT0  4096(R8)(DX*1)
	VCVTPH2PS   (R8)(DX*1), Y12
	VCVTPH2PS   (R12)(DX*1), Y14
	VFMADD231PS Y14, Y12, Y0
	VCVTPH2PS   16(R8)(DX*1), Y13
	VCVTPH2PS   16(R12)(DX*1), Y15
	VFMADD231PS Y15, Y13, Y1
	ADDQ        $32, DX
	CMPQ        DX, CX
	JLT         f16x1aLoop

f16x1aSum:
	FHSUM2(Y0, Y1, X0, 0)
	ADDQ $4, AX
	ADDQ BX, R8
	DECQ R9
	JNZ  f16x1aRow
	VZEROUPPER
	RET

// func dotRowsF16x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x2AVX2(SB), NOSPLIT, $0-80
	FWROWS2($1)
	LEAQ (R12)(BX*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JZ    f16x2aDone

f16x2aLoop:
	VCVTPH2PS 0(R8)(DX*1), Y12
	VCVTPH2PS 0(R9)(DX*1), Y13
	F16ROW256(R12, 0, Y0, Y2)
	F16ROW256(R13, 0, Y4, Y6)
	VCVTPH2PS 16(R8)(DX*1), Y12
	VCVTPH2PS 16(R9)(DX*1), Y13
	F16ROW256(R12, 16, Y1, Y3)
	F16ROW256(R13, 16, Y5, Y7)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x2aLoop

f16x2aDone:
	MOVQ res+72(FP), AX
	FHSUM2(Y0, Y1, X0, 0)
	FHSUM2(Y2, Y3, X2, 4)
	FHSUM2(Y4, Y5, X4, 8)
	FHSUM2(Y6, Y7, X6, 12)
	VZEROUPPER
	RET

// func dotRowsF16x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x3AVX2(SB), NOSPLIT, $0-80
	FWROWS2($1)
	LEAQ (R12)(BX*1), R13
	LEAQ (R13)(BX*1), R14
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JZ    f16x3aDone

f16x3aLoop:
	VCVTPH2PS 0(R8)(DX*1), Y12
	VCVTPH2PS 0(R9)(DX*1), Y13
	F16ROW256(R12, 0, Y0, Y2)
	F16ROW256(R13, 0, Y4, Y6)
	F16ROW256(R14, 0, Y8, Y10)
	VCVTPH2PS 16(R8)(DX*1), Y12
	VCVTPH2PS 16(R9)(DX*1), Y13
	F16ROW256(R12, 16, Y1, Y3)
	F16ROW256(R13, 16, Y5, Y7)
	F16ROW256(R14, 16, Y9, Y11)
	ADDQ $32, DX
	CMPQ DX, CX
	JLT  f16x3aLoop

f16x3aDone:
	MOVQ res+72(FP), AX
	FHSUM2(Y0, Y1, X0, 0)
	FHSUM2(Y2, Y3, X2, 4)
	FHSUM2(Y4, Y5, X4, 8)
	FHSUM2(Y6, Y7, X6, 12)
	FHSUM2(Y8, Y9, X8, 16)
	FHSUM2(Y10, Y11, X10, 20)
	VZEROUPPER
	RET
