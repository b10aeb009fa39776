//go:build !purego

package vec

import "sovra/kernels/internal/race"

// The amd64 attention kernels need the head dimension d to be a multiple of
// the vector width (16 floats for AVX-512, 8 for AVX2); other heads take the
// generic loops. The F16 conversions use F16C on 8 lanes at both levels,
// with the generic loop for the last len%8 elements; they give the
// definitions' bits.

func scoresF16(s, q []float32, k []uint16, nq, n, d, ks int) {
	switch {
	case useAVX512 && d%16 == 0:
		race.ReadSlice(q)
		race.ReadSlice(k)
		race.WriteSlice(s)
		scoresF16AVX512(s, q, k, nq, n, d, ks)
	case useAVX2 && d%8 == 0:
		race.ReadSlice(q)
		race.ReadSlice(k)
		race.WriteSlice(s)
		scoresF16AVX2(s, q, k, nq, n, d, ks)
	default:
		scoresF16Generic(s, q, k, nq, n, d, ks)
	}
}

func mixF16(out, p []float32, v []uint16, nq, n, d, vs int) {
	switch {
	case useAVX512 && d%16 == 0:
		race.ReadSlice(p)
		race.ReadSlice(v)
		race.WriteSlice(out)
		mixF16AVX512(out, p, v, nq, n, d, vs)
	case useAVX2 && d%8 == 0:
		race.ReadSlice(p)
		race.ReadSlice(v)
		race.WriteSlice(out)
		mixF16AVX2(out, p, v, nq, n, d, vs)
	default:
		mixF16Generic(out, p, v, nq, n, d, vs)
	}
}

func f16ToF32(dst []float32, src []uint16) {
	if useAVX2 || useAVX512 {
		m := len(dst) &^ 7
		race.ReadSlice(src[:m])
		race.WriteSlice(dst[:m])
		f16ToF32F16C(dst[:m], src[:m])
		dst, src = dst[m:], src[m:]
	}
	f16ToF32Generic(dst, src)
}

func f32ToF16(dst []uint16, src []float32) {
	if useAVX2 || useAVX512 {
		m := len(dst) &^ 7
		race.ReadSlice(src[:m])
		race.WriteSlice(dst[:m])
		f32ToF16F16C(dst[:m], src[:m])
		dst, src = dst[m:], src[m:]
	}
	f32ToF16Generic(dst, src)
}

func roundF16(x []float32) {
	if useAVX2 || useAVX512 {
		m := len(x) &^ 7
		race.WriteSlice(x[:m])
		roundF16F16C(x[:m])
		x = x[m:]
	}
	roundF16Generic(x)
}

// The kernels take n ≥ 1, nq ≥ 0, d a multiple of their vector width,
// len(s) = len(p) = nq·n, len(q) = len(out) = nq·d and len(k) = len(v) =
// (n−1)·ks + d (checked by ScoresF16 and MixF16), and touch nothing outside
// those slices. The scores kernels take each query-key product in lanes
// (four accumulating queries at a time, or one; both add the lanes in the
// same order); the mix kernels accumulate every output element over j in
// order with fused multiply-adds, whatever the blocking.

//go:noescape
func scoresF16AVX512(s, q []float32, k []uint16, nq, n, d, ks int)

//go:noescape
func scoresF16AVX2(s, q []float32, k []uint16, nq, n, d, ks int)

//go:noescape
func mixF16AVX512(out, p []float32, v []uint16, nq, n, d, vs int)

//go:noescape
func mixF16AVX2(out, p []float32, v []uint16, nq, n, d, vs int)

// The F16C conversions take lengths that are equal multiples of 8.

//go:noescape
func f16ToF32F16C(dst []float32, src []uint16)

//go:noescape
func f32ToF16F16C(dst []uint16, src []float32)

//go:noescape
func roundF16F16C(x []float32)
