package engine

import (
	"errors"
	"fmt"

	"sovra/backends"
	"sovra/models"
)

// Seq is one sequence's share of a batched forward step: Tokens are fed at
// positions Pos, Pos+1, ... of sequence ID (its KV-cache region after
// Cache.Partition).
type Seq struct {
	ID     int32
	Pos    int
	Tokens []int32
	// Logits asks for the logits after the last of Tokens.
	Logits bool
}

// Batcher runs forward steps over the tokens of several sequences at once:
// one graph, one pass over the weights, each sequence attending only to its
// own cached tokens. On the CPU backend a token's logits are bit-identical
// whether it is computed alone or in a batch, provided each sequence's
// cached tokens sit in consecutive slots (see kvcache.Cache.Partition).
//
// A Batcher reuses its buffers: after the first steps of a given size, Step
// does not allocate. It shares the engine's cache and backend, so it must
// not be used at the same time as the engine's single-sequence methods.
type Batcher struct {
	e      *Engine
	b      models.Batch
	logits []float32   // [outputs, vocab]
	rows   [][]float32 // per Seq: its row of logits, or nil
	out    [1]backends.Value
}

// NewBatcher returns a Batcher for e.
func (e *Engine) NewBatcher() *Batcher { return &Batcher{e: e} }

// Step feeds every sequence's tokens in one forward pass and returns, for
// seqs[i] with Logits, the logits after its last token in row i (nil for
// the others). The rows are reused by the next Step. On failure nothing of
// this step stays in the cache.
func (bt *Batcher) Step(seqs []Seq) ([][]float32, error) {
	b := &bt.b
	b.Tokens, b.Positions, b.Seqs, b.Outputs = b.Tokens[:0], b.Positions[:0], b.Seqs[:0], b.Outputs[:0]
	for _, s := range seqs {
		if len(s.Tokens) == 0 {
			return nil, fmt.Errorf("engine: sequence %d has no tokens in the step", s.ID)
		}
		for i, t := range s.Tokens {
			b.Tokens = append(b.Tokens, t)
			b.Positions = append(b.Positions, int32(s.Pos+i))
			b.Seqs = append(b.Seqs, s.ID)
		}
		if s.Logits {
			b.Outputs = append(b.Outputs, int32(len(b.Tokens)-1))
		}
	}
	if len(b.Tokens) == 0 {
		return nil, errors.New("engine: empty step")
	}
	e := bt.e
	g := e.Backend.NewGraph()
	if err := e.Cache.StartForward(g, b); err != nil {
		return nil, err
	}
	vocab := e.Model.Config().Vocab
	rows := bt.rows[:0]
	for range seqs {
		rows = append(rows, nil)
	}
	bt.rows = rows
	if len(b.Outputs) == 0 {
		// Nothing to read: still compute, so that the cache is written.
		// The model returns the logits of no row; run the graph for its
		// side effects on the cache through a one-row output.
		b.Outputs = append(b.Outputs, int32(len(b.Tokens)-1))
	}
	out := e.Model.Forward(g, b, e.Cache)
	bt.out[0] = out
	if err := g.Compute(bt.out[:]...); err != nil {
		bt.remove(seqs)
		return nil, err
	}
	if n := len(b.Outputs) * vocab; cap(bt.logits) < n {
		bt.logits = make([]float32, n)
	}
	bt.logits = bt.logits[:len(b.Outputs)*vocab]
	if err := g.Read(out, bt.logits); err != nil {
		bt.remove(seqs)
		return nil, err
	}
	k := 0
	for i, s := range seqs {
		if s.Logits {
			rows[i] = bt.logits[k*vocab : (k+1)*vocab]
			k++
		}
	}
	return rows, nil
}

// remove frees the slots a failed step reserved.
func (bt *Batcher) remove(seqs []Seq) {
	for _, s := range seqs {
		bt.e.Cache.Remove(s.ID, int32(s.Pos), -1)
	}
}
