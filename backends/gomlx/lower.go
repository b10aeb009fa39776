package gomlx

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"time"

	gobackends "github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"sovra/backends"
	"sovra/kernels/quant"
)

// bucket rounds a row count up to its shape bucket: 1 stays 1 (decoding),
// anything else becomes a power of two of at least 8.
func bucket(n int) int {
	if n <= 1 {
		return n
	}
	b := 8
	for b < n {
		b *= 2
	}
	return b
}

// paddedShape is the shape the computation gives a value of real shape s:
// rows rounded up to their bucket.
func paddedShape(s backends.Shape) backends.Shape {
	if len(s) == 0 {
		return s
	}
	p := backends.Shape{bucket(s[0])}
	return append(p, s[1:]...)
}

// paddedElements is paddedShape(s).Elements(), without allocating.
func paddedElements(s backends.Shape) int {
	if len(s) == 0 || s[0] == 0 {
		return s.Elements()
	}
	return s.Elements() / s[0] * bucket(s[0])
}

// inputKind says how to fill one parameter of a compiled computation from
// the current graph.
type inputKind uint8

const (
	inWeight inputKind = iota // a weight's buffer
	inCache                   // a cache buffer, donated and returned updated
	inInts                    // an integer input, padded with 0
	inFloats                  // a float input, padded rows of 0
	inMask                    // an attention mask widened to every slot of the cache
	inCos                     // cosines of a Rope node's angles
	inSin                     // sines of a Rope node's angles
	inSlots                   // per cache slot, the row of a Store node's x written there, or -1
)

// input describes one parameter: its kind, the node it comes from and its
// padded shape.
type input struct {
	kind  inputKind
	node  int
	shape shapes.Shape
}

// program is a compiled computation for one graph structure.
type program struct {
	exec    gobackends.Executable
	inputs  []input
	outputs []int // per computation output, the node it holds: requested values first, then each cache's last Store
	caches  int   // how many of the outputs are caches (the last ones)
	// Per input, the host data of an integer or float input: where the
	// engine shares host memory, the contents of shared[i], a buffer kept
	// from step to step and filled in place; else a Go slice copied to a new
	// buffer at each step.
	ints   [][]int32
	floats [][]float32
	shared []gobackends.Buffer
	// The arguments of Execute, kept to not allocate them at each step.
	bufs   []gobackends.Buffer
	donate []bool
}

// hostInput reports whether input kind k is filled from the graph's data
// (not a weight nor a cache).
func hostInput(k inputKind) bool { return k != inWeight && k != inCache }

// finalize frees the computation and the shared input buffers.
func (p *program) finalize(engine gobackends.Backend) {
	for _, buf := range p.shared {
		if buf != nil {
			engine.BufferFinalize(buf)
		}
	}
	p.exec.Finalize()
}

// Compute runs the whole graph on the engine: it looks up the computation
// compiled for the graph's structure (compiling it on first use), fills its
// inputs and executes it. Afterwards the values in outputs can be Read.
func (g *graph) Compute(outputs ...backends.Value) error {
	for _, o := range outputs {
		if g.get(o, "compute") == nil {
			return g.err
		}
	}
	g.release()
	for i := range g.nodes {
		g.nodes[i].out = -1
	}
	g.key = g.structure(g.key[:0], outputs)
	p := g.b.programs[string(g.key)]
	if p == nil {
		start := time.Now()
		var err error
		if p, err = g.compile(outputs); err != nil {
			if g.err == nil {
				g.err = err
			}
			return g.err
		}
		took := time.Since(start)
		g.b.stats.Compiles++
		g.b.stats.CompileTime += took
		slog.Debug("gomlx: compiled a graph", "engine", g.b.config, "nodes", len(g.nodes), "rows", rowsOf(g.nodes), "time", took)
		g.b.programs[string(g.key)] = p
	}
	if err := g.run(p); err != nil {
		if g.err == nil {
			g.err = err
		}
		return g.err
	}
	return nil
}

// rowsOf is the padded row count of the graph's first op over tokens, for
// logs.
func rowsOf(nodes []node) int {
	for i := range nodes {
		if nodes[i].op == backends.OpEmbed {
			return bucket(nodes[i].shape[0])
		}
	}
	return 0
}

// structure appends to key everything a compiled computation depends on: the
// ops, their wiring, parameters and padded shapes, and the buffers they use.
func (g *graph) structure(key []byte, outputs []backends.Value) []byte {
	put := func(v int) { key = binary.AppendVarint(key, int64(v)) }
	putF := func(f float32) { key = binary.AppendUvarint(key, uint64(math.Float32bits(f))) }
	// A float input read only as an attention mask is widened to the whole
	// cache: its width does not count.
	plain := grow(&g.plain, len(g.nodes))
	clear(plain)
	for i := range g.nodes {
		n := &g.nodes[i]
		for k, v := range n.inputs() {
			if n.op != backends.OpAttention || k != 3 {
				plain[v] = true
			}
		}
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		put(int(n.op))
		for _, v := range n.in {
			put(int(v))
		}
		if n.op == opFloats && !plain[i] {
			put(bucket(n.shape[0]))
		} else {
			for k, d := range n.shape { // paddedShape(n.shape), without allocating
				if k == 0 {
					d = bucket(d)
				}
				put(d)
			}
		}
		if n.w != nil {
			put(n.w.id)
		} else {
			put(0)
		}
		putF(n.scale)
		switch n.op {
		case backends.OpRope:
			r := n.rope
			put(r.HeadDim)
			put(r.Dims)
			if r.Neox {
				put(1)
			} else {
				put(0)
			}
			putF(r.Base)
			putF(r.Scale)
			if r.Factors != nil {
				put(asTensor(r.Factors).id)
			}
		case backends.OpAttention:
			a := n.attn
			put(a.Heads)
			put(a.KVHeads)
			put(a.HeadDim)
			putF(a.Scale)
		}
		put(-1000)
	}
	for _, o := range outputs {
		put(int(o))
	}
	return key
}

// lowering is the state of turning a graph into a GoMLX computation. Its
// errors are sticky, like the graph's.
type lowering struct {
	g   *graph
	bld gobackends.Builder
	err error
	ops []gobackends.Op // per node
	p   *program

	weights map[int]gobackends.Op    // weight id -> parameter
	caches  map[int]int              // cache id -> node of its last Store so far
	params  map[[3]int]gobackends.Op // (kind, node, extra) -> parameter
	ropes   map[ropeKey][2]gobackends.Op
}

// ropeKey identifies the angle tables of Rope nodes that share positions and
// frequencies.
type ropeKey struct {
	pos, dims, factors int
	base, scale        float32
}

func (l *lowering) check(op gobackends.Op, err error) gobackends.Op {
	if err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return nil
	}
	return op
}

func (l *lowering) param(kind inputKind, node int, s shapes.Shape) gobackends.Op {
	if l.err != nil {
		return nil
	}
	name := fmt.Sprintf("in%d", len(l.p.inputs))
	op := l.check(l.bld.Parameter(name, s, nil))
	l.p.inputs = append(l.p.inputs, input{kind: kind, node: node, shape: s})
	return op
}

// compile lowers the graph to a GoMLX computation and compiles it.
func (g *graph) compile(outputs []backends.Value) (p *program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("gomlx: lowering the graph: %v", r)
		}
	}()
	l := &lowering{
		g:       g,
		bld:     g.b.engine.Builder(fmt.Sprintf("sovra_%d", len(g.b.programs))),
		ops:     make([]gobackends.Op, len(g.nodes)),
		p:       &program{},
		weights: map[int]gobackends.Op{},
		caches:  map[int]int{},
		params:  map[[3]int]gobackends.Op{},
		ropes:   map[ropeKey][2]gobackends.Op{},
	}
	var cacheOrder []int // cache ids in order of first Store
	for i := range g.nodes {
		n := &g.nodes[i]
		if n.op == backends.OpStore {
			if _, ok := l.caches[n.w.id]; !ok {
				cacheOrder = append(cacheOrder, n.w.id)
			}
		}
		l.ops[i] = l.node(i)
		if n.op == backends.OpStore {
			l.caches[n.w.id] = i
		}
	}
	var outs []gobackends.Op
	seen := map[int]bool{}
	for _, o := range outputs {
		if seen[int(o)] || g.nodes[o].op == backends.OpStore {
			continue
		}
		seen[int(o)] = true
		l.p.outputs = append(l.p.outputs, int(o))
		outs = append(outs, l.ops[o])
	}
	for _, id := range cacheOrder {
		last := l.caches[id]
		l.p.outputs = append(l.p.outputs, last)
		outs = append(outs, l.ops[last])
		l.p.caches++
	}
	if l.err != nil {
		return nil, fmt.Errorf("gomlx: lowering the graph: %w", l.err)
	}
	exec, err := l.bld.Compile(outs, nil)
	if err != nil {
		return nil, fmt.Errorf("gomlx: compiling the graph: %w", err)
	}
	l.p.exec = exec
	n := len(l.p.inputs)
	l.p.ints, l.p.floats = make([][]int32, n), make([][]float32, n)
	l.p.shared = make([]gobackends.Buffer, n)
	l.p.bufs, l.p.donate = make([]gobackends.Buffer, n), make([]bool, n)
	return l.p, nil
}

// f32 is the shape of a float32 tensor.
func f32(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }

// node lowers node i, whose inputs are lowered already.
func (l *lowering) node(i int) gobackends.Op {
	if l.err != nil {
		return nil
	}
	n := &l.g.nodes[i]
	in := func(k int) gobackends.Op { return l.value(n.in[k]) }
	rows := bucket(n.shape[0])
	switch n.op {
	case opInts, opFloats:
		return nil // parameters are made where they are used
	case backends.OpEmbed:
		return l.gatherRows(l.weight(n.w), l.ints(int(n.in[0])), n.w.cols())
	case backends.OpMatMul:
		x := in(0)
		if n.w.dtype.VecDotType() == quant.F16 {
			x = l.roundF16(x)
		}
		return l.check(l.bld.DotGeneral(x, []int{1}, nil, l.weight(n.w), []int{1}, nil))
	case backends.OpAdd, backends.OpMul:
		a, b := in(0), l.rowsOf(in(1), n.in[1], rows, n.shape[1])
		if n.op == backends.OpAdd {
			return l.check(l.bld.Add(a, b))
		}
		return l.check(l.bld.Mul(a, b))
	case backends.OpScale:
		return l.check(l.bld.Mul(in(0), l.full(n.scale, rows, n.shape[1])))
	case backends.OpSiLU:
		return l.silu(in(0))
	case backends.OpGELU:
		return l.gelu(in(0), rows, n.shape[1])
	case backends.OpSwiGLU:
		return l.check(l.bld.Mul(l.silu(in(0)), in(1)))
	case backends.OpRMSNorm:
		return l.rmsNorm(in(0), n, rows)
	case backends.OpRope:
		return l.ropeOp(i, in(0), rows)
	case backends.OpStore:
		return l.store(i, in(0))
	case backends.OpAttention:
		return l.attention(i, rows)
	case backends.OpRows:
		return l.gatherRows(in(0), l.ints(int(n.in[1])), n.shape[1])
	}
	l.err = fmt.Errorf("op %v: %w", n.op, backends.ErrUnsupported)
	return nil
}

func (l *lowering) weight(t *tensor) gobackends.Op {
	if op, ok := l.weights[t.id]; ok {
		return op
	}
	op := l.param(inWeight, l.weightNode(t), t.gshape())
	l.weights[t.id] = op
	return op
}

// weightNode finds a node that uses weight t (run takes the tensor from
// there: programs refer to nodes, never to tensors, since equal keys mean
// equal tensors at equal nodes).
func (l *lowering) weightNode(t *tensor) int {
	for i := range l.g.nodes {
		if l.g.nodes[i].w == t {
			return i
		}
	}
	return -1
}

// value is the lowered value of node v: a float input becomes a parameter on
// its first use.
func (l *lowering) value(v backends.Value) gobackends.Op {
	if l.g.nodes[v].op == opFloats {
		return l.floats(int(v))
	}
	return l.ops[v]
}

// ints is the parameter of integer input node v, padded with zeros.
func (l *lowering) ints(v int) gobackends.Op {
	k := [3]int{int(inInts), v, 0}
	if op, ok := l.params[k]; ok {
		return op
	}
	op := l.param(inInts, v, shapes.Make(dtypes.Int32, bucket(len(l.g.nodes[v].ints))))
	l.params[k] = op
	return op
}

// rowsOf is the operand b of an Add or Mul broadcast to [rows, cols] when it
// is a single row.
func (l *lowering) rowsOf(b gobackends.Op, v backends.Value, rows, cols int) gobackends.Op {
	if l.g.nodes[v].shape[0] == 1 && rows != 1 {
		return l.check(l.bld.BroadcastInDim(b, f32(rows, cols), []int{0, 1}))
	}
	return b
}

// floats is the parameter of float input node v, its rows padded with zeros.
func (l *lowering) floats(v int) gobackends.Op {
	k := [3]int{int(inFloats), v, 0}
	if op, ok := l.params[k]; ok {
		return op
	}
	s := paddedShape(l.g.nodes[v].shape)
	op := l.param(inFloats, v, f32(s...))
	l.params[k] = op
	return op
}

// scalar is a float32 constant.
func (l *lowering) scalar(v float32) gobackends.Op {
	if l.err != nil {
		return nil
	}
	return l.check(l.bld.Constant([]float32{v}))
}

// full is a float32 tensor of the given dimensions, every element v.
func (l *lowering) full(v float32, dims ...int) gobackends.Op {
	s := l.scalar(v)
	if l.err != nil {
		return nil
	}
	return l.check(l.bld.BroadcastInDim(s, f32(dims...), nil))
}

func (l *lowering) shapeOf(op gobackends.Op) []int {
	if l.err != nil {
		return nil
	}
	s, err := l.bld.OpShape(op)
	l.check(nil, err)
	return s.Dimensions
}

// roundF16 rounds x to the nearest value with float16's 11-bit significand
// (Veltkamp's splitting: c = x·(2¹³+1), x rounded = c − (c − x)). It uses only
// float32 arithmetic, which every engine has; values beyond float16's range
// are not clamped.
func (l *lowering) roundF16(x gobackends.Op) gobackends.Op {
	dims := l.shapeOf(x)
	c := l.check(l.bld.Mul(x, l.full(8193, dims...)))
	d := l.check(l.bld.Sub(c, x))
	return l.check(l.bld.Sub(c, d))
}

func (l *lowering) silu(x gobackends.Op) gobackends.Op {
	return l.check(l.bld.Mul(x, l.check(l.bld.Logistic(x))))
}

// gelu is 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func (l *lowering) gelu(x gobackends.Op, rows, cols int) gobackends.Op {
	x3 := l.check(l.bld.Mul(x, l.check(l.bld.Mul(x, x))))
	inner := l.check(l.bld.Add(x, l.check(l.bld.Mul(x3, l.full(0.044715, rows, cols)))))
	t := l.check(l.bld.Tanh(l.check(l.bld.Mul(inner, l.full(float32(math.Sqrt(2/math.Pi)), rows, cols)))))
	one := l.check(l.bld.Add(t, l.full(1, rows, cols)))
	return l.check(l.bld.Mul(l.check(l.bld.Mul(x, l.full(0.5, rows, cols))), one))
}

// rmsNorm is x / sqrt(mean(x²) + eps) per row, times the weight.
func (l *lowering) rmsNorm(x gobackends.Op, n *node, rows int) gobackends.Op {
	d := n.shape[1]
	ss := l.check(l.bld.ReduceSum(l.check(l.bld.Mul(x, x)), 1))
	mean := l.check(l.bld.Div(ss, l.full(float32(d), rows)))
	root := l.check(l.bld.Sqrt(l.check(l.bld.Add(mean, l.full(n.scale, rows)))))
	inv := l.check(l.bld.Div(l.full(1, rows), root))
	y := l.check(l.bld.Mul(x, l.check(l.bld.BroadcastInDim(inv, f32(rows, d), []int{0}))))
	if n.w == nil {
		return y
	}
	w := l.check(l.bld.BroadcastInDim(l.weight(n.w), f32(rows, d), []int{1}))
	return l.check(l.bld.Mul(y, w))
}

// gatherRows picks rows idx [r] (int32) of x [?, cols] into [r, cols].
func (l *lowering) gatherRows(x, idx gobackends.Op, cols int) gobackends.Op {
	if l.err != nil {
		return nil
	}
	r := l.shapeOf(idx)[0]
	idx2 := l.check(l.bld.Reshape(idx, r, 1))
	return l.check(l.bld.Gather(x, idx2, 1, []int{1}, []int{0}, []int{0}, []int{1, cols}, false))
}

// ropeOp rotates the heads of x by angles given as cos and sin tables
// [rows, Dims/2], computed in Go from the positions (see fillRope).
func (l *lowering) ropeOp(i int, x gobackends.Op, rows int) gobackends.Op {
	n := &l.g.nodes[i]
	p := n.rope
	half := p.Dims / 2
	k := ropeKey{pos: int(n.in[1]), dims: p.Dims, base: p.Base, scale: p.Scale}
	if n.w != nil {
		k.factors = n.w.id
	}
	tables, ok := l.ropes[k]
	if !ok {
		tables[0] = l.param(inCos, i, f32(rows, half))
		tables[1] = l.param(inSin, i, f32(rows, half))
		l.ropes[k] = tables
	}
	if l.err != nil {
		return nil
	}
	heads := n.shape[1] / p.HeadDim
	x3 := l.check(l.bld.Reshape(x, rows, heads, p.HeadDim))
	slice := func(op gobackends.Op, lo, hi int) gobackends.Op {
		dims := l.shapeOf(op)
		if l.err != nil {
			return nil
		}
		starts, limits, strides := make([]int, len(dims)), append([]int(nil), dims...), make([]int, len(dims))
		starts[len(dims)-1], limits[len(dims)-1] = lo, hi
		for i := range strides {
			strides[i] = 1
		}
		return l.check(l.bld.Slice(op, starts, limits, strides))
	}
	var x0, x1 gobackends.Op
	var pair []int // the shape of x0, x1, cos and sin
	var axes []int // where cos and sin [rows, half] go in it
	if p.Neox {
		x0, x1 = slice(x3, 0, half), slice(x3, half, p.Dims)
		pair, axes = []int{rows, heads, half}, []int{0, 2}
	} else {
		xp := l.check(l.bld.Reshape(slice(x3, 0, p.Dims), rows, heads, half, 2))
		x0, x1 = slice(xp, 0, 1), slice(xp, 1, 2)
		pair, axes = []int{rows, heads, half, 1}, []int{0, 2}
	}
	cos := l.check(l.bld.BroadcastInDim(tables[0], f32(pair...), axes))
	sin := l.check(l.bld.BroadcastInDim(tables[1], f32(pair...), axes))
	y0 := l.check(l.bld.Sub(l.check(l.bld.Mul(x0, cos)), l.check(l.bld.Mul(x1, sin))))
	y1 := l.check(l.bld.Add(l.check(l.bld.Mul(x0, sin)), l.check(l.bld.Mul(x1, cos))))
	var rotated gobackends.Op
	if p.Neox {
		rotated = l.check(l.bld.Concatenate(2, y0, y1))
	} else {
		rotated = l.check(l.bld.Reshape(l.check(l.bld.Concatenate(3, y0, y1)), rows, heads, p.Dims))
	}
	if p.Dims < p.HeadDim {
		rotated = l.check(l.bld.Concatenate(2, rotated, slice(x3, p.Dims, p.HeadDim)))
	}
	return l.check(l.bld.Reshape(rotated, rows, n.shape[1]))
}

// cacheOp is the current value of cache t: its parameter, or its last Store.
func (l *lowering) cacheOp(t *tensor) gobackends.Op {
	if last, ok := l.caches[t.id]; ok {
		return l.ops[last]
	}
	k := [3]int{int(inCache), t.id, 0}
	if op, ok := l.params[k]; ok {
		return op
	}
	op := l.param(inCache, l.firstStore(t), t.gshape())
	l.params[k] = op
	return op
}

func (l *lowering) firstStore(t *tensor) int {
	for i := range l.g.nodes {
		if l.g.nodes[i].op == backends.OpStore && l.g.nodes[i].w == t {
			return i
		}
	}
	return -1
}

// store writes the rows of x into cache slots: per slot, the index of the
// row written there (-1: none) comes from Go (fillSlots); the new cache takes
// that row of x where there is one and keeps the old row elsewhere.
func (l *lowering) store(i int, x gobackends.Op) gobackends.Op {
	n := &l.g.nodes[i]
	t := n.w
	slots, d := t.rows(), t.cols()
	old := l.cacheOp(t)
	k := [3]int{int(inSlots), int(n.in[1]), slots}
	src, ok := l.params[k]
	if !ok {
		src = l.param(inSlots, i, shapes.Make(dtypes.Int32, slots))
		l.params[k] = src
	}
	if l.err != nil {
		return nil
	}
	zero := l.check(l.bld.BroadcastInDim(l.check(l.bld.Constant([]int32{0})), shapes.Make(dtypes.Int32, slots), nil))
	rows := l.gatherRows(x, l.check(l.bld.Max(src, zero)), d)
	if t.dtype == quant.F16 {
		rows = l.roundF16(rows)
	}
	has := l.check(l.bld.GreaterOrEqual(src, zero))
	has = l.check(l.bld.BroadcastInDim(has, shapes.Make(dtypes.Bool, slots, d), []int{0}))
	return l.check(l.bld.Where(has, rows, old))
}

// attention is softmax(Scale·q·kᵀ + mask)·v over every slot of the cache,
// the mask widened with −Inf to all of them.
func (l *lowering) attention(i int, rows int) gobackends.Op {
	n := &l.g.nodes[i]
	p := n.attn
	kn := &l.g.nodes[n.in[1]]
	slots := kn.w.rows()
	f16 := kn.w.dtype == quant.F16
	group := p.Heads / p.KVHeads
	mk := [3]int{int(inMask), int(n.in[3]), slots}
	mask, ok := l.params[mk]
	if !ok {
		mask = l.param(inMask, int(n.in[3]), f32(rows, slots))
		l.params[mk] = mask
	}
	q := l.value(n.in[0])
	if f16 {
		q = l.roundF16(q)
	}
	q4 := l.check(l.bld.Reshape(q, rows, p.KVHeads, group, p.HeadDim))
	k3 := l.check(l.bld.Reshape(l.ops[n.in[1]], slots, p.KVHeads, p.HeadDim))
	v3 := l.check(l.bld.Reshape(l.ops[n.in[2]], slots, p.KVHeads, p.HeadDim))
	// [KVHeads, rows, group, slots]
	s := l.check(l.bld.DotGeneral(q4, []int{3}, []int{1}, k3, []int{2}, []int{1}))
	dims := []int{p.KVHeads, rows, group, slots}
	s = l.check(l.bld.Mul(s, l.full(p.Scale, dims...)))
	s = l.check(l.bld.Add(s, l.check(l.bld.BroadcastInDim(mask, f32(dims...), []int{1, 3}))))
	// A row hidden entirely gets probabilities 0: its max is raised to a
	// finite value, so that every exp is 0 and the sum, raised to 1, too.
	m := l.check(l.bld.ReduceMax(s, 3))
	m = l.check(l.bld.Max(m, l.full(-math.MaxFloat32, dims[:3]...)))
	e := l.check(l.bld.Exp(l.check(l.bld.Sub(s, l.check(l.bld.BroadcastInDim(m, f32(dims...), []int{0, 1, 2}))))))
	sum := l.check(l.bld.Max(l.check(l.bld.ReduceSum(e, 3)), l.full(1e-30, dims[:3]...)))
	inv := l.check(l.bld.Div(l.full(1, dims[:3]...), sum))
	probs := l.check(l.bld.Mul(e, l.check(l.bld.BroadcastInDim(inv, f32(dims...), []int{0, 1, 2}))))
	if f16 {
		probs = l.roundF16(probs)
	}
	// [KVHeads, rows, group, HeadDim]
	o := l.check(l.bld.DotGeneral(probs, []int{3}, []int{0}, v3, []int{0}, []int{1}))
	o = l.check(l.bld.Transpose(o, 1, 0, 2, 3))
	return l.check(l.bld.Reshape(o, rows, p.Heads*p.HeadDim))
}

// run fills the inputs of p from the graph, executes it and keeps the
// outputs; the caches take their updated buffers.
func (g *graph) run(p *program) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gomlx: running the graph: %v", r)
		}
	}()
	b := g.b
	bufs, donate := p.bufs, p.donate
	defer clear(bufs) // drop the references until the next step
	free := func() {
		for i, buf := range bufs {
			if buf != nil && hostInput(p.inputs[i].kind) && p.shared[i] == nil {
				b.engine.BufferFinalize(buf)
			}
		}
	}
	for i, in := range p.inputs {
		n := &g.nodes[in.node]
		if b.shared && hostInput(in.kind) && p.shared[i] == nil {
			// A buffer the engine shares with us: filled in place at each
			// step, never donated, so it outlives the step.
			var flat any
			if p.shared[i], flat, err = b.engine.NewSharedBuffer(0, in.shape); err != nil {
				p.shared[i] = nil
				free()
				return fmt.Errorf("gomlx: input %d: %w", i, err)
			}
			switch flat := flat.(type) {
			case []int32:
				p.ints[i] = flat
			case []float32:
				p.floats[i] = flat
			default: // not the layout expected: copy at each step instead
				b.engine.BufferFinalize(p.shared[i])
				p.shared[i] = nil
			}
		}
		switch in.kind {
		case inWeight:
			bufs[i], donate[i] = n.w.buf, false
			continue
		case inCache:
			bufs[i], donate[i] = n.w.buf, true
			continue
		case inInts, inSlots:
			data := grow(&p.ints[i], in.shape.Size())
			if in.kind == inInts {
				clear(data)
				copy(data, n.ints)
			} else {
				fillSlots(data, g.nodes[n.in[1]].ints)
			}
			if p.shared[i] == nil {
				bufs[i], err = b.engine.BufferFromFlatData(0, data, in.shape)
			}
		default:
			data := grow(&p.floats[i], in.shape.Size())
			switch in.kind {
			case inFloats:
				clear(data)
				copy(data, n.vals)
			case inMask:
				fillMask(data, n, in.shape.Dimensions[1])
			case inCos, inSin:
				fillRope(data, n, g.nodes[n.in[1]].ints, in.kind == inCos)
			}
			if p.shared[i] == nil {
				bufs[i], err = b.engine.BufferFromFlatData(0, data, in.shape)
			}
		}
		if p.shared[i] != nil {
			bufs[i], donate[i] = p.shared[i], false
		} else {
			donate[i] = true
		}
		if err != nil {
			free()
			return fmt.Errorf("gomlx: input %d: %w", i, err)
		}
	}
	outs, err := p.exec.Execute(bufs, donate, 0)
	b.stats.Runs++
	if err != nil {
		return fmt.Errorf("gomlx: executing the graph: %w", err)
	}
	requested := len(p.outputs) - p.caches
	for j, node := range p.outputs {
		if j >= requested {
			g.nodes[node].w.buf = outs[j]
			continue
		}
		g.nodes[node].out = len(g.outputs)
		g.outputs = append(g.outputs, outs[j])
	}
	return nil
}

func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// fillSlots sets, for every cache slot, the row of x that Store rows writes
// there (the last one if several do), or -1.
func fillSlots(dst, rows []int32) {
	for i := range dst {
		dst[i] = -1
	}
	for i, r := range rows {
		dst[r] = int32(i)
	}
}

// fillMask widens mask node n [r, L] to dst [bucket(r), slots]: slots beyond
// L hidden (−Inf); padded rows see everything (they are never read, and
// seeing something keeps their softmax finite).
func fillMask(dst []float32, n *node, slots int) {
	r, L := n.shape[0], n.shape[1]
	inf := float32(math.Inf(-1))
	for i := range len(dst) / slots {
		row := dst[i*slots : (i+1)*slots]
		if i >= r {
			clear(row)
			continue
		}
		copy(row, n.vals[i*L:(i+1)*L])
		for j := L; j < slots; j++ {
			row[j] = inf
		}
	}
}

// fillRope fills dst [bucket(n), Dims/2] with the cosines (or sines) of the
// angles of Rope node n at positions pos: pair i turns by
// pos·Scale·Base^(-2i/Dims) / Factors[i], the frequency formed by repeated
// float32 multiplication as llama.cpp does. Padded rows take position 0.
func fillRope(dst []float32, n *node, pos []int32, cos bool) {
	p := n.rope
	half := p.Dims / 2
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	var factors []float32
	if n.w != nil {
		factors = n.w.host
	}
	step := float32(math.Pow(float64(p.Base), -2/float64(p.Dims)))
	for r := range len(dst) / half {
		var theta float32
		if r < len(pos) {
			theta = float32(pos[r])
		}
		row := dst[r*half : (r+1)*half]
		for i := range row {
			t := theta * scale
			if factors != nil {
				t /= factors[i]
			}
			s, c := math.Sincos(float64(t))
			if cos {
				row[i] = float32(c)
			} else {
				row[i] = float32(s)
			}
			theta *= step
		}
	}
}
