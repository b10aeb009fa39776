package vec

import (
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sovra/kernels/internal/kerneltest"
)

// The tests of the element-wise kernels and softmax.
//
// Tolerances:
//   - Exp, Scale, SiLU, SwiGLU, GELU: every implementation is bit-exact with
//     the pure-Go definition (NaNs need only both be NaN).
//   - exp32 against float64 math.Exp: at most 1e-7 relative where the
//     result is a normal float32 (TestExpAccuracy); SiLU and GELU against
//     their float64 formulas: 4e-7 relative plus 1e-37 absolute, and for
//     GELU another 1.5·2⁻²³·|u| relative, u the argument of exp (rounded
//     to float32 by the definition, as llama.cpp does).
//   - ScaledSoftmax: 2.5e-7 relative plus 1e-30 absolute against the
//     definition (the SIMD kernels sum in float64 lanes, the definition in
//     index order); zeros (masked or all −Inf rows) exact.

var fullExp = flag.Bool("full", false, "TestExpAccuracy: every float32")

// expStride is 1 for the full check (go test -run ExpAccuracy -args -full).
var expStride = uint32(101)

func TestExpAccuracy(t *testing.T) {
	if *fullExp {
		expStride = 1
	}
	// Every expStride-th float32 whose exp is normal: x in [ln(2⁻¹²⁶), ln(MaxFloat32)].
	lo, hi := float32(math.Log(0x1p-126)), float32(math.Log(math.MaxFloat32))
	var worst float64
	var at float32
	count := 0
	xs := make([]float32, 0, 1<<20)
	got := make([]float32, 1<<20)
	flush := func() {
		Exp(got[:len(xs)], xs)
		for i, x := range xs {
			want := math.Exp(float64(x))
			if want > math.MaxFloat32 {
				continue // float32(88.72284) is just above ln(MaxFloat32)
			}
			if e := math.Abs(float64(got[i])-want) / want; e > worst {
				worst, at = e, x
			}
		}
		count += len(xs)
		xs = xs[:0]
	}
	for b := uint32(0); b < 0x7f800000; b += expStride {
		x := math.Float32frombits(b)
		if x <= hi {
			xs = append(xs, x)
		}
		if -x >= lo {
			xs = append(xs, -x)
		}
		if len(xs) >= cap(xs)-2 {
			flush()
		}
	}
	flush()
	t.Logf("exp32: max relative error %.3g at x=%g over %d inputs", worst, at, count)
	if worst > 1e-7 {
		t.Errorf("exp32: max relative error %.3g at x=%g, want ≤ 1e-7", worst, at)
	}
	// Special values.
	for _, c := range []struct{ x, want float32 }{
		{0, 1}, {float32(math.Copysign(0, -1)), 1},
		{float32(math.Inf(-1)), 0}, {-104, 0}, {-1000, 0},
		{float32(math.Inf(1)), float32(math.Inf(1))}, {89, float32(math.Inf(1))}, {1000, float32(math.Inf(1))},
	} {
		if got := exp32(c.x); got != c.want {
			t.Errorf("exp32(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if got := exp32(float32(math.NaN())); got == got {
		t.Errorf("exp32(NaN) = %g", got)
	}
	// Subnormal results: within one unit of 2⁻¹⁴⁹ plus the relative error.
	for x := float32(-103.9); x < -87.4; x += 0.01 {
		want := math.Exp(float64(x))
		if d := math.Abs(float64(exp32(x)) - want); d > 0x1p-149+2e-7*want {
			t.Errorf("exp32(%g) = %g, want %g", x, exp32(x), want)
		}
	}
}

func TestActivationAccuracy(t *testing.T) {
	for x := float32(-30); x < 30; x += 0.001 {
		v := float64(x)
		silu := v / (1 + math.Exp(-v))
		if d := math.Abs(float64(silu32(x)) - silu); d > 4e-7*math.Abs(silu)+1e-37 {
			t.Fatalf("silu32(%g) = %g, want %g", x, silu32(x), silu)
		}
		// 0.5·x·(1 + tanh(u)) = x·sigmoid(2u), without tanh's cancellation.
		// The float32 rounding of the argument u of exp adds up to about
		// |u|·2⁻²³ relative error.
		u := -2 * math.Sqrt(2/math.Pi) * (v + 0.044715*v*v*v)
		gelu := v / (1 + math.Exp(u))
		if d := math.Abs(float64(gelu32(x)) - gelu); d > (4e-7+3*math.Abs(u)*0x1p-24)*math.Abs(gelu)+1e-37 {
			t.Fatalf("gelu32(%g) = %g, want %g", x, gelu32(x), gelu)
		}
	}
}

// unaryCases are the element-wise kernels of one input, with their
// definitions.
var unaryCases = []struct {
	name     string
	fn, want func(dst, x []float32)
}{
	{"Exp", Exp, expGeneric},
	{"SiLU", SiLU, siluGeneric},
	{"GELU", GELU, geluGeneric},
	{"Scale", func(d, x []float32) { Scale(d, x, -0.37) }, func(d, x []float32) { scaleGeneric(d, x, -0.37) }},
	{"SwiGLU", func(d, x []float32) { SwiGLU(d, x, x[len(x)/3:]) }, nil},
}

func TestElementwiseImpls(t *testing.T) {
	const guard = 5
	sentinel := math.Float32frombits(0x7fc0dead)
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(11, 12))
		gx := kerneltest.NewGuarded(t, 4*4096+64)
		gy := kerneltest.NewGuarded(t, 4*4096+64)
		gu := kerneltest.NewGuarded(t, 4*4096+64)
		for _, n := range testLengths {
			for off := range 4 {
				x := specialFloats(r, n+off, 0.1)[off:]
				for i := range x {
					x[i] *= 8 // reach the clamps of exp32
				}
				up := randFloats(r, n)
				check := func(what string, got []float32, want func(dst []float32)) {
					t.Helper()
					w := make([]float32, n)
					want(w)
					for i := range w {
						if !sameBits(got[i], w[i]) {
							t.Fatalf("%s n=%d off=%d: [%d] = %g, want %g (x=%g)", what, n, off, i, got[i], w[i], x[i])
						}
					}
				}
				for _, c := range []struct {
					name string
					fn   func(dst, x []float32)
					want func(dst []float32)
				}{
					{"Exp", Exp, func(d []float32) { expGeneric(d, x) }},
					{"SiLU", SiLU, func(d []float32) { siluGeneric(d, x) }},
					{"GELU", GELU, func(d []float32) { geluGeneric(d, x) }},
					{"Scale", func(d, x []float32) { Scale(d, x, -0.37) }, func(d []float32) { scaleGeneric(d, x, -0.37) }},
					{"SwiGLU", func(d, x []float32) { SwiGLU(d, x, up) }, func(d []float32) { swigluGeneric(d, x, up) }},
					{"SwiGLU guarded", func(d, x []float32) { SwiGLU(d, x, asFloats(gu.AtEnd(asBytes(up)))) }, func(d []float32) { swigluGeneric(d, x, up) }},
				} {
					// dst inside NaN sentinels, hard-capped.
					buf := make([]float32, guard+n+guard)
					for i := range buf {
						buf[i] = sentinel
					}
					dst := buf[guard : guard+n : guard+n]
					c.fn(dst, x)
					check(c.name, dst, c.want)
					for i, v := range buf {
						if (i < guard || i >= guard+n) && math.Float32bits(v) != math.Float32bits(sentinel) {
							t.Fatalf("%s n=%d: guard buf[%d] overwritten", c.name, n, i)
						}
					}
					// Against the guard pages, and in place.
					for _, place := range []func(*kerneltest.Guarded, []byte) []byte{(*kerneltest.Guarded).AtEnd, (*kerneltest.Guarded).AtStart} {
						xg := asFloats(place(gx, asBytes(x)))
						yg := asFloats(place(gy, asBytes(make([]float32, n))))
						c.fn(yg, xg)
						check(c.name+" guarded", yg, c.want)
						c.fn(xg, xg)
						check(c.name+" in place", xg, c.want)
					}
				}
			}
		}
	})
}

// softmaxRef is the definition of ScaledSoftmax from the generic passes.
func softmaxRef(x []float32, scale float32, mask []float32) {
	m := scaleMaskGeneric(x, scale, mask)
	if m == negInf {
		clear(x)
		return
	}
	sum := expSumGeneric(x, m)
	scaleGeneric(x, x, float32(1/sum))
}

func checkSoftmax(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		switch {
		case math.IsNaN(w):
			if !math.IsNaN(g) {
				t.Fatalf("%s: [%d] = %g, want NaN", what, i, g)
			}
		case w == 0:
			if g != 0 {
				t.Fatalf("%s: [%d] = %g, want 0", what, i, g)
			}
		case math.Abs(g-w) > 2.5e-7*w+1e-30:
			t.Fatalf("%s: [%d] = %g, want %g (rel diff %.3g)", what, i, g, w, (g-w)/w)
		}
	}
}

func TestSoftmaxImpls(t *testing.T) {
	inf := float32(math.Inf(1))
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(13, 14))
		gx := kerneltest.NewGuarded(t, 4*4096+64)
		gm := kerneltest.NewGuarded(t, 4*4096+64)
		for _, n := range testLengths {
			for trial := range 6 {
				x := randFloats(r, n)
				for i := range x {
					x[i] *= 10
				}
				var mask []float32
				switch trial {
				case 1, 2: // causal-like: a -Inf suffix
					mask = make([]float32, n)
					for i := r.IntN(n + 1); i < n; i++ {
						mask[i] = -inf
					}
				case 3: // scattered -Inf, finite biases, and x that is ±Inf or NaN under the mask
					mask = make([]float32, n)
					for i := range mask {
						switch r.IntN(4) {
						case 0:
							mask[i] = -inf
							x[i] = specials[r.IntN(3)]
						case 1:
							mask[i] = float32(r.NormFloat64())
						}
					}
				case 4: // all masked
					mask = make([]float32, n)
					for i := range mask {
						mask[i] = -inf
					}
				case 5: // a NaN makes the row NaN
					if n > 0 {
						x[r.IntN(n)] = float32(math.NaN())
					}
				}
				scale := float32(0.125)
				want := append([]float32(nil), x...)
				softmaxRef(want, scale, mask)
				got := append([]float32(nil), x...)
				ScaledSoftmax(got, scale, mask)
				checkSoftmax(t, "random", got, want)
				// Against the guard pages.
				xg := asFloats(gx.AtEnd(asBytes(x)))
				var mg []float32
				if mask != nil {
					mg = asFloats(gm.AtEnd(asBytes(mask)))
				}
				ScaledSoftmax(xg, scale, mg)
				checkSoftmax(t, "guarded end", xg, want)
				xg = asFloats(gx.AtStart(asBytes(x)))
				if mask != nil {
					mg = asFloats(gm.AtStart(asBytes(mask)))
				}
				ScaledSoftmax(xg, scale, mg)
				checkSoftmax(t, "guarded start", xg, want)
				// Sums to 1 unless all masked or NaN.
				var sum float64
				for _, v := range got {
					sum += float64(v)
				}
				if n > 0 && want[0] == want[0] && slices.ContainsFunc(want, func(v float32) bool { return v != 0 }) && math.Abs(sum-1) > 1e-5 {
					t.Fatalf("n=%d trial %d: sum %g", n, trial, sum)
				}
			}
		}
	})
}
