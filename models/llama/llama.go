// Package llama is the Llama family of decoders: Llama 1, 2 and 3.x, TinyLlama,
// Mistral-7B-style models and SmolLM, which differ only in configuration
// (grouped-query heads, rope base and Llama 3 frequency factors, tied
// embeddings).
package llama

import (
	"fmt"
	"math"

	"sovra/backends"
	"sovra/models"
	"sovra/models/nn"
)

func init() {
	models.Register("llama", New)
}

// Model is a Llama-family model bound to its weights.
type Model struct {
	cfg        *models.Config
	embed      backends.Buffer // token_embd [vocab, dim]
	outputNorm backends.Buffer // output_norm [dim]
	output     backends.Buffer // output [vocab, dim], or the embedding when tied
	layers     []layer
}

type layer struct {
	attnNorm backends.Buffer
	attn     nn.Attention
	ffnNorm  backends.Buffer
	mlp      nn.GatedMLP
}

// New binds the weights of a Llama-family file.
func New(l *models.Loader) (models.Model, error) {
	c := l.Config
	qDim, kvDim := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	m := &Model{
		cfg:        c,
		embed:      l.Weight("token_embd.weight", c.Vocab, c.Dim),
		outputNorm: l.Weight("output_norm.weight", c.Dim),
		output:     l.Optional("output.weight", c.Vocab, c.Dim),
	}
	if m.output == nil {
		m.output = m.embed
	}
	rope := backends.RopeParams{
		HeadDim: c.HeadDim,
		Dims:    c.RopeDims,
		Base:    c.RopeBase,
		Scale:   c.RopeScale,
		Factors: l.Optional("rope_freqs.weight", c.RopeDims/2),
	}
	attn := backends.AttentionParams{
		Heads:   c.Heads,
		KVHeads: c.KVHeads,
		HeadDim: c.HeadDim,
		Scale:   float32(1 / math.Sqrt(float64(c.HeadDim))),
	}
	for i := range c.Layers {
		w := func(name string, shape ...int) backends.Buffer {
			return l.Weight(fmt.Sprintf("blk.%d.%s.weight", i, name), shape...)
		}
		m.layers = append(m.layers, layer{
			attnNorm: w("attn_norm", c.Dim),
			attn: nn.Attention{
				Q:      w("attn_q", qDim, c.Dim),
				K:      w("attn_k", kvDim, c.Dim),
				V:      w("attn_v", kvDim, c.Dim),
				O:      w("attn_output", c.Dim, qDim),
				Rope:   rope,
				Params: attn,
			},
			ffnNorm: w("ffn_norm", c.Dim),
			mlp: nn.GatedMLP{
				Gate: w("ffn_gate", c.FFN, c.Dim),
				Up:   w("ffn_up", c.FFN, c.Dim),
				Down: w("ffn_down", c.Dim, c.FFN),
			},
		})
	}
	return m, nil
}

// Config returns the model's hyperparameters.
func (m *Model) Config() *models.Config { return m.cfg }

// Forward computes the logits [len(b.Outputs), vocab] of batch b.
func (m *Model) Forward(g backends.Graph, b *models.Batch, kv models.KV) backends.Value {
	eps := m.cfg.NormEps
	x := g.Embed(m.embed, g.Int32s("tokens", b.Tokens))
	pos := g.Int32s("positions", b.Positions)
	for i := range m.layers {
		l := &m.layers[i]
		x = g.Add(x, l.attn.Forward(g, g.RMSNorm(x, l.attnNorm, eps), pos, i, kv))
		x = g.Add(x, l.mlp.Forward(g, g.RMSNorm(x, l.ffnNorm, eps)))
	}
	x = g.Rows(x, g.Int32s("outputs", b.Outputs))
	return g.MatMul(g.RMSNorm(x, m.outputNorm, eps), m.output)
}
