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
	parts int               // regions set by Partition; 1: one shared region

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
	c := &Cache{cells: make([]cell, size), parts: 1}
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

// Partition splits the slots into n equal regions (the remainder of Size/n
// stays unused) and frees every slot. Sequence s, 0 <= s < n, then takes its
// slots only from region s, so that a sequence whose positions are appended
// in order sits in consecutive slots in position order, wherever the other
// sequences are: its attention reads the same rows in the same order as if it
// were alone, which keeps batched decoding bit-identical to decoding alone.
// n = 1 (the state after New) lets every sequence use every slot.
func (c *Cache) Partition(n int) error {
	if n < 1 || n > len(c.cells) {
		return fmt.Errorf("kvcache: %d regions for %d slots", n, len(c.cells))
	}
	c.parts = n
	c.Clear()
	return nil
}

// SeqSize is the number of slots one sequence may use: Size/n after
// Partition(n).
func (c *Cache) SeqSize() int { return len(c.cells) / c.parts }

// region returns the slots [lo, hi) sequence seq may use.
func (c *Cache) region(seq int32) (lo, hi int, err error) {
	if c.parts == 1 {
		return 0, len(c.cells), nil
	}
	if seq < 0 || int(seq) >= c.parts {
		return 0, 0, fmt.Errorf("kvcache: sequence %d outside the %d regions", seq, c.parts)
	}
	size := len(c.cells) / c.parts
	return int(seq) * size, int(seq+1) * size, nil
}

// StartForward reserves a slot for every token of batch b and adds the slot
// indices and the attention mask to graph g as inputs. Token i of the batch
// may attend to every cached token of its own sequence at a position up to
// its own, including the batch's own earlier tokens. Each token takes the
// first free slot of its sequence's region (see Partition); when one is
// full, nothing is reserved and the error wraps ErrFull.
func (c *Cache) StartForward(g backends.Graph, b *models.Batch) error {
	if len(b.Tokens) > len(c.cells)-c.used {
		return fmt.Errorf("%w: %d tokens, %d of %d slots free", ErrFull, len(b.Tokens), len(c.cells)-c.used, len(c.cells))
	}
	c.slots = c.slots[:0]
	next, hi := 0, 0
	for i := range b.Tokens {
		if i == 0 || b.Seqs[i] != b.Seqs[i-1] {
			lo, h, err := c.region(b.Seqs[i])
			if err != nil {
				c.undo()
				return err
			}
			next, hi = lo, h
		}
		for next < hi && c.cells[next].seq >= 0 {
			next++
		}
		if next == hi {
			c.undo()
			return fmt.Errorf("%w: sequence %d has no free slot for position %d", ErrFull, b.Seqs[i], b.Positions[i])
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

// undo frees the slots reserved so far by a failing StartForward.
func (c *Cache) undo() {
	for _, s := range c.slots {
		c.cells[s].seq = -1
	}
	c.slots = c.slots[:0]
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
