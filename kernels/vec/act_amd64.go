//go:build !purego

package vec

import "sovra/kernels/internal/race"

// The amd64 element-wise kernels, at the levels of Dot (useAVX2, useAVX512).
// Each evaluates exp32 with the same float32 operations as the definition,
// so they give the definitions' bits (softmax's float64 sum aside); each
// reads and writes only the len(dst) (or len(x)) elements of its slices.

func exp(dst, x []float32) {
	switch {
	case useAVX512:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		expAVX512(dst, x)
	case useAVX2:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		expAVX2(dst, x)
	default:
		expGeneric(dst, x)
	}
}

func scale(dst, x []float32, s float32) {
	switch {
	case useAVX512:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		scaleAVX512(dst, x, s)
	case useAVX2:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		scaleAVX2(dst, x, s)
	default:
		scaleGeneric(dst, x, s)
	}
}

func silu(dst, x []float32) {
	switch {
	case useAVX512:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		siluAVX512(dst, x)
	case useAVX2:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		siluAVX2(dst, x)
	default:
		siluGeneric(dst, x)
	}
}

func swiglu(dst, gate, up []float32) {
	switch {
	case useAVX512:
		race.ReadSlice(gate)
		race.ReadSlice(up)
		race.WriteSlice(dst)
		swigluAVX512(dst, gate, up)
	case useAVX2:
		race.ReadSlice(gate)
		race.ReadSlice(up)
		race.WriteSlice(dst)
		swigluAVX2(dst, gate, up)
	default:
		swigluGeneric(dst, gate, up)
	}
}

func gelu(dst, x []float32) {
	switch {
	case useAVX512:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		geluAVX512(dst, x)
	case useAVX2:
		race.ReadSlice(x)
		race.WriteSlice(dst)
		geluAVX2(dst, x)
	default:
		geluGeneric(dst, x)
	}
}

// scaleMask is scaleMaskGeneric; mask is empty or as long as x.
func scaleMask(x []float32, s float32, mask []float32) float32 {
	switch {
	case useAVX512:
		race.WriteSlice(x)
		race.ReadSlice(mask)
		return scaleMaskAVX512(x, s, mask)
	case useAVX2:
		race.WriteSlice(x)
		race.ReadSlice(mask)
		return scaleMaskAVX2(x, s, mask)
	}
	return scaleMaskGeneric(x, s, mask)
}

// expSum is expSumGeneric, with the sum in float64 lanes.
func expSum(x []float32, m float32) float64 {
	switch {
	case useAVX512:
		race.WriteSlice(x)
		return expSumAVX512(x, m)
	case useAVX2:
		race.WriteSlice(x)
		return expSumAVX2(x, m)
	}
	return expSumGeneric(x, m)
}

// The kernels take slices of the lengths the dispatchers above guarantee
// (len(x) == len(dst), len(mask) ∈ {0, len(x)}). Each equals the generic
// function of the same name bit for bit, except expSum*, which sums in 16
// (AVX-512) or 8 (AVX2) float64 lanes and adds the lanes at the end.

//go:noescape
func expAVX512(dst, x []float32)

//go:noescape
func expAVX2(dst, x []float32)

//go:noescape
func scaleAVX512(dst, x []float32, s float32)

//go:noescape
func scaleAVX2(dst, x []float32, s float32)

//go:noescape
func siluAVX512(dst, x []float32)

//go:noescape
func siluAVX2(dst, x []float32)

//go:noescape
func swigluAVX512(dst, gate, up []float32)

//go:noescape
func swigluAVX2(dst, gate, up []float32)

//go:noescape
func geluAVX512(dst, x []float32)

//go:noescape
func geluAVX2(dst, x []float32)

//go:noescape
func scaleMaskAVX512(x []float32, s float32, mask []float32) float32

//go:noescape
func scaleMaskAVX2(x []float32, s float32, mask []float32) float32

//go:noescape
func expSumAVX512(x []float32, m float32) float64

//go:noescape
func expSumAVX2(x []float32, m float32) float64
