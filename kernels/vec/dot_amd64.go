//go:build !purego

package vec

import (
	"sovra/kernels/internal/cpufeat"
	"sovra/kernels/internal/impl"
	"sovra/kernels/internal/race"
)

// The amd64 kernels of Dot and Axpy, at two levels (kernels/internal/cpufeat):
// "avx2" (AVX2 and FMA on 256-bit vectors) and "avx512" (AVX-512F on 512-bit
// vectors with masked tails; the level also requires BW, VL and VNNI, which
// these kernels do not use). Each flag says whether Dot and Axpy dispatch to
// that level; kernels/internal/impl sets them from the CPU's features at
// start-up and lets tests select each level in turn.
var useAVX2, useAVX512 bool

func init() {
	// From the least to the most capable: impl.Active reports the last one
	// set, and dot and axpy prefer avx512 to avx2.
	impl.Register("vec", "avx2", cpufeat.AVX2, &useAVX2)
	impl.Register("vec", "avx512", cpufeat.AVX512, &useAVX512)
}

// dot is Dot with len(b) == len(a).
func dot(a, b []float32) float32 {
	switch {
	case useAVX512:
		race.ReadSlice(a)
		race.ReadSlice(b)
		return dotAVX512(a, b)
	case useAVX2:
		race.ReadSlice(a)
		race.ReadSlice(b)
		return dotAVX2(a, b)
	}
	return dotGeneric(a, b)
}

// axpy is Axpy with len(x) == len(y).
func axpy(y []float32, a float32, x []float32) {
	switch {
	case useAVX512:
		race.ReadSlice(x)
		race.WriteSlice(y)
		axpyAVX512(y, a, x)
		return
	case useAVX2:
		race.ReadSlice(x)
		race.WriteSlice(y)
		axpyAVX2(y, a, x)
		return
	}
	axpyGeneric(y, a, x)
}

// Each kernel takes slices of equal length (checked by Dot and Axpy) and
// touches nothing outside them.

// dotAVX2 is dotGeneric(a, b) with AVX2 and FMA: four accumulators of 8
// lanes, a scalar tail, within the bound stated on Dot.
//
//go:noescape
func dotAVX2(a, b []float32) float32

// dotAVX512 is dotGeneric(a, b) with AVX-512F: four accumulators of 16
// lanes, a masked tail, within the bound stated on Dot.
//
//go:noescape
func dotAVX512(a, b []float32) float32

// axpyAVX2 is axpyGeneric(y, a, x) with AVX: bit-exact, a separate
// multiply and add per element (no FMA), a scalar tail.
//
//go:noescape
func axpyAVX2(y []float32, a float32, x []float32)

// axpyAVX512 is axpyGeneric(y, a, x) with AVX-512F: bit-exact, a separate
// multiply and add per element (no FMA), a masked tail.
//
//go:noescape
func axpyAVX512(y []float32, a float32, x []float32)
