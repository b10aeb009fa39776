// Package nn holds the blocks that decoder architectures share: attention with
// rotary embeddings over the KV cache, and the gated feed-forward block. Each
// block is a struct of bound weights with a Forward method that adds its ops
// to a graph.
package nn

import (
	"sovra/backends"
	"sovra/models"
)

// Attention is grouped-query self-attention with rotary position embeddings.
// Shapes: Q [Heads·HeadDim, dim], K and V [KVHeads·HeadDim, dim],
// O [dim, Heads·HeadDim] (row-major, one row per output).
type Attention struct {
	Q, K, V, O backends.Buffer
	Rope       backends.RopeParams
	Params     backends.AttentionParams
}

// Forward maps x [n, dim] at positions pos [n] to [n, dim] for layer, storing
// the layer's keys and values in kv.
func (a *Attention) Forward(g backends.Graph, x, pos backends.Value, layer int, kv models.KV) backends.Value {
	q := g.Rope(g.MatMul(x, a.Q), pos, a.Rope)
	k := g.Rope(g.MatMul(x, a.K), pos, a.Rope)
	v := g.MatMul(x, a.V)
	return g.MatMul(kv.Attend(g, layer, q, k, v, a.Params), a.O)
}

// GatedMLP is the SwiGLU feed-forward block, Down·(SiLU(Gate·x) ⊙ Up·x).
// Shapes: Gate and Up [ffn, dim], Down [dim, ffn].
type GatedMLP struct {
	Gate, Up, Down backends.Buffer
}

// Forward maps x [n, dim] to [n, dim].
func (m *GatedMLP) Forward(g backends.Graph, x backends.Value) backends.Value {
	return g.MatMul(g.SwiGLU(g.MatMul(x, m.Gate), g.MatMul(x, m.Up)), m.Down)
}
