package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"sovra/kernels/internal/kerneltest"
)

// The tests of the attention and F16 kernels.
//
// Tolerances:
//   - F16ToF32, F32ToF16, RoundF16: bit-exact with the definitions (NaNs
//     need only both be NaN), which equal quant's scalar conversions
//     (f16_quant_test.go, all 2¹⁶ halves).
//   - ScoresF16: each score within 2·d·2⁻²⁴·Σ|q·k| + d·2⁻¹⁴⁹ of the
//     definition's (as Dot); MixF16: each output within
//     2·n·2⁻²⁴·Σ|p·v| + n·2⁻¹⁴⁹.
//   - Both: a query's results are bit-identical whatever the number of
//     queries beside it and its place among them.

func asHalves(b []byte) []uint16 {
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2)
}

func halvesBytes(h []uint16) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(h))), 2*len(h))
}

func randHalves(r *rand.Rand, n int) []uint16 {
	h := make([]uint16, n)
	for i := range h {
		h[i] = toHalf(float32(r.NormFloat64()))
	}
	return h
}

func TestF16Impls(t *testing.T) {
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(21, 22))
		// Every half.
		all := make([]uint16, 1<<16)
		for i := range all {
			all[i] = uint16(i)
		}
		got := make([]float32, len(all))
		F16ToF32(got, all)
		for i, h := range all {
			if !sameBits(got[i], half(h)) {
				t.Fatalf("F16ToF32(%#04x) = %g, want %g", h, got[i], half(h))
			}
		}
		back := make([]uint16, len(all))
		F32ToF16(back, got)
		for i, h := range all {
			if back[i] != h && !(h&0x7c00 == 0x7c00 && h&0x3ff != 0) {
				t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back[i])
			}
		}
		g := kerneltest.NewGuarded(t, 4*4096+64)
		for _, n := range testLengths {
			x := specialFloats(r, n, 0.1)
			for i := range x {
				switch r.IntN(3) {
				case 0:
					x[i] *= 1e-5 // subnormal halves
				case 1:
					x[i] = math.Float32frombits(r.Uint32()) // anything
				}
			}
			h := make([]uint16, n)
			F32ToF16(h, asFloats(g.AtEnd(asBytes(x))))
			want := make([]uint16, n)
			f32ToF16Generic(want, x)
			for i := range h {
				if h[i] != want[i] && !(x[i] != x[i] && h[i]&0x7e00 == 0x7e00) {
					t.Fatalf("n=%d: F32ToF16(%g) = %#04x, want %#04x", n, x[i], h[i], want[i])
				}
			}
			f := make([]float32, n)
			F16ToF32(f, asHalves(g.AtStart(halvesBytes(h))))
			rx := append([]float32(nil), x...)
			RoundF16(rx)
			for i := range f {
				if !sameBits(f[i], half(want[i])) || !sameBits(rx[i], half(want[i])) {
					t.Fatalf("n=%d: F16ToF32 = %g, RoundF16 = %g, want %g", n, f[i], rx[i], half(want[i]))
				}
			}
		}
	})
}

func TestToHalfRounding(t *testing.T) {
	// Ties to even, overflow and the subnormal boundary.
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{1, 0x3c00}, {1 + 0x1p-11, 0x3c00}, {1 + 3*0x1p-11, 0x3c02}, {65504, 0x7bff},
		{65519.99, 0x7bff}, {65520, 0x7c00}, {0x1p-24, 0x0001}, {0x1p-25, 0}, {0x1.8p-25, 0x0001},
		{3 * 0x1p-25, 0x0002}, {0x1p-14 - 0x1p-25, 0x0400}, {-2, 0xc000},
		{float32(math.Inf(-1)), 0xfc00},
	} {
		if got := toHalf(c.f); got != c.h {
			t.Errorf("toHalf(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

func scoreTolerance(a []float32, b []uint16) float64 {
	var mag float64
	for i := range a {
		mag += math.Abs(float64(a[i]) * float64(half(b[i])))
	}
	n := float64(len(a))
	return 2*n*0x1p-24*mag + n*0x1p-149
}

// attnShapes are the (d, stride) pairs the attention kernel tests use: every
// vector width and its tails, strides larger than d.
var attnShapes = [][2]int{{8, 8}, {16, 16}, {16, 40}, {24, 24}, {32, 96}, {64, 64}, {64, 256}, {80, 160}, {128, 128}, {256, 256}, {7, 9}}

func TestScoresMixF16Impls(t *testing.T) {
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(23, 24))
		gk := kerneltest.NewGuarded(t, 2*256*130+64)
		gq := kerneltest.NewGuarded(t, 4*256*9+64)
		for _, sh := range attnShapes {
			d, ks := sh[0], sh[1]
			for _, n := range []int{1, 2, 3, 5, 17, 64, 130} {
				for _, nq := range []int{0, 1, 3, 4, 5, 8, 9} {
					what := fmt.Sprintf("d=%d ks=%d n=%d nq=%d", d, ks, n, nq)
					k := asHalves(gk.AtEnd(halvesBytes(randHalves(r, (n-1)*ks+d))))
					q := asFloats(gq.AtStart(asBytes(randFloats(r, nq*d))))
					s := make([]float32, nq*n)
					ScoresF16(s, q, k, nq, n, d, ks)
					want := make([]float32, nq*n)
					scoresF16Generic(want, q, k, nq, n, d, ks)
					for i := range nq {
						for j := range n {
							g, w := s[i*n+j], want[i*n+j]
							if tol := scoreTolerance(q[i*d:(i+1)*d], k[j*ks:j*ks+d]); math.Abs(float64(g-w)) > tol {
								t.Fatalf("%s: score[%d,%d] = %g, want %g ± %g", what, i, j, g, w, tol)
							}
						}
						// Alone, the query's scores are the same bits.
						one := make([]float32, n)
						ScoresF16(one, q[i*d:(i+1)*d], k, 1, n, d, ks)
						for j := range n {
							if one[j] != s[i*n+j] {
								t.Fatalf("%s: query %d alone: score %d = %g, in the block %g", what, i, j, one[j], s[i*n+j])
							}
						}
					}

					// Mix, with softmax-like probabilities (some zero).
					p := make([]float32, nq*n)
					for i := range p {
						if r.IntN(5) > 0 {
							p[i] = r.Float32()
						}
					}
					pg := asFloats(gq.AtEnd(asBytes(p)))
					out := make([]float32, nq*d)
					for i := range out {
						out[i] = float32(math.NaN()) // overwritten, not accumulated
					}
					MixF16(out, pg, k, nq, n, d, ks)
					wantOut := make([]float32, nq*d)
					mixF16Generic(wantOut, p, k, nq, n, d, ks)
					for i := range nq {
						for c := range d {
							var mag float64
							for j := range n {
								mag += math.Abs(float64(p[i*n+j]) * float64(half(k[j*ks+c])))
							}
							tol := 2*float64(n)*0x1p-24*mag + float64(n)*0x1p-149
							if g, w := out[i*d+c], wantOut[i*d+c]; math.Abs(float64(g-w)) > tol {
								t.Fatalf("%s: out[%d,%d] = %g, want %g ± %g", what, i, c, g, w, tol)
							}
						}
						one := make([]float32, d)
						MixF16(one, p[i*n:(i+1)*n], k, 1, n, d, ks)
						for c := range d {
							if one[c] != out[i*d+c] {
								t.Fatalf("%s: query %d alone: out %d = %g, in the block %g", what, i, c, one[c], out[i*d+c])
							}
						}
					}
				}
			}
		}
	})
}
