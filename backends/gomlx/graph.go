package gomlx

import (
	"fmt"
	"slices"

	gobackends "github.com/gomlx/gomlx/backends"

	"sovra/backends"
)

// node is one op of a graph, recorded as built; Compute lowers the whole list
// to a GoMLX computation.
type node struct {
	op    backends.Op
	in    [4]backends.Value
	shape backends.Shape // the real shape; the computation works on padded rows
	w     *tensor        // the weight or cache buffer the op reads or writes
	scale float32
	rope  backends.RopeParams
	attn  backends.AttentionParams
	ints  []int32   // integer input data
	vals  []float32 // float input data
	out   int       // index of the value among the last Compute's outputs, or -1
}

// Kinds of node beyond the backend ops: graph inputs.
const (
	opInts backends.Op = -1 - iota
	opFloats
)

// graph records ops; Compute runs them on the engine.
type graph struct {
	b       *Backend
	nodes   []node
	err     error
	key     []byte              // the structure key of the last Compute
	outputs []gobackends.Buffer // the buffers of the last Compute's outputs
	scratch []float32           // for reading padded outputs
	plain   []bool              // per node, whether it is read other than as a mask
	dims    []int               // the nodes' shapes are carved from it (see shape)
}

// shape returns a shape holding dims, carved from an arena that the next
// graph reuses (its values are invalid by then), so that building a graph
// does not allocate once the arena has grown.
func (g *graph) shape(dims ...int) backends.Shape {
	if cap(g.dims)-len(g.dims) < len(dims) {
		g.dims = make([]int, 0, max(64, 2*cap(g.dims), len(dims)))
	}
	n := len(g.dims)
	g.dims = append(g.dims, dims...)
	return backends.Shape(g.dims[n:len(g.dims):len(g.dims)])
}

// inputs returns the values n reads.
func (n *node) inputs() []backends.Value {
	switch n.op {
	case opInts, opFloats:
		return nil
	case backends.OpAdd, backends.OpMul, backends.OpSwiGLU, backends.OpRope, backends.OpStore, backends.OpRows:
		return n.in[:2]
	case backends.OpAttention:
		return n.in[:4]
	}
	return n.in[:1]
}

const dead backends.Value = -1

func (g *graph) fail(format string, args ...any) backends.Value {
	if g.err == nil {
		g.err = fmt.Errorf("gomlx: "+format, args...)
	}
	return dead
}

// add records n unless the graph has failed.
func (g *graph) add(n node) backends.Value {
	if g.err != nil {
		return dead
	}
	n.out = -1
	g.nodes = append(g.nodes, n)
	return backends.Value(len(g.nodes) - 1)
}

// get returns the node of the float value v, or nil (and fails the graph).
func (g *graph) get(v backends.Value, what string) *node {
	if g.err != nil {
		return nil
	}
	if v < 0 || int(v) >= len(g.nodes) {
		g.fail("%s: invalid value %d", what, v)
		return nil
	}
	n := &g.nodes[v]
	if n.op == opInts {
		g.fail("%s: value %d holds integers, want floats", what, v)
		return nil
	}
	return n
}

func (g *graph) getInts(v backends.Value, what string) *node {
	if g.err != nil {
		return nil
	}
	if v < 0 || int(v) >= len(g.nodes) || g.nodes[v].op != opInts {
		g.fail("%s: value %d is not an integer input", what, v)
		return nil
	}
	return &g.nodes[v]
}

func asTensor(b backends.Buffer) *tensor {
	t, _ := b.(*tensor)
	return t
}

func (g *graph) Int32s(name string, data []int32) backends.Value {
	if len(data) == 0 {
		return g.fail("input %q is empty", name)
	}
	return g.add(node{op: opInts, ints: data, shape: g.shape(len(data))})
}

func (g *graph) Floats(name string, shape backends.Shape, data []float32) backends.Value {
	if len(shape) != 2 || shape.Elements() != len(data) || len(data) == 0 {
		return g.fail("input %q: %d values for shape %v (want a non-empty matrix)", name, len(data), shape)
	}
	return g.add(node{op: opFloats, vals: data, shape: g.shape(shape...)})
}

func (g *graph) Embed(table backends.Buffer, ids backends.Value) backends.Value {
	t, in := asTensor(table), g.getInts(ids, "embed")
	if in == nil {
		return dead
	}
	if t == nil || t.cache || len(t.shape) != 2 {
		return g.fail("embed: table must be a 2-D gomlx weight")
	}
	for _, id := range in.ints {
		if id < 0 || int(id) >= t.rows() {
			return g.fail("embed: token id %d out of [0, %d)", id, t.rows())
		}
	}
	return g.add(node{op: backends.OpEmbed, in: [4]backends.Value{ids}, w: t, shape: g.shape(len(in.ints), t.cols())})
}

func (g *graph) MatMul(x backends.Value, w backends.Buffer) backends.Value {
	t, xn := asTensor(w), g.get(x, "matmul")
	if xn == nil {
		return dead
	}
	if t == nil || t.cache || len(t.shape) != 2 {
		return g.fail("matmul: weight must be a 2-D gomlx weight")
	}
	if len(xn.shape) != 2 || xn.shape[1] != t.cols() {
		return g.fail("matmul %s: x is %v, want [n, %d]", t.name, xn.shape, t.cols())
	}
	return g.add(node{op: backends.OpMatMul, in: [4]backends.Value{x}, w: t, shape: g.shape(xn.shape[0], t.rows())})
}

// binary records an element-wise op of a and b, where b has a's shape or is a
// single row.
func (g *graph) binary(op backends.Op, a, b backends.Value) backends.Value {
	an, bn := g.get(a, op.String()), g.get(b, op.String())
	if an == nil || bn == nil {
		return dead
	}
	if len(an.shape) != 2 || len(bn.shape) != 2 || an.shape[1] != bn.shape[1] || (bn.shape[0] != an.shape[0] && bn.shape[0] != 1) {
		return g.fail("%s: shapes %v and %v do not match", op, an.shape, bn.shape)
	}
	return g.add(node{op: op, in: [4]backends.Value{a, b}, shape: an.shape})
}

func (g *graph) Add(a, b backends.Value) backends.Value { return g.binary(backends.OpAdd, a, b) }
func (g *graph) Mul(a, b backends.Value) backends.Value { return g.binary(backends.OpMul, a, b) }

// unary records an element-wise op of x.
func (g *graph) unary(op backends.Op, x backends.Value, scale float32) backends.Value {
	xn := g.get(x, op.String())
	if xn == nil {
		return dead
	}
	if len(xn.shape) != 2 {
		return g.fail("%s: x %v is not a matrix", op, xn.shape)
	}
	return g.add(node{op: op, in: [4]backends.Value{x}, shape: xn.shape, scale: scale})
}

func (g *graph) Scale(a backends.Value, s float32) backends.Value {
	return g.unary(backends.OpScale, a, s)
}
func (g *graph) SiLU(x backends.Value) backends.Value { return g.unary(backends.OpSiLU, x, 0) }
func (g *graph) GELU(x backends.Value) backends.Value { return g.unary(backends.OpGELU, x, 0) }

func (g *graph) SwiGLU(gate, up backends.Value) backends.Value {
	gn, un := g.get(gate, "swiglu"), g.get(up, "swiglu")
	if gn == nil || un == nil {
		return dead
	}
	if len(gn.shape) != 2 || !slices.Equal(gn.shape, un.shape) {
		return g.fail("swiglu: shapes %v and %v differ", gn.shape, un.shape)
	}
	return g.add(node{op: backends.OpSwiGLU, in: [4]backends.Value{gate, up}, shape: gn.shape})
}

func (g *graph) RMSNorm(x backends.Value, w backends.Buffer, eps float32) backends.Value {
	xn := g.get(x, "rmsnorm")
	if xn == nil {
		return dead
	}
	if len(xn.shape) != 2 {
		return g.fail("rmsnorm: x %v is not a matrix", xn.shape)
	}
	var t *tensor
	if w != nil {
		t = asTensor(w)
		if t == nil || t.host == nil || t.shape.Elements() != xn.shape[1] {
			return g.fail("rmsnorm: weight %v must be a gomlx weight [%d]", w.Shape(), xn.shape[1])
		}
	}
	return g.add(node{op: backends.OpRMSNorm, in: [4]backends.Value{x}, w: t, shape: xn.shape, scale: eps})
}

func (g *graph) Rope(x, pos backends.Value, p backends.RopeParams) backends.Value {
	xn, pn := g.get(x, "rope"), g.getInts(pos, "rope")
	if xn == nil || pn == nil {
		return dead
	}
	switch {
	case len(xn.shape) != 2 || p.HeadDim <= 0 || xn.shape[1]%p.HeadDim != 0:
		return g.fail("rope: x %v is not made of heads of %d", xn.shape, p.HeadDim)
	case p.Dims <= 0 || p.Dims > p.HeadDim || p.Dims%2 != 0:
		return g.fail("rope: %d rotated dimensions for heads of %d", p.Dims, p.HeadDim)
	case len(pn.ints) != xn.shape[0]:
		return g.fail("rope: %d positions for %d rows", len(pn.ints), xn.shape[0])
	}
	var t *tensor
	if p.Factors != nil {
		if t = asTensor(p.Factors); t == nil || t.host == nil || len(t.host) != p.Dims/2 {
			return g.fail("rope: factors %v must be a gomlx weight [%d]", p.Factors.Shape(), p.Dims/2)
		}
	}
	return g.add(node{op: backends.OpRope, in: [4]backends.Value{x, pos}, w: t, rope: p, shape: xn.shape})
}

func (g *graph) Store(dst backends.Buffer, x, rows backends.Value) backends.Value {
	t, xn, rn := asTensor(dst), g.get(x, "store"), g.getInts(rows, "store")
	if xn == nil || rn == nil {
		return dead
	}
	if t == nil || !t.cache {
		return g.fail("store: destination must be a gomlx buffer made by NewBuffer")
	}
	if len(xn.shape) != 2 || xn.shape[1] != t.cols() || len(rn.ints) != xn.shape[0] {
		return g.fail("store %s: x %v, %d rows, buffer %v", t.name, xn.shape, len(rn.ints), t.shape)
	}
	for _, r := range rn.ints {
		if r < 0 || int(r) >= t.rows() {
			return g.fail("store %s: row %d out of [0, %d)", t.name, r, t.rows())
		}
	}
	return g.add(node{op: backends.OpStore, in: [4]backends.Value{x, rows}, w: t, shape: t.shape})
}

func (g *graph) Attention(q, k, v, mask backends.Value, p backends.AttentionParams) backends.Value {
	qn, kn, vn, mn := g.get(q, "attention"), g.get(k, "attention"), g.get(v, "attention"), g.get(mask, "attention")
	if qn == nil || kn == nil || vn == nil || mn == nil {
		return dead
	}
	switch {
	case kn.op != backends.OpStore || vn.op != backends.OpStore:
		return g.fail("attention: k and v must be values returned by Store")
	case mn.op != opFloats:
		return g.fail("attention: the mask must be a Floats input")
	case p.HeadDim <= 0 || p.KVHeads <= 0 || p.Heads%p.KVHeads != 0:
		return g.fail("attention: %d heads over %d KV heads of %d", p.Heads, p.KVHeads, p.HeadDim)
	case len(qn.shape) != 2 || qn.shape[1] != p.Heads*p.HeadDim:
		return g.fail("attention: q %v, want [n, %d]", qn.shape, p.Heads*p.HeadDim)
	case kn.w.cols() != p.KVHeads*p.HeadDim || vn.w.cols() != p.KVHeads*p.HeadDim || kn.w.rows() != vn.w.rows():
		return g.fail("attention: caches %v and %v, want [slots, %d]", kn.w.shape, vn.w.shape, p.KVHeads*p.HeadDim)
	case len(mn.shape) != 2 || mn.shape[0] != qn.shape[0] || mn.shape[1] > kn.w.rows():
		return g.fail("attention: mask %v for %d queries over %d slots", mn.shape, qn.shape[0], kn.w.rows())
	}
	return g.add(node{op: backends.OpAttention, in: [4]backends.Value{q, k, v, mask}, attn: p, shape: qn.shape})
}

func (g *graph) Rows(x, idx backends.Value) backends.Value {
	xn, in := g.get(x, "rows"), g.getInts(idx, "rows")
	if xn == nil || in == nil {
		return dead
	}
	if len(xn.shape) != 2 {
		return g.fail("rows: x %v is not a matrix", xn.shape)
	}
	for _, r := range in.ints {
		if r < 0 || int(r) >= xn.shape[0] {
			return g.fail("rows: index %d out of [0, %d)", r, xn.shape[0])
		}
	}
	return g.add(node{op: backends.OpRows, in: [4]backends.Value{x, idx}, shape: g.shape(len(in.ints), xn.shape[1])})
}

func (g *graph) Shape(v backends.Value) backends.Shape {
	if v < 0 || int(v) >= len(g.nodes) {
		return nil
	}
	return g.nodes[v].shape
}

func (g *graph) Err() error { return g.err }

// Read copies a computed output into dst: the first rows of the padded
// result.
func (g *graph) Read(v backends.Value, dst []float32) error {
	n := g.get(v, "read")
	if n == nil {
		return g.err
	}
	if n.out < 0 || n.out >= len(g.outputs) {
		return fmt.Errorf("gomlx: read of value %d, which was not an output of Compute", v)
	}
	if len(dst) != n.shape.Elements() {
		return fmt.Errorf("gomlx: read of %v into %d floats", n.shape, len(dst))
	}
	buf := g.outputs[n.out]
	padded := paddedElements(n.shape)
	flat := dst
	if padded != len(dst) {
		if cap(g.scratch) < padded {
			g.scratch = make([]float32, padded)
		}
		flat = g.scratch[:padded]
	}
	if err := g.b.toHost(buf, flat); err != nil {
		return fmt.Errorf("gomlx: read: %w", err)
	}
	if len(flat) != len(dst) {
		copy(dst, flat) // the real rows come first
	}
	return nil
}

// release frees the output buffers of the last Compute.
func (g *graph) release() {
	if g.b == nil || g.b.engine == nil {
		return
	}
	for _, buf := range g.outputs {
		if buf != nil {
			g.b.engine.BufferFinalize(buf)
		}
	}
	g.outputs = g.outputs[:0]
}

// toHost copies a float32 buffer into flat.
func (b *Backend) toHost(buf gobackends.Buffer, flat []float32) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("engine: %v", r)
		}
	}()
	return b.engine.BufferToFlatData(buf, flat)
}
