package vec_test

import (
	"math"
	"testing"

	"sovra/kernels/quant"
	"sovra/kernels/vec"
)

// TestF16MatchesQuant checks vec's F16 conversions against quant's scalar
// ones: every half, and every 4099th float32.
func TestF16MatchesQuant(t *testing.T) {
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	dst := make([]float32, len(src))
	vec.F16ToF32(dst, src)
	for i, h := range src {
		if !same(dst[i], quant.F16ToF32(h)) {
			t.Fatalf("F16ToF32(%#04x) = %g, quant %g", h, dst[i], quant.F16ToF32(h))
		}
	}
	var fs []float32
	for b := uint64(0); b < 1<<32; b += 4099 {
		fs = append(fs, math.Float32frombits(uint32(b)))
	}
	hs := make([]uint16, len(fs))
	vec.F32ToF16(hs, fs)
	for i, f := range fs {
		if w := quant.F32ToF16(f); hs[i] != w {
			t.Fatalf("F32ToF16(%g) = %#04x, quant %#04x", f, hs[i], w)
		}
	}
}
