//go:build !purego

package quant

import (
	"sovra/kernels/internal/cpufeat"
	"sovra/kernels/internal/impl"
)

// The arm64 kernels of VecDot, at two levels (kernels/internal/cpufeat):
// "neon" (ASIMD: widening multiplies SMULL, SMLAL and pairwise adds) and
// "dotprod" (ASIMD and ASIMDDP: SDOT). Each flag says whether VecDot
// dispatches to that level; kernels/internal/impl sets them from the CPU's
// features at start-up and lets tests select each level in turn. F16 has
// one kernel, which both levels use.
var useNEON, useDotProd bool

func init() {
	// From the least to the most capable: impl.Active reports the last one
	// set, and vecDot prefers dotprod to neon.
	impl.Register("quant", "neon", cpufeat.NEON, &useNEON)
	impl.Register("quant", "dotprod", cpufeat.DotProd, &useDotProd)
}

// vecDot is VecDot after the length checks: it runs the best kernel the CPU
// allows for t and falls back to the pure-Go definition.
func vecDot(t Type, n int, w, a []byte) float32 {
	switch t {
	case F16:
		if useDotProd || useNEON {
			return dotF16SIMD(n, w, a)
		}
	case Q4_0:
		switch {
		case useDotProd:
			raceRead(w, a)
			return dotQ4_0Q8_0DotProd(w, a, n/QK)
		case useNEON:
			raceRead(w, a)
			return dotQ4_0Q8_0NEON(w, a, n/QK)
		}
	case Q8_0:
		switch {
		case useDotProd:
			raceRead(w, a)
			return dotQ8_0Q8_0DotProd(w, a, n/QK)
		case useNEON:
			raceRead(w, a)
			return dotQ8_0Q8_0NEON(w, a, n/QK)
		}
	case Q4_K:
		switch {
		case useDotProd:
			raceRead(w, a)
			return dotQ4_KQ8_KDotProd(w, a, n/QKK)
		case useNEON:
			raceRead(w, a)
			return dotQ4_KQ8_KNEON(w, a, n/QKK)
		}
	case Q6_K:
		switch {
		case useDotProd:
			raceRead(w, a)
			return dotQ6_KQ8_KDotProd(w, a, n/QKK)
		case useNEON:
			raceRead(w, a)
			return dotQ6_KQ8_KNEON(w, a, n/QKK)
		}
	}
	return vecDotGeneric(t, n, w, a)
}

// dotF16SIMD is dotF16 with the first n rounded down to a multiple of 16
// elements in assembly and the rest in Go, summed in float64 as well.
func dotF16SIMD(n int, w, a []byte) float32 {
	m := n &^ 15
	raceRead(w[:2*m], a[:2*m])
	sum := dotF16NEON(w[:2*m], a[:2*m], m)
	return f16Tail(sum, m, n, w, a)
}

// Each assembly kernel takes the weight and activation rows as slices of
// exactly nb blocks (checked by VecDot) and reads nothing outside them.
// Its doc comment names the definition it must equal; "equal" means equal
// within the bound stated on VecDot, with an exact integer part.

// dotQ4_0Q8_0DotProd is dotQ4_0Q8_0(nb·QK, w, a) with SDOT.
//
//go:noescape
func dotQ4_0Q8_0DotProd(w, a []byte, nb int) float32

// dotQ4_0Q8_0NEON is dotQ4_0Q8_0(nb·QK, w, a) with ASIMD.
//
//go:noescape
func dotQ4_0Q8_0NEON(w, a []byte, nb int) float32

// dotQ8_0Q8_0DotProd is dotQ8_0Q8_0(nb·QK, w, a) with SDOT.
//
//go:noescape
func dotQ8_0Q8_0DotProd(w, a []byte, nb int) float32

// dotQ8_0Q8_0NEON is dotQ8_0Q8_0(nb·QK, w, a) with ASIMD.
//
//go:noescape
func dotQ8_0Q8_0NEON(w, a []byte, nb int) float32

// dotQ4_KQ8_KDotProd is dotQ4_KQ8_K(nb·QKK, w, a) with SDOT.
//
//go:noescape
func dotQ4_KQ8_KDotProd(w, a []byte, nb int) float32

// dotQ4_KQ8_KNEON is dotQ4_KQ8_K(nb·QKK, w, a) with ASIMD.
//
//go:noescape
func dotQ4_KQ8_KNEON(w, a []byte, nb int) float32

// dotQ6_KQ8_KDotProd is dotQ6_KQ8_K(nb·QKK, w, a) with SDOT.
//
//go:noescape
func dotQ6_KQ8_KDotProd(w, a []byte, nb int) float32

// dotQ6_KQ8_KNEON is dotQ6_KQ8_K(nb·QKK, w, a) with ASIMD.
//
//go:noescape
func dotQ6_KQ8_KNEON(w, a []byte, nb int) float32

// dotF16NEON is the float64 sum that dotF16(n, w, a) rounds, with ASIMD
// (FCVTL conversions, float32 products, float64 sums). n is a multiple of
// 16.
//
//go:noescape
func dotF16NEON(w, a []byte, n int) float64
