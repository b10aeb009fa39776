package gomlx_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"sovra/backends"
	"sovra/backends/cpu"
	"sovra/backends/gomlx"
	"sovra/kernels/quant"
)

// newBackend opens the engine $GOMLX_BACKEND names, GoMLX's pure-Go one
// when it is unset.
func newBackend(t *testing.T) *gomlx.Backend {
	t.Helper()
	b, err := gomlx.New("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// pair holds the same tensors on the CPU backend (the reference) and on
// gomlx.
type pair struct {
	cpu, gx backends.Backend
	rng     *rand.Rand
}

func newPair(t *testing.T) *pair {
	c := cpu.New(1)
	t.Cleanup(func() { c.Close() })
	return &pair{cpu: c, gx: newBackend(t), rng: rand.New(rand.NewPCG(1, 2))}
}

func (p *pair) randoms(n int, scale float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = scale * float32(p.rng.NormFloat64())
	}
	return x
}

// weight makes a random weight of type t (F32 or F16) on both backends.
func (p *pair) weight(t *testing.T, typ quant.Type, shape backends.Shape, scale float32) [2]backends.Buffer {
	t.Helper()
	vals := p.randoms(shape.Elements(), scale)
	var data []byte
	for _, v := range vals {
		if typ == quant.F16 {
			data = binary.LittleEndian.AppendUint16(data, quant.F32ToF16(v))
		} else {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
	}
	var out [2]backends.Buffer
	for i, b := range []backends.Backend{p.cpu, p.gx} {
		w, err := b.NewWeight("w", typ, shape, data)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = w
	}
	return out
}

func (p *pair) cache(t *testing.T, typ quant.Type, shape backends.Shape) [2]backends.Buffer {
	t.Helper()
	var out [2]backends.Buffer
	for i, b := range []backends.Backend{p.cpu, p.gx} {
		c, err := b.NewBuffer("cache", typ, shape)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// run builds the same graph on both backends with build (given the backend's
// index: 0 cpu, 1 gomlx) and returns both results.
func (p *pair) run(t *testing.T, build func(g backends.Graph, i int) backends.Value) [2][]float32 {
	t.Helper()
	var res [2][]float32
	for i, b := range []backends.Backend{p.cpu, p.gx} {
		g := b.NewGraph()
		out := build(g, i)
		if err := g.Compute(out); err != nil {
			t.Fatalf("%s: %v", b.Name(), err)
		}
		res[i] = make([]float32, g.Shape(out).Elements())
		if err := g.Read(out, res[i]); err != nil {
			t.Fatalf("%s: %v", b.Name(), err)
		}
	}
	return res
}

// near fails unless got and want agree within tol relative to want's
// largest magnitude.
func near(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var peak, worst float64
	for _, w := range want {
		peak = max(peak, math.Abs(float64(w)))
	}
	for i := range got {
		d := math.Abs(float64(got[i] - want[i]))
		if math.IsNaN(float64(got[i])) {
			d = math.Inf(1)
		}
		worst = max(worst, d)
	}
	if worst > tol*peak {
		t.Errorf("%s: max difference %.3g, more than %.1g of the largest value %.3g", what, worst, tol, peak)
	}
}

func TestOpsMatchCPU(t *testing.T) {
	p := newPair(t)
	const dim, vocab = 64, 50
	for _, n := range []int{1, 3, 9} { // 3 and 9 rows are padded to 8 and 16
		ids := make([]int32, n)
		pos := make([]int32, n)
		for i := range ids {
			ids[i] = int32(p.rng.IntN(vocab))
			pos[i] = int32(5 + 3*i)
		}
		x := p.randoms(n*dim, 1)
		row := p.randoms(dim, 1)
		emb := p.weight(t, quant.F16, backends.Shape{vocab, dim}, 1)
		w32 := p.weight(t, quant.F32, backends.Shape{24, dim}, 0.2)
		w16 := p.weight(t, quant.F16, backends.Shape{24, dim}, 0.2)
		norm := p.weight(t, quant.F32, backends.Shape{dim}, 1)
		factors := p.weight(t, quant.F32, backends.Shape{4}, 1)
		in := func(g backends.Graph) backends.Value { return g.Floats("x", backends.Shape{n, dim}, x) }
		cases := []struct {
			name  string
			tol   float64
			build func(g backends.Graph, i int) backends.Value
		}{
			{"embed", 0, func(g backends.Graph, i int) backends.Value { return g.Embed(emb[i], g.Int32s("ids", ids)) }},
			{"matmul f32", 1e-5, func(g backends.Graph, i int) backends.Value { return g.MatMul(in(g), w32[i]) }},
			{"matmul f16", 1e-5, func(g backends.Graph, i int) backends.Value { return g.MatMul(in(g), w16[i]) }},
			{"add row", 0, func(g backends.Graph, i int) backends.Value {
				return g.Add(in(g), g.Floats("r", backends.Shape{1, dim}, row))
			}},
			{"mul", 0, func(g backends.Graph, i int) backends.Value { return g.Mul(in(g), in(g)) }},
			{"scale", 0, func(g backends.Graph, i int) backends.Value { return g.Scale(in(g), -0.25) }},
			{"rmsnorm", 1e-6, func(g backends.Graph, i int) backends.Value { return g.RMSNorm(in(g), norm[i], 1e-5) }},
			{"silu", 1e-6, func(g backends.Graph, i int) backends.Value { return g.SiLU(in(g)) }},
			{"gelu", 1e-6, func(g backends.Graph, i int) backends.Value { return g.GELU(in(g)) }},
			{"swiglu", 1e-6, func(g backends.Graph, i int) backends.Value { return g.SwiGLU(in(g), g.Scale(in(g), 2)) }},
			{"rope", 1e-6, func(g backends.Graph, i int) backends.Value {
				return g.Rope(in(g), g.Int32s("pos", pos), backends.RopeParams{HeadDim: 16, Dims: 16, Base: 10000})
			}},
			{"rope neox partial", 1e-6, func(g backends.Graph, i int) backends.Value {
				return g.Rope(in(g), g.Int32s("pos", pos), backends.RopeParams{HeadDim: 16, Dims: 8, Neox: true, Base: 500000, Scale: 0.5})
			}},
			{"rope factors", 1e-6, func(g backends.Graph, i int) backends.Value {
				return g.Rope(in(g), g.Int32s("pos", pos), backends.RopeParams{HeadDim: 16, Dims: 8, Base: 10000, Factors: absWeight(t, p, factors[i], i)})
			}},
			{"rows", 0, func(g backends.Graph, i int) backends.Value {
				return g.Rows(in(g), g.Int32s("idx", []int32{int32(n - 1), 0}))
			}},
		}
		for _, c := range cases {
			res := p.run(t, c.build)
			near(t, fmt.Sprintf("%s n=%d", c.name, n), res[1], res[0], c.tol)
		}
	}
}

// absWeight replaces factors by their absolute values plus one on backend i
// (rope frequency factors are positive).
func absWeight(t *testing.T, p *pair, w backends.Buffer, i int) backends.Buffer {
	t.Helper()
	var data []byte
	for k := range w.Shape().Elements() {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(1+float32(k)/2))
	}
	b := []backends.Backend{p.cpu, p.gx}[i]
	f, err := b.NewWeight("rope_freqs", quant.F32, w.Shape(), data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAttentionMatchesCPU stores two batches into the caches, the second
// overwriting slots the first wrote, and attends with grouped-query heads and
// a causal mask that hides some slots, for both cache types.
func TestAttentionMatchesCPU(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.F16} {
		p := newPair(t)
		const slots, heads, kvHeads, hd = 12, 4, 2, 8
		k := p.cache(t, typ, backends.Shape{slots, kvHeads * hd})
		v := p.cache(t, typ, backends.Shape{slots, kvHeads * hd})
		params := backends.AttentionParams{Heads: heads, KVHeads: kvHeads, HeadDim: hd, Scale: 0.35}
		step := func(rows []int32, L int, mask []float32) [2][]float32 {
			n := len(rows)
			q := p.randoms(n*heads*hd, 1)
			kx := p.randoms(n*kvHeads*hd, 1)
			vx := p.randoms(n*kvHeads*hd, 1)
			return p.run(t, func(g backends.Graph, i int) backends.Value {
				r := g.Int32s("rows", rows)
				ks := g.Store(k[i], g.Floats("k", backends.Shape{n, kvHeads * hd}, kx), r)
				vs := g.Store(v[i], g.Floats("v", backends.Shape{n, kvHeads * hd}, vx), r)
				m := g.Floats("mask", backends.Shape{n, L}, mask)
				return g.Attention(g.Floats("q", backends.Shape{n, heads * hd}, q), ks, vs, m, params)
			})
		}
		inf := float32(math.Inf(-1))
		// Batch 1: 5 tokens in slots 0..4, causal.
		mask := make([]float32, 5*5)
		for i := range 5 {
			for j := range 5 {
				if j > i {
					mask[i*5+j] = inf
				}
			}
		}
		res := step([]int32{0, 1, 2, 3, 4}, 5, mask)
		near(t, typ.String()+" prefill", res[1], res[0], 1e-5)
		// Batch 2: 2 tokens overwrite slots 3 and 4 and add slot 5, hide slot 1;
		// one row sees nothing at all.
		mask = []float32{
			0, inf, 0, 0, 0, inf,
			0, inf, 0, 0, 0, 0,
			inf, inf, inf, inf, inf, inf,
		}
		res = step([]int32{3, 4, 5}, 6, mask)
		near(t, typ.String()+" overwrite", res[1], res[0], 1e-5)
		for _, x := range res[1][2*heads*hd:] {
			if x != 0 {
				t.Fatalf("%s: a query that sees no slot gives %g, want 0", typ, x)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	b := newBackend(t)
	w, err := b.NewWeight("emb", quant.F32, backends.Shape{4, 2}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.NewWeight("short", quant.F32, backends.Shape{4, 2}, make([]byte, 31)); err == nil {
		t.Error("a weight with too few bytes was accepted")
	}
	g := b.NewGraph()
	x := g.Embed(w, g.Int32s("ids", []int32{4}))
	y := g.Scale(x, 2) // sticky: no panic, the first error is kept
	if g.Compute(y) == nil || !strings.Contains(g.Err().Error(), "token id 4") {
		t.Errorf("embedding id 4 of 4 rows: err = %v", g.Err())
	}
	if _, err := b.NewBuffer("cache", quant.Q8_0, backends.Shape{4, 32}); err == nil {
		t.Error("a Q8_0 cache buffer was accepted")
	}
}
