//go:build !purego

#include "textflag.h"

// The F32 tile kernels of DotRows; dot_rows_bf16_amd64.go has their Go
// declarations and the order of operations they keep.
//
// func dotRowsF32x<A><ISA>(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
//
// are the F16 kernels (dot_rows_f16_amd64.s, which describes the
// registers and the prefetches), with VMOVUPS for VCVTPH2PS, 4-byte
// elements (16 are 64 bytes; the AVX2 high half is at offset 32): the
// same tiles, the same FMA per pair of elements, the same lanes and the
// same sums of the lanes (the macros of dot_rows_float_amd64.h).

#define CVT512(M, Z) VMOVUPS M, Z
#define CVT256(M, Y) VMOVUPS M, Y
#define ESH $2
#define S16 64
#define H8 32
#include "dot_rows_float_amd64.h"

// func dotRowsF32x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x1AVX512(SB), NOSPLIT, $0-80
	FLOATX1AVX512

// func dotRowsF32x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x2AVX512(SB), NOSPLIT, $0-80
	FLOATX2AVX512

// func dotRowsF32x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x3AVX512(SB), NOSPLIT, $0-80
	FLOATX3AVX512

// func dotRowsF32x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x4AVX512(SB), NOSPLIT, $0-80
	FLOATX4AVX512

// func dotRowsF32x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x5AVX512(SB), NOSPLIT, $0-80
	FLOATX5AVX512

// func dotRowsF32x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x6AVX512(SB), NOSPLIT, $0-80
	FLOATX6AVX512

// func dotRowsF32x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x1AVX2(SB), NOSPLIT, $0-80
	FLOATX1AVX2

// func dotRowsF32x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x2AVX2(SB), NOSPLIT, $0-80
	FLOATX2AVX2

// func dotRowsF32x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF32x3AVX2(SB), NOSPLIT, $0-80
	FLOATX3AVX2
