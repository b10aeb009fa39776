package kvcache

import (
	"errors"
	"math"
	"testing"

	"sovra/backends"
	"sovra/backends/cpu"
	"sovra/kernels/quant"
	"sovra/models"
)

func batch(seq int32, from int32, n int) *models.Batch {
	b := &models.Batch{}
	for i := range n {
		b.Tokens = append(b.Tokens, 0)
		b.Positions = append(b.Positions, from+int32(i))
		b.Seqs = append(b.Seqs, seq)
	}
	return b
}

// maskString draws the mask of the last StartForward: '.' may attend, 'x' not.
func maskString(c *Cache, n int) string {
	s := ""
	for i := range n {
		for j := range c.n {
			if math.IsInf(float64(c.mask[i*c.n+j]), -1) {
				s += "x"
			} else {
				s += "."
			}
		}
		s += "|"
	}
	return s
}

func TestMaskAndSlots(t *testing.T) {
	c, err := New(cpu.New(1), 1, 6, 4, quant.F16)
	if err != nil {
		t.Fatal(err)
	}
	be := cpu.New(1)
	// Sequence 0 prefills 3 tokens: causal within the batch.
	if err := c.StartForward(be.NewGraph(), batch(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	if got, want := maskString(c, 3), ".xx|..x|...|"; got != want {
		t.Errorf("prefill mask %s, want %s", got, want)
	}
	// Sequence 1 adds 2 tokens: they must not see sequence 0's slots.
	if err := c.StartForward(be.NewGraph(), batch(1, 0, 2)); err != nil {
		t.Fatal(err)
	}
	if got, want := maskString(c, 2), "xxx.x|xxx..|"; got != want {
		t.Errorf("second sequence mask %s, want %s", got, want)
	}
	// Sequence 0 decodes position 3, into the first free slot (5).
	if err := c.StartForward(be.NewGraph(), batch(0, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if got, want := maskString(c, 1), "...xx.|"; got != want {
		t.Errorf("decode mask %s, want %s", got, want)
	}
	if c.slots[0] != 5 || c.Used() != 6 {
		t.Errorf("slot %d, used %d; want 5, 6", c.slots[0], c.Used())
	}
	// Full.
	if err := c.StartForward(be.NewGraph(), batch(0, 4, 1)); !errors.Is(err, ErrFull) {
		t.Errorf("err %v, want ErrFull", err)
	}
	// Removing sequence 1 frees its two slots for reuse.
	c.Remove(1, 0, -1)
	if c.Used() != 4 {
		t.Errorf("used %d after removing a sequence of 2, want 4", c.Used())
	}
	if err := c.StartForward(be.NewGraph(), batch(0, 4, 2)); err != nil {
		t.Fatal(err)
	}
	if c.slots[0] != 3 || c.slots[1] != 4 {
		t.Errorf("slots %v, want [3 4]", c.slots)
	}
	c.Clear()
	if c.Used() != 0 {
		t.Errorf("used %d after Clear", c.Used())
	}
}

func TestNewRejectsBadSizes(t *testing.T) {
	if _, err := New(cpu.New(1), 1, 0, 4, quant.F16); err == nil {
		t.Error("size 0 accepted")
	}
	if _, err := New(cpu.New(1), 1, 4, 4, quant.Q4_0); !errors.Is(err, backends.ErrUnsupported) {
		t.Errorf("Q4_0 cache: err %v, want ErrUnsupported", err)
	}
}
