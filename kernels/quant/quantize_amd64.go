//go:build !purego

package quant

import "sovra/kernels/internal/race"

// The amd64 kernels of Quantize for the activation types, at the levels
// VecDot registers (dot_amd64.go: "avx2" with AVX2 and F16C, "avx512" with
// AVX-512 F and BW on 512-bit vectors). Each gives exactly the bytes of the
// pure-Go definition (quantizers), including every rounding tie, zero and
// subnormal: it performs the same float32 operations in the same order per
// element (the maximum of a block is order-independent for finite inputs).
//
// Non-finite inputs are rare and their outcome in the definition depends on
// the order of its running maximum, so the Q8 kernels stop at the first
// block whose maximum magnitude is NaN or Inf and report false; Quantize
// then runs the definition on the whole row.

// quantizeSIMD runs the kernel for t if there is one at the selected level
// and reports whether it did. src and dst have been checked by Quantize.
func quantizeSIMD(t Type, src []float32, dst []byte) bool {
	if !useAVX512 && !useAVX2 {
		return false
	}
	switch t {
	case F16:
		m := len(src) &^ 15
		race.ReadSlice(src[:m])
		race.WriteSlice(dst[:2*m])
		if useAVX512 {
			quantF16AVX512(src[:m], dst[:2*m])
		} else {
			quantF16AVX2(src[:m], dst[:2*m])
		}
		quantF16(src[m:], dst[2*m:])
		return true
	case Q8_0, Q8_1, Q8_K:
		race.ReadSlice(src)
		race.WriteSlice(dst)
		switch {
		case t == Q8_0 && useAVX512:
			return quantQ8_0AVX512(src, dst)
		case t == Q8_0:
			return quantQ8_0AVX2(src, dst)
		case t == Q8_1 && useAVX512:
			return quantQ8_1AVX512(src, dst)
		case t == Q8_1:
			return quantQ8_1AVX2(src, dst)
		case useAVX512:
			return quantQ8_KAVX512(src, dst)
		default:
			return quantQ8_KAVX2(src, dst)
		}
	}
	return false
}

// Each kernel takes a row of whole blocks (len(src) a multiple of the block
// size, len(dst) its RowBytes) and touches nothing outside them. The Q8
// kernels return false, having written part of dst, when a block holds a
// NaN or an Inf.

// quantF16AVX512 is quantF16(src, dst) with VCVTPS2PH (round to nearest
// even) on 512-bit vectors; len(src) is a multiple of 16.
//
//go:noescape
func quantF16AVX512(src []float32, dst []byte)

// quantF16AVX2 is quantF16(src, dst) with F16C on 256-bit vectors;
// len(src) is a multiple of 16.
//
//go:noescape
func quantF16AVX2(src []float32, dst []byte)

// quantQ8_0AVX512 is quantQ8_0(src, dst) with AVX-512.
//
//go:noescape
func quantQ8_0AVX512(src []float32, dst []byte) bool

// quantQ8_0AVX2 is quantQ8_0(src, dst) with AVX2 and F16C.
//
//go:noescape
func quantQ8_0AVX2(src []float32, dst []byte) bool

// quantQ8_1AVX512 is quantQ8_1(src, dst) with AVX-512.
//
//go:noescape
func quantQ8_1AVX512(src []float32, dst []byte) bool

// quantQ8_1AVX2 is quantQ8_1(src, dst) with AVX2 and F16C.
//
//go:noescape
func quantQ8_1AVX2(src []float32, dst []byte) bool

// quantQ8_KAVX512 is quantQ8_K(src, dst) with AVX-512.
//
//go:noescape
func quantQ8_KAVX512(src []float32, dst []byte) bool

// quantQ8_KAVX2 is quantQ8_K(src, dst) with AVX2.
//
//go:noescape
func quantQ8_KAVX2(src []float32, dst []byte) bool
