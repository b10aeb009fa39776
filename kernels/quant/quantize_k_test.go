package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// f16Slack bounds how far a scale rounded up to f16 may exceed its exact
// value: one part in 2^10 for normal halves, 2^-24 below them.
func f16Slack(x float64) float64 { return x*(1+1.0/1024) + 0x1p-24 }

// kRandomRow is randomRow with whole super-blocks of zeros and single-sign
// super-blocks mixed in.
func kRandomRow(rng *rand.Rand, n int) []float32 {
	x := randomRow(rng, n)
	for b := 0; b < n; b += QKK {
		switch rng.IntN(8) {
		case 0:
			clear(x[b : b+QKK])
		case 1:
			for i := b; i < b+QKK; i++ {
				x[i] = abs32(x[i])
			}
		case 2:
			for i := b; i < b+QKK; i++ {
				x[i] = -abs32(x[i])
			}
		}
	}
	return x
}

// TestQuantizeKAsymErrorBound checks Q4_K and Q5_K: every element is within
// half a step of its sub-block, and the step and min are at most one f16
// super-block quantum larger than the sub-block's range needs.
func TestQuantizeKAsymErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		typ    Type
		levels float64
	}{{Q4_K, 15}, {Q5_K, 31}} {
		for iter := 0; iter < 40; iter++ {
			x := kRandomRow(rng, 4*QKK)
			b := quantize(t, c.typ, x)
			y := dequantize(t, c.typ, b, len(x))
			for blk := 0; blk < len(x)/QKK; blk++ {
				bb := b[blk*c.typ.BlockBytes():]
				d, dmin := float64(f16At(bb, 0)), float64(f16At(bb, 2))
				var maxMin, maxRange float64
				for j := 0; j < 8; j++ {
					lo, hi := minMax(x[blk*QKK+32*j : blk*QKK+32*j+32])
					maxMin = max(maxMin, -min(float64(lo), 0))
					maxRange = max(maxRange, float64(hi)-min(float64(lo), 0))
				}
				if want := f16Slack(maxMin / 63); dmin < 0 || dmin > want {
					t.Fatalf("%v block %d: dmin %g, want 0..%g", c.typ, blk, dmin, want)
				}
				if want := f16Slack((maxRange + dmin) / c.levels / 63); d < 0 || d > want {
					t.Fatalf("%v block %d: d %g, want 0..%g", c.typ, blk, d, want)
				}
				for j := 0; j < 8; j++ {
					off := blk*QKK + 32*j
					xs, ys := x[off:off+32], y[off:off+32]
					lo, hi := minMax(xs)
					rng := float64(hi) - min(float64(lo), 0)
					bound := ((rng+dmin)/c.levels+d)/2*(1+1e-5) + 1e-30
					for i := range xs {
						if e := math.Abs(float64(xs[i]) - float64(ys[i])); e > bound {
							t.Fatalf("%v block %d sub-block %d element %d: %g -> %g, error %g > %g (d %g, dmin %g)",
								c.typ, blk, j, i, xs[i], ys[i], e, bound, d, dmin)
						}
					}
				}
			}
		}
	}
}

func TestQuantizeQ6_KErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for iter := 0; iter < 40; iter++ {
		x := kRandomRow(rng, 4*QKK)
		b := quantize(t, Q6_K, x)
		y := dequantize(t, Q6_K, b, len(x))
		for blk := 0; blk < len(x)/QKK; blk++ {
			d := float64(f16At(b[blk*q6_KBytes:], 208))
			var maxAbs float64
			for j := 0; j < 16; j++ {
				maxAbs = max(maxAbs, float64(absMax(x[blk*QKK+16*j:blk*QKK+16*j+16])))
			}
			if want := f16Slack(maxAbs / 31 / 127); d < 0 || d > want {
				t.Fatalf("Q6_K block %d: d %g, want 0..%g", blk, d, want)
			}
			for j := 0; j < 16; j++ {
				off := blk*QKK + 16*j
				xs, ys := x[off:off+16], y[off:off+16]
				bound := (float64(absMax(xs))/31+d)/2*(1+1e-5) + 1e-30
				for i := range xs {
					if e := math.Abs(float64(xs[i]) - float64(ys[i])); e > bound {
						t.Fatalf("Q6_K block %d sub-block %d element %d: %g -> %g, error %g > %g (d %g)",
							blk, j, i, xs[i], ys[i], e, bound, d)
					}
				}
			}
		}
	}
}

// TestQuantizeKZeros checks that all-zero super-blocks, and zero sub-blocks
// inside non-zero super-blocks, dequantize to exact zeros.
func TestQuantizeKZeros(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K} {
		b := make([]byte, typ.BlockBytes())
		for i := range b {
			b[i] = 0xa5 // must be overwritten
		}
		if err := Quantize(typ, make([]float32, QKK), b); err != nil {
			t.Fatal(err)
		}
		for i, v := range dequantize(t, typ, b, QKK) {
			if v != 0 {
				t.Fatalf("%v of zeros dequantizes to %g at %d", typ, v, i)
			}
		}
		// Sub-block 3 (elements 48..63 for Q6_K, 96..127 for the others)
		// of an otherwise random block is zero.
		sub := 32
		if typ == Q6_K {
			sub = 16
		}
		x := make([]float32, QKK)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		clear(x[3*sub : 4*sub])
		y := dequantize(t, typ, quantize(t, typ, x), QKK)
		for i := 3 * sub; i < 4*sub; i++ {
			if y[i] != 0 {
				t.Fatalf("%v: zero sub-block dequantizes to %g at %d", typ, y[i], i)
			}
		}
	}
}

// TestQuantizeKGrid quantizes values that lie on each format's grid and
// checks that they come back nearly exactly (the super-block scales are
// rounded up to f16): the layouts place every quant where the
// dequantizer reads it.
func TestQuantizeKGrid(t *testing.T) {
	for _, c := range []struct {
		typ    Type
		sub    int // sub-block size
		levels int
	}{{Q4_K, 32, 15}, {Q5_K, 32, 31}, {Q6_K, 16, 62}} {
		x := make([]float32, QKK)
		for i := range x {
			j := i / c.sub
			v := (i * 7) % (c.levels + 1)
			if i%c.sub == 0 {
				v = c.levels // every sub-block spans its whole range
			}
			if c.typ == Q6_K {
				x[i] = float32(v - 31) // -31..31
				if j%2 == 1 {
					x[i] = -x[i]
				}
			} else {
				x[i] = float32(v - j%8) // sub-block j: -j..levels-j
				if i%c.sub == 1 {
					x[i] = float32(-j % 8)
				}
			}
		}
		y := dequantize(t, c.typ, quantize(t, c.typ, x), QKK)
		// d rounds up to f16 by up to 2^-10 relative, so the levels move
		// by up to 31·2^-10.
		for i := range x {
			if e := math.Abs(float64(x[i] - y[i])); e > 0.035 {
				t.Errorf("%v element %d: %g -> %g", c.typ, i, x[i], y[i])
			}
		}
	}
	// The Q4_K fields of a block whose sub-blocks all span 0..15 with
	// min 0: d·sc = 1 exactly requires sc = 63, d = 1/63 rounded up to f16.
	x := make([]float32, QKK)
	for i := range x {
		x[i] = float32(i % 16)
	}
	b := quantize(t, Q4_K, x)
	if dmin := binary.LittleEndian.Uint16(b[2:]); dmin != 0 {
		t.Errorf("Q4_K dmin = %#04x, want 0", dmin)
	}
	for j := 0; j < 8; j++ {
		if sc, m := kScaleMin(j, b[4:16]); sc != 63 || m != 0 {
			t.Errorf("Q4_K sub-block %d: scale %d min %d, want 63 and 0", j, sc, m)
		}
	}
}

func TestQuantizeKNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K} {
		for _, v := range []float32{nan, inf, -inf} {
			x := make([]float32, 2*QKK)
			x[3] = v
			x[QKK+1] = 1
			quantize(t, typ, x)
		}
	}
}

func TestQuantizeKAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	x := kRandomRow(rng, 2*QKK)
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K} {
		dst := make([]byte, 2*typ.BlockBytes())
		if allocs := testing.AllocsPerRun(10, func() { _ = Quantize(typ, x, dst) }); allocs != 0 {
			t.Errorf("Quantize(%v) allocates %v times", typ, allocs)
		}
	}
}

func BenchmarkQuantizeK(b *testing.B) {
	rng := rand.New(rand.NewPCG(19, 20))
	x := kRandomRow(rng, 16*QKK)
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K} {
		dst := make([]byte, 16*typ.BlockBytes())
		b.Run("type="+typ.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = Quantize(typ, x, dst)
			}
		})
	}
}
