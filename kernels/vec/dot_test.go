package vec

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"sovra/kernels/internal/kerneltest"
)

// The equivalence tests of Dot and Axpy: every implementation
// (kernels/internal/impl "vec": "generic", "avx2", "avx512") against the
// pure-Go definitions dotGeneric and axpyGeneric.
//
// Tolerances (stated on Dot and Axpy):
//   - Axpy: bit-exact; NaNs need only both be NaN (the payload depends on
//     the operand order of the instructions).
//   - Dot: |got − want| ≤ 2·n·2⁻²⁴·Σ|aᵢbᵢ| + n·2⁻¹⁴⁹. The sequential sum and
//     a sum in lanes each lie within (n−1)·2⁻²⁴·Σ|aᵢbᵢ| (to first order) of
//     the exact value; fused products add at most 2⁻¹⁴⁹ each among
//     subnormals. A NaN or infinite want must be matched exactly.

// testLengths covers every tail of every loop (up to 2×64 + 2) and a few
// long rows.
var testLengths = func() []int {
	var ns []int
	for n := 0; n <= 130; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1000, 4096)
}()

func dotTolerance(a, b []float32) float64 {
	var mag float64
	for i := range a {
		mag += math.Abs(float64(a[i]) * float64(b[i]))
	}
	n := float64(len(a))
	return 2*n*0x1p-24*mag + n*0x1p-149
}

func checkDot(t *testing.T, what string, a, b []float32) {
	t.Helper()
	want := dotGeneric(a, b)
	got := Dot(a, b)
	w, g := float64(want), float64(got)
	switch {
	case math.IsNaN(w) || math.IsInf(w, 0):
		if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
			t.Errorf("%s: Dot = %g, want %g", what, got, want)
		}
	case math.Abs(g-w) > dotTolerance(a, b):
		t.Errorf("%s: Dot = %g, want %g ± %g (diff %g)", what, got, want, dotTolerance(a, b), g-w)
	}
}

// sameBits reports whether x and y are the same float32, or both NaN.
func sameBits(x, y float32) bool {
	return math.Float32bits(x) == math.Float32bits(y) || x != x && y != y
}

// asBytes and asFloats view a float32 slice as bytes and back, to place it
// against a guard page.
func asBytes(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}

func asFloats(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func randFloats(r *rand.Rand, n int) []float32 {
	f := make([]float32, n)
	for i := range f {
		f[i] = float32(r.NormFloat64())
	}
	return f
}

func TestDotImpls(t *testing.T) {
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(1, 2))
		ga := kerneltest.NewGuarded(t, 4*4096+64)
		gb := kerneltest.NewGuarded(t, 4*4096+64)
		for _, n := range testLengths {
			for off := range 4 {
				a := randFloats(r, n+off)[off:]
				b := randFloats(r, n+off+1)[off:] // b may be longer than a
				checkDot(t, "random", a, b)
				// Against the guard pages: a read past the end or before
				// the start faults.
				checkDot(t, "at end", asFloats(ga.AtEnd(asBytes(a))), asFloats(gb.AtEnd(asBytes(b[:n]))))
				checkDot(t, "at start", asFloats(ga.AtStart(asBytes(a))), asFloats(gb.AtStart(asBytes(b[:n]))))
			}
			// Exact: small integers sum exactly in any order.
			a, b := make([]float32, n), make([]float32, n)
			var want float32
			for i := range a {
				a[i], b[i] = float32(r.IntN(33)-16), float32(r.IntN(33)-16)
				want += a[i] * b[i]
			}
			if got := Dot(a, b); got != want {
				t.Errorf("n=%d integers: Dot = %g, want %g", n, got, want)
			}
			if got := Dot(a, a); got != dotGeneric(a, a) {
				t.Errorf("n=%d Dot(a, a) = %g, want %g", n, got, dotGeneric(a, a))
			}
		}
	})
}

func TestAxpyImpls(t *testing.T) {
	const guard = 5
	sentinel := math.Float32frombits(0x7fc0dead) // a quiet NaN no kernel computes
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(3, 4))
		gx := kerneltest.NewGuarded(t, 4*4096+64)
		gy := kerneltest.NewGuarded(t, 4*4096+64)
		for _, n := range testLengths {
			for off := range 4 {
				a := float32(r.NormFloat64())
				x := randFloats(r, n+off+1)[off:] // x may be longer than y
				y0 := randFloats(r, n)
				want := append([]float32(nil), y0...)
				axpyGeneric(want, a, x[:n])

				// y inside NaN sentinels, hard-capped, at offset off.
				buf := make([]float32, off+guard+n+guard)
				for i := range buf {
					buf[i] = sentinel
				}
				y := buf[off+guard : off+guard+n : off+guard+n]
				copy(y, y0)
				Axpy(y, a, x)
				for i := range y {
					if !sameBits(y[i], want[i]) {
						t.Fatalf("n=%d off=%d: y[%d] = %g, want %g", n, off, i, y[i], want[i])
					}
				}
				for i, v := range buf {
					if (i < off+guard || i >= off+guard+n) && math.Float32bits(v) != math.Float32bits(sentinel) {
						t.Fatalf("n=%d off=%d: guard buf[%d] = %g overwritten", n, off, i, v)
					}
				}

				// Against the guard pages.
				for _, place := range []func(*kerneltest.Guarded, []byte) []byte{(*kerneltest.Guarded).AtEnd, (*kerneltest.Guarded).AtStart} {
					yg := asFloats(place(gy, asBytes(y0)))
					Axpy(yg, a, asFloats(place(gx, asBytes(x[:n]))))
					for i := range yg {
						if !sameBits(yg[i], want[i]) {
							t.Fatalf("n=%d off=%d guarded: y[%d] = %g, want %g", n, off, i, yg[i], want[i])
						}
					}
				}

				// In place: y += a·y.
				ya := append([]float32(nil), y0...)
				wa := append([]float32(nil), y0...)
				Axpy(ya, a, ya)
				axpyGeneric(wa, a, wa)
				for i := range ya {
					if !sameBits(ya[i], wa[i]) {
						t.Fatalf("n=%d aliased: y[%d] = %g, want %g", n, i, ya[i], wa[i])
					}
				}
			}
		}
	})
}

// specials are the values the special-value tests draw from.
var specials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	0, float32(math.Copysign(0, -1)),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-40, -3e-39, 0x1p-126,
	1, -1, 0.1, 65504, -65504, // the largest F16
	0x1.fep127, -0x1.fep127, math.MaxFloat32, // the largest BF16 and float32
}

// specialFloats returns n values, a fraction p of them specials.
func specialFloats(r *rand.Rand, n int, p float64) []float32 {
	f := randFloats(r, n)
	for i := range f {
		if r.Float64() < p {
			f[i] = specials[r.IntN(len(specials))]
		}
	}
	return f
}

func TestDotSpecialValues(t *testing.T) {
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range testLengths {
			for range 20 {
				a, b := specialFloats(r, n, 0.05), specialFloats(r, n, 0.05)
				// Summing huge finite terms may overflow in one order and
				// not in another: test only sums that cannot overflow
				// unless an operand is infinite or NaN.
				var mag float64
				for i := range a {
					if p := math.Abs(float64(a[i]) * float64(b[i])); !math.IsNaN(p) && !math.IsInf(p, 0) {
						mag += p
					}
				}
				if mag > math.MaxFloat32/2 {
					continue
				}
				checkDot(t, "specials", a, b)
			}
		}
		// Hand-picked: NaN, Inf, Inf−Inf and Inf·0 in the tail and the body.
		inf := float32(math.Inf(1))
		for _, n := range []int{1, 7, 15, 17, 64, 100} {
			for _, c := range []struct {
				vals []float32
				want float32
			}{
				{[]float32{float32(math.NaN())}, float32(math.NaN())},
				{[]float32{inf}, inf},
				{[]float32{-inf}, -inf},
				{[]float32{inf, -inf}, float32(math.NaN())},
			} {
				for pos := range n {
					a, b := make([]float32, n), make([]float32, n)
					for i := range a {
						a[i], b[i] = 1, 1
					}
					for k, v := range c.vals {
						a[(pos+k*n/2)%n] = v
					}
					if len(c.vals) > 1 && n == 1 {
						continue
					}
					got := Dot(a, b)
					if !sameBits(got, c.want) {
						t.Fatalf("n=%d %v at %d: Dot = %g, want %g", n, c.vals, pos, got, c.want)
					}
				}
			}
			a, b := make([]float32, n), make([]float32, n)
			a[n-1], b[n-1] = inf, 0
			if got := Dot(a, b); !math.IsNaN(float64(got)) {
				t.Errorf("n=%d Inf·0: Dot = %g, want NaN", n, got)
			}
		}
	})
}

func TestAxpySpecialValues(t *testing.T) {
	kerneltest.ForAllImpls(t, "vec", func(t *testing.T, name string) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range testLengths {
			for range 10 {
				x, y := specialFloats(r, n, 0.2), specialFloats(r, n, 0.2)
				a := specials[r.IntN(len(specials))]
				if r.IntN(2) == 0 {
					a = float32(r.NormFloat64())
				}
				want := append([]float32(nil), y...)
				axpyGeneric(want, a, x)
				Axpy(y, a, x)
				for i := range y {
					if !sameBits(y[i], want[i]) {
						t.Fatalf("n=%d a=%g: y[%d] = %g, want %g (x=%g)", n, a, i, y[i], want[i], x[i])
					}
				}
			}
		}
	})
}

// FuzzDot and FuzzAxpy check the dispatched kernels against the definitions
// on float32s taken from the fuzz bytes (a = the first half, b = the second).
func FuzzDot(f *testing.F) {
	f.Add(make([]byte, 4*37*2))
	f.Add(asBytes([]float32{1, 2, float32(math.Inf(1)), 4, 5, 6}))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := append([]float32(nil), asFloats(data)...)
		a, b := v[:len(v)/2], v[len(v)/2:]
		var mag float64
		for i := range a {
			if p := math.Abs(float64(a[i]) * float64(b[i])); !math.IsNaN(p) && !math.IsInf(p, 0) {
				mag += p
			}
		}
		if mag > math.MaxFloat32/2 {
			t.Skip("finite sum may overflow")
		}
		checkDot(t, "fuzz", a, b)
	})
}

func FuzzAxpy(f *testing.F) {
	f.Add(float32(2), make([]byte, 4*37*2))
	f.Add(float32(math.Inf(-1)), asBytes([]float32{1, 0, float32(math.NaN()), 4, 5, 6}))
	f.Fuzz(func(t *testing.T, a float32, data []byte) {
		v := append([]float32(nil), asFloats(data)...)
		y, x := v[:len(v)/2], v[len(v)/2:]
		want := append([]float32(nil), y...)
		axpyGeneric(want, a, x)
		Axpy(y, a, x)
		for i := range y {
			if !sameBits(y[i], want[i]) {
				t.Fatalf("y[%d] = %g, want %g", i, y[i], want[i])
			}
		}
	})
}
