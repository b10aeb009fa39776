package cpu

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"sovra/backends"
	"sovra/kernels/quant"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func mustWeight(t *testing.T, b *Backend, shape backends.Shape, v ...float32) backends.Buffer {
	t.Helper()
	w, err := b.NewWeight("w", quant.F32, shape, f32bytes(v...))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func read(t *testing.T, g backends.Graph, v backends.Value) []float32 {
	t.Helper()
	if err := g.Compute(v); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, g.Shape(v).Elements())
	if err := g.Read(v, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func near(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol {
			t.Errorf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

func TestMatMulAndElementwise(t *testing.T) {
	b := New(1)
	g := b.NewGraph()
	// w is [3, 2]: out[i][j] = Σ x[i][l]·w[j][l].
	w := mustWeight(t, b, backends.Shape{3, 2}, 1, 2, 3, 4, -1, 0.5)
	x := g.Floats("x", backends.Shape{2, 2}, []float32{1, 1, 2, -1})
	y := g.MatMul(x, w)
	near(t, "matmul", read(t, g, y), []float32{3, 7, -0.5, 0, 2, -2.5}, 0)

	g = b.NewGraph()
	a := g.Floats("a", backends.Shape{2, 2}, []float32{1, 2, 3, 4})
	row := g.Floats("row", backends.Shape{1, 2}, []float32{10, 100})
	near(t, "add broadcast", read(t, g, g.Add(a, row)), []float32{11, 102, 13, 104}, 0)
	near(t, "mul", read(t, g, g.Mul(a, a)), []float32{1, 4, 9, 16}, 0)
	near(t, "scale", read(t, g, g.Scale(a, -2)), []float32{-2, -4, -6, -8}, 0)
	// swiglu(a, a) = silu(a)·a with silu(v) = v/(1+e^-v).
	want := make([]float32, 4)
	for i, v := range []float64{1, 2, 3, 4} {
		want[i] = float32(v / (1 + math.Exp(-v)) * v)
	}
	near(t, "swiglu", read(t, g, g.SwiGLU(a, a)), want, 1e-5)
}

func TestRMSNormHand(t *testing.T) {
	b := New(1)
	g := b.NewGraph()
	// Row [3, 4]: mean of squares 12.5, so x/sqrt(12.5+eps); weight [2, 1].
	w := mustWeight(t, b, backends.Shape{2}, 2, 1)
	x := g.Floats("x", backends.Shape{1, 2}, []float32{3, 4})
	r := float32(1 / math.Sqrt(12.5+1e-5))
	near(t, "rmsnorm", read(t, g, g.RMSNorm(x, w, 1e-5)), []float32{2 * 3 * r, 4 * r}, 1e-6)
}

func TestRopeHand(t *testing.T) {
	b := New(1)
	g := b.NewGraph()
	// One head of 4, base 100: pair 0 turns by pos, pair 1 by pos/100^(2/4) = pos/10.
	x := g.Floats("x", backends.Shape{1, 4}, []float32{1, 0, 0, 1})
	pos := g.Int32s("pos", []int32{2})
	c0, s0 := math.Cos(2), math.Sin(2)
	c1, s1 := math.Cos(0.2), math.Sin(0.2)
	want := []float32{float32(c0), float32(s0), float32(-s1), float32(c1)}
	near(t, "rope normal", read(t, g, g.Rope(x, pos, backends.RopeParams{HeadDim: 4, Dims: 4, Base: 100})), want, 1e-6)

	// NeoX pairs (0, 2) and (1, 3).
	g = b.NewGraph()
	x = g.Floats("x", backends.Shape{1, 4}, []float32{1, 0, 0, 1})
	pos = g.Int32s("pos", []int32{2})
	want = []float32{float32(c0), float32(-s1), float32(s0), float32(c1)}
	near(t, "rope neox", read(t, g, g.Rope(x, pos, backends.RopeParams{HeadDim: 4, Dims: 4, Base: 100, Neox: true})), want, 1e-6)
}

func TestAttentionHand(t *testing.T) {
	b := New(1)
	for _, dt := range []quant.Type{quant.F32, quant.F16} {
		kb, _ := b.NewBuffer("k", dt, backends.Shape{4, 2})
		vb, _ := b.NewBuffer("v", dt, backends.Shape{4, 2})
		g := b.NewGraph()
		// Two tokens, one head of width 2, written to slots 0 and 1.
		k := g.Floats("k", backends.Shape{2, 2}, []float32{1, 0, 0, 1})
		v := g.Floats("v", backends.Shape{2, 2}, []float32{1, 2, 3, 4})
		slots := g.Int32s("slots", []int32{0, 1})
		q := g.Floats("q", backends.Shape{2, 2}, []float32{1, 0, 0, 2})
		inf := float32(math.Inf(-1))
		mask := g.Floats("mask", backends.Shape{2, 2}, []float32{0, inf, 0, 0})
		out := g.Attention(q, g.Store(kb, k, slots), g.Store(vb, v, slots), mask, backends.AttentionParams{Heads: 1, KVHeads: 1, HeadDim: 2, Scale: 1})
		// Token 0 sees only slot 0: v0. Token 1 scores [0, 2]: weights 1/(1+e²), e²/(1+e²).
		p1 := 1 / (1 + math.Exp(2))
		want := []float32{1, 2, float32(p1*1 + (1-p1)*3), float32(p1*2 + (1-p1)*4)}
		tol := 1e-6
		if dt == quant.F16 {
			tol = 5e-3
		}
		near(t, "attention "+dt.String(), read(t, g, out), want, tol)
	}
}

func TestStickyErrors(t *testing.T) {
	b := New(1)
	g := b.NewGraph()
	w := mustWeight(t, b, backends.Shape{3, 2}, 1, 2, 3, 4, 5, 6)
	x := g.Floats("x", backends.Shape{1, 3}, []float32{1, 2, 3})
	y := g.MatMul(x, w) // k mismatch: 3 vs 2
	z := g.Add(y, y)
	if z >= 0 {
		t.Fatal("op on a failed graph returned a live value")
	}
	err := g.Compute(z)
	if err == nil || !strings.Contains(err.Error(), "matmul") {
		t.Fatalf("Compute error %v, want the first (matmul) error", err)
	}

	g = b.NewGraph()
	ids := g.Int32s("ids", []int32{5})
	e := g.Embed(w, ids)
	if err := g.Compute(e); err == nil || !strings.Contains(err.Error(), "out of") {
		t.Fatalf("embedding id 5 of 3 rows: err %v", err)
	}
}

func TestQuantizedMatMulAgreesWithDequantized(t *testing.T) {
	b := New(1)
	const k, m = 64, 3
	src := make([]float32, k*m)
	for i := range src {
		src[i] = float32(math.Sin(float64(i) * 0.37))
	}
	for _, typ := range []quant.Type{quant.F16, quant.Q8_0, quant.Q4_0} {
		rowB, _ := typ.RowBytes(k)
		data := make([]byte, rowB*m)
		for r := range m {
			if err := quant.Quantize(typ, src[r*k:(r+1)*k], data[r*rowB:(r+1)*rowB]); err != nil {
				t.Fatal(err)
			}
		}
		deq := make([]float32, k*m)
		if err := quant.Dequantize(typ, data, deq); err != nil {
			t.Fatal(err)
		}
		w, err := b.NewWeight("w", typ, backends.Shape{m, k}, data)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, k)
		for i := range x {
			x[i] = float32(math.Cos(float64(i) * 0.11))
		}
		g := b.NewGraph()
		got := read(t, g, g.MatMul(g.Floats("x", backends.Shape{1, k}, x), w))
		for j := range m {
			var want, mag float64
			for l := range k {
				want += float64(x[l] * deq[j*k+l])
				mag += math.Abs(float64(x[l] * deq[j*k+l]))
			}
			// Activations are rounded to 8 bits (or F16): allow that much.
			if d := math.Abs(float64(got[j]) - want); d > 0.01*mag {
				t.Errorf("%s row %d: %g, dequantized product %g", typ, j, got[j], want)
			}
		}
	}
}
