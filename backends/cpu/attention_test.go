package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"sovra/backends"
	"sovra/kernels/quant"
)

// attentionRef is the straightforward definition of the attention op, in
// float64: for every head h and token t, with kvh = h / (Heads/KVHeads),
// out = Σ_j softmax_j(scale·q·k_j + mask_j)·v_j over the cache rows k and v
// (as stored, so already rounded for an F16 cache). With an F16 cache the
// query and the probabilities are rounded to F16 first, as llama.cpp does.
func attentionRef(q, k, v, mask []float32, tokens, L int, p backends.AttentionParams, f16 bool) []float32 {
	hd, w := p.HeadDim, p.KVHeads*p.HeadDim
	group := p.Heads / p.KVHeads
	round := func(x float64) float64 {
		if !f16 {
			return x
		}
		return float64(quant.F16ToF32(quant.F32ToF16(float32(x))))
	}
	out := make([]float32, tokens*p.Heads*hd)
	for t := range tokens {
		for h := range p.Heads {
			kvh := h / group
			qh := q[t*p.Heads*hd+h*hd:][:hd]
			s := make([]float64, L)
			mx := math.Inf(-1)
			for j := range L {
				m := float64(mask[t*L+j])
				if math.IsInf(m, -1) {
					s[j] = m
					continue
				}
				var dot float64
				for c := range hd {
					dot += round(float64(qh[c])) * float64(k[j*w+kvh*hd+c])
				}
				s[j] = dot*float64(p.Scale) + m
				mx = max(mx, s[j])
			}
			if math.IsInf(mx, -1) {
				continue
			}
			var sum float64
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				sum += s[j]
			}
			o := out[t*p.Heads*hd+h*hd:][:hd]
			for c := range hd {
				var acc float64
				for j := range L {
					acc += round(s[j]/sum) * float64(v[j*w+kvh*hd+c])
				}
				o[c] = float32(acc)
			}
		}
	}
	return out
}

func TestAttentionRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	inf := float32(math.Inf(-1))
	for _, threads := range []int{1, 3} {
		b := New(threads)
		for _, dt := range []quant.Type{quant.F32, quant.F16} {
			for _, c := range []struct{ heads, kvHeads, hd int }{{4, 2, 64}, {8, 1, 16}, {3, 3, 12}, {6, 2, 32}, {7, 1, 64}} {
				name := fmt.Sprintf("threads=%d %v heads=%d/%d hd=%d", threads, dt, c.heads, c.kvHeads, c.hd)
				p := backends.AttentionParams{Heads: c.heads, KVHeads: c.kvHeads, HeadDim: c.hd, Scale: 1 / float32(math.Sqrt(float64(c.hd)))}
				w := c.kvHeads * c.hd
				const slots, tokens = 40, 9
				kb, _ := b.NewBuffer("k", dt, backends.Shape{slots, w})
				vb, _ := b.NewBuffer("v", dt, backends.Shape{slots, w})
				// Fill 30 slots with a first batch, then attend with 9
				// tokens written to slots 30..38 over L = 39 slots.
				fill := func(g backends.Graph, first, n int) (k, v []float32, ks, vs backends.Value) {
					k, v = make([]float32, n*w), make([]float32, n*w)
					for i := range k {
						k[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
					}
					rows := make([]int32, n)
					for i := range rows {
						rows[i] = int32(first + i)
					}
					sl := g.Int32s("slots", rows)
					return k, v, g.Store(kb, g.Floats("k", backends.Shape{n, w}, k), sl), g.Store(vb, g.Floats("v", backends.Shape{n, w}, v), sl)
				}
				g := b.NewGraph()
				k0, v0, ks, _ := fill(g, 0, 30)
				if err := g.Compute(ks); err != nil {
					t.Fatal(err)
				}
				g = b.NewGraph()
				k1, v1, ks, vs := fill(g, 30, tokens)
				const L = 30 + tokens
				mask := make([]float32, tokens*L)
				for tk := range tokens {
					row := mask[tk*L : (tk+1)*L]
					for j := range row {
						switch {
						case j > 30+tk: // causal
							row[j] = inf
						case tk%3 == 1 && j%4 == 0: // holes (another sequence)
							row[j] = inf
						case tk%3 == 2 && j < 5: // a window
							row[j] = inf
						case tk == 4:
							row[j] = float32(r.NormFloat64()) // biases
						}
					}
				}
				for j := range L { // token 7 sees nothing: zeros
					mask[7*L+j] = inf
				}
				q := make([]float32, tokens*c.heads*c.hd)
				for i := range q {
					q[i] = 2 * float32(r.NormFloat64())
				}
				out := read(t, g, g.Attention(g.Floats("q", backends.Shape{tokens, c.heads * c.hd}, q), ks, vs, g.Floats("mask", backends.Shape{tokens, L}, mask), p))

				// The cache as stored.
				kc, vc := append(k0, k1...), append(v0, v1...)
				if dt == quant.F16 {
					for i := range kc {
						kc[i] = quant.F16ToF32(quant.F32ToF16(kc[i]))
						vc[i] = quant.F16ToF32(quant.F32ToF16(vc[i]))
					}
				}
				want := attentionRef(q, kc, vc, mask, tokens, L, p, dt == quant.F16)
				// F32: rounding of float32 sums. F16: the reference may
				// round a probability to the neighbouring half (2⁻¹¹).
				tol := 2e-5
				if dt == quant.F16 {
					tol = 3e-3
				}
				near(t, name, out, want, tol)

				// Each token alone (the cache unchanged) gives the same bits.
				hd := c.heads * c.hd
				for tk := range tokens {
					g := b.NewGraph()
					sl := g.Int32s("slots", []int32{int32(30 + tk)})
					ks := g.Store(kb, g.Floats("k", backends.Shape{1, w}, k1[tk*w:(tk+1)*w]), sl)
					vs := g.Store(vb, g.Floats("v", backends.Shape{1, w}, v1[tk*w:(tk+1)*w]), sl)
					one := read(t, g, g.Attention(g.Floats("q", backends.Shape{1, hd}, q[tk*hd:(tk+1)*hd]), ks, vs, g.Floats("mask", backends.Shape{1, L}, mask[tk*L:(tk+1)*L]), p))
					for i := range one {
						if math.Float32bits(one[i]) != math.Float32bits(out[tk*hd+i]) {
							t.Fatalf("%s: token %d alone: out[%d] = %g, in the batch %g", name, tk, i, one[i], out[tk*hd+i])
						}
					}
				}
			}
		}
	}
}
