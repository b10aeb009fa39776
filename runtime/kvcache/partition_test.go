package kvcache

import (
	"errors"
	"slices"
	"testing"

	"sovra/backends/cpu"
	"sovra/kernels/quant"
	"sovra/models"
)

func TestPartitionKeepsSequencesContiguous(t *testing.T) {
	be := cpu.New(1)
	c, err := New(be, 1, 9, 4, quant.F16)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Partition(2); err != nil {
		t.Fatal(err)
	}
	if c.SeqSize() != 4 {
		t.Errorf("SeqSize %d, want 4 (9 slots in 2 regions)", c.SeqSize())
	}
	// Interleaved decoding of two sequences: each stays in its own region,
	// in position order.
	b := &models.Batch{Tokens: []int32{0, 0, 0}, Positions: []int32{0, 1, 0}, Seqs: []int32{0, 0, 1}}
	if err := c.StartForward(be.NewGraph(), b); err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 1, 4}; !slices.Equal(c.slots, want) {
		t.Errorf("slots %v, want %v", c.slots, want)
	}
	b = &models.Batch{Tokens: []int32{0, 0}, Positions: []int32{1, 2}, Seqs: []int32{1, 0}}
	if err := c.StartForward(be.NewGraph(), b); err != nil {
		t.Fatal(err)
	}
	if want := []int32{5, 2}; !slices.Equal(c.slots, want) {
		t.Errorf("slots %v, want %v", c.slots, want)
	}
	// Sequence 1 fills its region; one more token is refused and nothing
	// of the failed batch stays reserved.
	used := c.Used()
	b = &models.Batch{Tokens: []int32{0, 0, 0}, Positions: []int32{3, 2, 3}, Seqs: []int32{0, 1, 1}}
	if err := c.StartForward(be.NewGraph(), b); err != nil {
		t.Fatal(err)
	}
	used += 3
	b = &models.Batch{Tokens: []int32{0, 0}, Positions: []int32{4, 4}, Seqs: []int32{0, 1}}
	if err := c.StartForward(be.NewGraph(), b); !errors.Is(err, ErrFull) {
		t.Errorf("err %v, want ErrFull", err)
	}
	if c.Used() != used {
		t.Errorf("used %d after a refused batch, want %d", c.Used(), used)
	}
	// A sequence outside the regions is an error, not a panic.
	b = &models.Batch{Tokens: []int32{0}, Positions: []int32{0}, Seqs: []int32{2}}
	if err := c.StartForward(be.NewGraph(), b); err == nil {
		t.Error("sequence 2 of 2 regions accepted")
	}
	c.Remove(1, 0, -1)
	if c.Used() != 4 {
		t.Errorf("used %d after removing sequence 1, want 4", c.Used())
	}
	if err := c.Partition(0); err == nil {
		t.Error("Partition(0) accepted")
	}
}
