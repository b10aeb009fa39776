//go:build !purego

#include "textflag.h"

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
// tree (FHSUM) and stored in res[r*TW+i] for weight row i, activation
// row r. Missing weight rows (wRows < TW) repeat the last one (the x1
// kernels, see below, skip them). The kernels' bodies are the macros
// FLOATX<A><ISA> of dot_rows_float_amd64.h, shared with the BF16 and F32
// kernels, which differ only in how they load elements (CVT512, CVT256)
// and in the element size.
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

#define CVT512(M, Z) VCVTPH2PS M, Z
#define CVT256(M, Y) VCVTPH2PS M, Y
#define ESH $1
#define S16 32
#define H8 16
#include "dot_rows_float_amd64.h"

// func dotRowsF16x1AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x1AVX512(SB), NOSPLIT, $0-80
	FLOATX1AVX512

// func dotRowsF16x2AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x2AVX512(SB), NOSPLIT, $0-80
	FLOATX2AVX512

// func dotRowsF16x3AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x3AVX512(SB), NOSPLIT, $0-80
	FLOATX3AVX512

// func dotRowsF16x4AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x4AVX512(SB), NOSPLIT, $0-80
	FLOATX4AVX512

// func dotRowsF16x5AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x5AVX512(SB), NOSPLIT, $0-80
	FLOATX5AVX512

// func dotRowsF16x6AVX512(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x6AVX512(SB), NOSPLIT, $0-80
	FLOATX6AVX512

// func dotRowsF16x1AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x1AVX2(SB), NOSPLIT, $0-80
	FLOATX1AVX2

// func dotRowsF16x2AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x2AVX2(SB), NOSPLIT, $0-80
	FLOATX2AVX2

// func dotRowsF16x3AVX2(w []byte, wRows int, a []byte, m, stride int, res *[24]float32)
TEXT ·dotRowsF16x3AVX2(SB), NOSPLIT, $0-80
	FLOATX3AVX2
