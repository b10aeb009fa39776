//go:build !purego

package quant

import (
	"sovra/kernels/internal/cpufeat"
	"sovra/kernels/internal/impl"
)

// The amd64 kernels of VecDot, at two levels (kernels/internal/cpufeat):
// "avx2" (AVX2, FMA, F16C) and "avx512" (AVX-512 F, BW, VL and VNNI, used
// on 256-bit vectors). Each flag says whether VecDot dispatches to that
// level; kernels/internal/impl sets them from the CPU's features at start-up
// and lets tests select each level in turn.
var useAVX2, useAVX512 bool

func init() {
	// From the least to the most capable: impl.Active reports the last one
	// set, and vecDot prefers avx512 to avx2.
	impl.Register("quant", "avx2", cpufeat.AVX2, &useAVX2)
	impl.Register("quant", "avx512", cpufeat.AVX512, &useAVX512)
}

// vecDot is VecDot after the length checks: it runs the best kernel the CPU
// allows for t and falls back to the pure-Go definition.
func vecDot(t Type, n int, w, a []byte) float32 {
	switch t {
	case F16:
		if useAVX512 || useAVX2 {
			return dotF16SIMD(n, w, a)
		}
	case Q4_0:
		switch {
		case useAVX512:
			raceRead(w, a)
			return dotQ4_0Q8_0AVX512(w, a, n/QK)
		case useAVX2:
			raceRead(w, a)
			return dotQ4_0Q8_0AVX2(w, a, n/QK)
		}
	case Q8_0:
		switch {
		case useAVX512:
			raceRead(w, a)
			return dotQ8_0Q8_0AVX512(w, a, n/QK)
		case useAVX2:
			raceRead(w, a)
			return dotQ8_0Q8_0AVX2(w, a, n/QK)
		}
	case Q4_K:
		switch {
		case useAVX512:
			raceRead(w, a)
			return dotQ4_KQ8_KAVX512(w, a, n/QKK)
		case useAVX2:
			raceRead(w, a)
			return dotQ4_KQ8_KAVX2(w, a, n/QKK)
		}
	case Q6_K:
		switch {
		case useAVX512:
			raceRead(w, a)
			return dotQ6_KQ8_KAVX512(w, a, n/QKK)
		case useAVX2:
			raceRead(w, a)
			return dotQ6_KQ8_KAVX2(w, a, n/QKK)
		}
	}
	return vecDotGeneric(t, n, w, a)
}

// dotF16SIMD is dotF16 with the first n rounded down to a multiple of 16
// elements in assembly and the rest in Go, summed in float64 as well.
func dotF16SIMD(n int, w, a []byte) float32 {
	m := n &^ 15
	raceRead(w[:2*m], a[:2*m])
	var sum float64
	if useAVX512 {
		sum = dotF16AVX512(w[:2*m], a[:2*m], m)
	} else {
		sum = dotF16AVX2(w[:2*m], a[:2*m], m)
	}
	return f16Tail(sum, m, n, w, a)
}

// Each assembly kernel takes the weight and activation rows as slices of
// exactly nb blocks (checked by VecDot) and reads nothing outside them.
// Its doc comment names the definition it must equal; "equal" means equal
// within the bound stated on VecDot, with an exact integer part.

// dotQ4_0Q8_0AVX512 is dotQ4_0Q8_0(nb·QK, w, a) with AVX-512 VNNI.
//
//go:noescape
func dotQ4_0Q8_0AVX512(w, a []byte, nb int) float32

// dotQ4_0Q8_0AVX2 is dotQ4_0Q8_0(nb·QK, w, a) with AVX2.
//
//go:noescape
func dotQ4_0Q8_0AVX2(w, a []byte, nb int) float32

// dotQ8_0Q8_0AVX512 is dotQ8_0Q8_0(nb·QK, w, a) with AVX-512 VNNI.
//
//go:noescape
func dotQ8_0Q8_0AVX512(w, a []byte, nb int) float32

// dotQ8_0Q8_0AVX2 is dotQ8_0Q8_0(nb·QK, w, a) with AVX2.
//
//go:noescape
func dotQ8_0Q8_0AVX2(w, a []byte, nb int) float32

// dotQ4_KQ8_KAVX512 is dotQ4_KQ8_K(nb·QKK, w, a) with AVX-512 VNNI.
//
//go:noescape
func dotQ4_KQ8_KAVX512(w, a []byte, nb int) float32

// dotQ4_KQ8_KAVX2 is dotQ4_KQ8_K(nb·QKK, w, a) with AVX2.
//
//go:noescape
func dotQ4_KQ8_KAVX2(w, a []byte, nb int) float32

// dotQ6_KQ8_KAVX512 is dotQ6_KQ8_K(nb·QKK, w, a) with AVX-512 VNNI.
//
//go:noescape
func dotQ6_KQ8_KAVX512(w, a []byte, nb int) float32

// dotQ6_KQ8_KAVX2 is dotQ6_KQ8_K(nb·QKK, w, a) with AVX2.
//
//go:noescape
func dotQ6_KQ8_KAVX2(w, a []byte, nb int) float32

// dotF16AVX512 is the float64 sum that dotF16(n, w, a) rounds, with
// AVX-512 (F16C conversions on 512-bit vectors). n is a multiple of 16.
//
//go:noescape
func dotF16AVX512(w, a []byte, n int) float64

// dotF16AVX2 is the float64 sum that dotF16(n, w, a) rounds, with AVX2 and
// F16C. n is a multiple of 16.
//
//go:noescape
func dotF16AVX2(w, a []byte, n int) float64
