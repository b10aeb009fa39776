package gomlx_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"sovra/backends"
	"sovra/kernels/quant"
	"sovra/runtime/engine"
	"sovra/seeds"
)

// loadSeed loads the embedded seed model on the gomlx backend.
func loadSeed(tb testing.TB) *engine.Engine {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), seeds.DefaultName)
	if err := os.WriteFile(path, seeds.Default, 0o644); err != nil {
		tb.Fatal(err)
	}
	e, err := engine.Load(path, engine.Options{Backend: "gomlx", Context: 64})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkDecodeStep times one decoding step of the seed model and reports
// its allocations.
func BenchmarkDecodeStep(b *testing.B) {
	e := loadSeed(b)
	pos := 0
	b.ReportAllocs()
	for b.Loop() {
		if pos == 60 {
			e.Reset()
			pos = 0
		}
		if _, err := e.Eval([]int32{int32(pos + 1)}, pos); err != nil {
			b.Fatal(err)
		}
		pos++
	}
}

// f32Weight makes a float32 weight of shape filled with small values.
func f32Weight(t *testing.T, b backends.Backend, name string, shape backends.Shape) backends.Buffer {
	t.Helper()
	var data []byte
	for i := range shape.Elements() {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(i%7)/7))
	}
	w, err := b.NewWeight(name, quant.F32, shape, data)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestStepAllocations checks that, once a graph's shape has run, building
// the same graph again allocates nothing (the nodes, their shapes and the
// structure key reuse the previous graph's memory), and reports what a whole
// step allocates, most of it inside GoMLX's engine.
func TestStepAllocations(t *testing.T) {
	b := newBackend(t)
	const dim, vocab = 32, 50
	embd := f32Weight(t, b, "embd", backends.Shape{vocab, dim})
	norm := f32Weight(t, b, "norm", backends.Shape{dim})
	out := f32Weight(t, b, "out", backends.Shape{vocab, dim})
	ids, last := []int32{3}, []int32{0}
	bias, biasShape := make([]float32, dim), backends.Shape{1, dim}
	logits := make([]float32, vocab)
	var g backends.Graph
	var v backends.Value
	build := func() {
		g = b.NewGraph()
		x := g.Embed(embd, g.Int32s("ids", ids))
		x = g.Add(x, g.Floats("bias", biasShape, bias))
		x = g.RMSNorm(x, norm, 1e-5)
		v = g.MatMul(g.Rows(x, g.Int32s("last", last)), out)
	}
	step := func() {
		build()
		if err := g.Compute(v); err != nil {
			t.Fatal(err)
		}
		if err := g.Read(v, logits); err != nil {
			t.Fatal(err)
		}
	}
	step() // compiles
	if n := testing.AllocsPerRun(20, build); n != 0 {
		t.Errorf("building a graph allocates %v times, want 0", n)
	}
	t.Logf("a whole step (build, compute, read) allocates %v times", testing.AllocsPerRun(20, step))
	if c, _ := b.Compiled(); c != 1 {
		t.Errorf("%d compilations, want 1", c)
	}
}
