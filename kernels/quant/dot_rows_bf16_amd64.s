//go:build !purego

#include "textflag.h"

// The BF16 tile kernels of DotRows; dot_rows_bf16_amd64.go has their Go
// declarations and the order of operations they keep.
//
// func dotRowsBF16x<A><ISA>(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
//
// are the F16 kernels (dot_rows_f16_amd64.s, which describes the
// registers and the prefetches), with BF16CVT for VCVTPH2PS: the same
// tiles, the same FMA per pair of elements, the same lanes and the same
// sums of the lanes (the macros of dot_rows_float_amd64.h).

// BF16CVT converts the 16 (AVX2: 8) BF16 elements at M to float32 in V:
// a BF16 is the high half of its float32, so zero-extend it to 32 bits
// and shift it left by 16.
#define BF16CVT(M, V) \
	VPMOVZXWD M, V; \
	VPSLLD    $16, V, V

#define CVT512(M, Z) BF16CVT(M, Z)
#define CVT256(M, Y) BF16CVT(M, Y)
#define ESH $1
#define S16 32
#define H8 16
#include "dot_rows_float_amd64.h"

// func dotRowsBF16x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x1AVX512(SB), NOSPLIT, $0-80
	FLOATX1AVX512

// func dotRowsBF16x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x2AVX512(SB), NOSPLIT, $0-80
	FLOATX2AVX512

// func dotRowsBF16x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x3AVX512(SB), NOSPLIT, $0-80
	FLOATX3AVX512

// func dotRowsBF16x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x4AVX512(SB), NOSPLIT, $0-80
	FLOATX4AVX512

// func dotRowsBF16x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x5AVX512(SB), NOSPLIT, $0-80
	FLOATX5AVX512

// func dotRowsBF16x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x6AVX512(SB), NOSPLIT, $0-80
	FLOATX6AVX512

// func dotRowsBF16x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x1AVX2(SB), NOSPLIT, $0-80
	FLOATX1AVX2

// func dotRowsBF16x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x2AVX2(SB), NOSPLIT, $0-80
	FLOATX2AVX2

// func dotRowsBF16x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsBF16x3AVX2(SB), NOSPLIT, $0-80
	FLOATX3AVX2
