// Package kvcache keeps the keys and values of past tokens. The storage is a
// pair of backend buffers per layer, [slots, KVHeads·HeadDim]; this package
// does the bookkeeping: which slot holds which position of which sequence, and
// the attention mask that follows from it.
//
// Model code sees only Attend (the models.KV interface). The engine reserves
// slots for each batch with StartForward and frees them with Remove.
package kvcache

import (
	"errors"
	"fmt"
	"math"

	"sovra/backends"
	"sovra/kernels/quant"
	"sovra/models"
)

// ErrFull is returned when a batch needs more free slots than the cache has.
var ErrFull = errors.New("kv cache full")

// Cache is the KV cache of one model on one backend.
type Cache struct {
	k, v  []backends.Buffer // per layer
	cells []cell            // per slot
	used  int               // slots in use

	// Set by StartForward for the batch being built.
	slots     []int32
	n         int // slots the batch attends over: highest used slot + 1
	mask      []float32
	maskShape backends.Shape
	kIn       backends.Value // the batch's slots, as a graph input
	mIn       backends.Value // the batch's mask, as a graph input
}

type cell struct {
	seq int32 // -1 when free
	pos int32
}

// New allocates a cache of size slots for a model with the given layers and
// KV width, storing elements of type dtype (F16 or F32).
func New(b backends.Backend, layers, size, kvDim int, dtype quant.Type) (*Cache, error) {
	if size <= 0 {
		return nil, fmt.Errorf("kvcache: size %d", size)
	}
	c := &Cache{cells: make([]cell, size)}
	for i := range c.cells {
		c.cells[i].seq = -1
	}
	for l := range layers {
		k, err := b.NewBuffer(fmt.Sprintf("cache_k_l%d", l), dtype, backends.Shape{size, kvDim})
		if err != nil {
			return nil, fmt.Errorf("kvcache: %w", err)
		}
		v, err := b.NewBuffer(fmt.Sprintf("cache_v_l%d", l), dtype, backends.Shape{size, kvDim})
		if err != nil {
			return nil, fmt.Errorf("kvcache: %w", err)
		}
		c.k, c.v = append(c.k, k), append(c.v, v)
	}
	return c, nil
}

// Size is the number of slots.
func (c *Cache) Size() int { return len(c.cells) }

// Used is the number of slots holding a token.
func (c *Cache) Used() int { return c.used }

// StartForward reserves a slot for every token of batch b and adds the slot
// indices and the attention mask to graph g as inputs. Token i of the batch
// may attend to every cached token of its own sequence at a position up to
// its own, including the batch's own earlier tokens.
func (c *Cache) StartForward(g backends.Graph, b *models.Batch) error {
	if len(b.Tokens) > len(c.cells)-c.used {
		return fmt.Errorf("%w: %d tokens, %d of %d slots free", ErrFull, len(b.Tokens), len(c.cells)-c.used, len(c.cells))
	}
	c.slots = c.slots[:0]
	next := 0
	for i := range b.Tokens {
		for c.cells[next].seq >= 0 {
			next++
		}
		c.cells[next] = cell{seq: b.Seqs[i], pos: b.Positions[i]}
		c.slots = append(c.slots, int32(next))
	}
	c.used += len(b.Tokens)
	c.n = 0
	for s := range c.cells {
		if c.cells[s].seq >= 0 {
			c.n = s + 1
		}
	}
	n := len(b.Tokens)
	if cap(c.mask) < n*c.n {
		c.mask = make([]float32, n*c.n)
	}
	c.mask = c.mask[:n*c.n]
	inf := float32(math.Inf(-1))
	for i := range n {
		row := c.mask[i*c.n : (i+1)*c.n]
		for s := range row {
			cl := c.cells[s]
			if cl.seq == b.Seqs[i] && cl.pos <= b.Positions[i] {
				row[s] = 0
			} else {
				row[s] = inf
			}
		}
	}
	c.kIn = g.Int32s("kv_slots", c.slots)
	c.maskShape = append(c.maskShape[:0], n, c.n)
	c.mIn = g.Floats("kv_mask", c.maskShape, c.mask)
	return nil
}

// Attend stores k and v of the current batch in layer's buffers and returns
// the attention of q over the cache (models.KV).
func (c *Cache) Attend(g backends.Graph, layer int, q, k, v backends.Value, p backends.AttentionParams) backends.Value {
	ks := g.Store(c.k[layer], k, c.kIn)
	vs := g.Store(c.v[layer], v, c.kIn)
	return g.Attention(q, ks, vs, c.mIn, p)
}

// Remove frees the slots of sequence seq at positions in [from, to); to < 0
// means to the end.
func (c *Cache) Remove(seq, from, to int32) {
	for s := range c.cells {
		cl := &c.cells[s]
		if cl.seq == seq && cl.pos >= from && (to < 0 || cl.pos < to) {
			cl.seq = -1
			c.used--
		}
	}
}

// Clear frees every slot.
func (c *Cache) Clear() {
	for s := range c.cells {
		c.cells[s].seq = -1
	}
	c.used = 0
}
