package cpu

import (
	"fmt"
	"math"
	"slices"

	"sovra/backends"
	"sovra/kernels/quant"
	"sovra/kernels/vec"
)

// node is one op of a graph. Nodes are recorded in the order they are built,
// which is an order in which their inputs come first; Compute runs them in it.
type node struct {
	op    backends.Op
	in    [4]backends.Value
	shape backends.Shape
	w     *tensor // the weight or buffer the op reads or writes
	scale float32
	rope  backends.RopeParams
	attn  backends.AttentionParams
	ints  []int32   // integer inputs
	out   []float32 // float result, once computed
	done  bool
}

// Kinds of node beyond the backend ops: graph inputs.
const (
	opInts backends.Op = -1 - iota
	opFloats
)

// graph records ops and runs them on Compute.
type graph struct {
	b     *Backend
	nodes []node
	used  int // floats of b.arena handed out
	// outgrown counts the floats handed out from arenas this graph
	// outgrew; the next graph gets one arena of outgrown+used floats.
	outgrown int
	err      error
	task     opTask
	quant    quantTask
}

// alloc returns n floats: a released value's memory of that size, or fresh
// floats from the backend's arena, which the next graph reuses. When the
// arena is too small a larger one replaces it; values already handed out
// keep the old one alive until the graph ends, and the next graph starts
// with one arena of the size this one used in all.
func (g *graph) alloc(n int) []float32 {
	if free := g.b.free[n]; len(free) > 0 {
		g.b.free[n] = free[:len(free)-1]
		return free[len(free)-1]
	}
	if g.used+n > len(g.b.arena) {
		g.outgrown += g.used
		g.b.arena = make([]float32, 2*(g.used+n))
		g.used = 0
	}
	out := g.b.arena[g.used : g.used+n : g.used+n]
	g.used += n
	return out
}

const dead backends.Value = -1

func (g *graph) fail(format string, args ...any) backends.Value {
	if g.err == nil {
		g.err = fmt.Errorf("cpu: "+format, args...)
	}
	return dead
}

// shape returns a shape made of dims, held in memory the next graph reuses.
func (g *graph) shape(dims ...int) backends.Shape {
	if len(g.b.dims)+len(dims) > cap(g.b.dims) {
		g.b.dims = make([]int, 0, 2*cap(g.b.dims)+len(dims))
	}
	g.b.dims = append(g.b.dims, dims...)
	n := len(g.b.dims)
	return backends.Shape(g.b.dims[n-len(dims) : n : n])
}

// add records n unless the graph has failed.
func (g *graph) add(n node) backends.Value {
	if g.err != nil {
		return dead
	}
	g.nodes = append(g.nodes, n)
	return backends.Value(len(g.nodes) - 1)
}

// get returns the node of v, or nil (and fails the graph) when v is dead or
// not a float value.
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

func weight(b backends.Buffer) *tensor {
	t, _ := b.(*tensor)
	return t
}

func (g *graph) Int32s(name string, data []int32) backends.Value {
	return g.add(node{op: opInts, ints: data, shape: g.shape(len(data))})
}

func (g *graph) Floats(name string, shape backends.Shape, data []float32) backends.Value {
	if shape.Elements() != len(data) {
		return g.fail("input %q: %d values for shape %v", name, len(data), shape)
	}
	return g.add(node{op: opFloats, out: data, shape: shape, done: true})
}

func (g *graph) Embed(table backends.Buffer, ids backends.Value) backends.Value {
	t, in := weight(table), g.getInts(ids, "embed")
	if in == nil {
		return dead
	}
	if t == nil || len(t.shape) != 2 {
		return g.fail("embed: table must be a 2-D cpu weight")
	}
	return g.add(node{op: backends.OpEmbed, in: [4]backends.Value{ids}, w: t, shape: g.shape(len(in.ints), t.cols())})
}

func (g *graph) MatMul(x backends.Value, w backends.Buffer) backends.Value {
	t, xn := weight(w), g.get(x, "matmul")
	if xn == nil {
		return dead
	}
	if t == nil || len(t.shape) != 2 || t.raw == nil {
		return g.fail("matmul: weight must be a 2-D cpu weight")
	}
	if len(xn.shape) != 2 || xn.shape[1] != t.cols() {
		return g.fail("matmul %s: x is %v, want [n, %d]", t.name, xn.shape, t.cols())
	}
	g.b.packed(t)
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
	if !slices.Equal(gn.shape, un.shape) {
		return g.fail("swiglu: shapes %v and %v differ", gn.shape, un.shape)
	}
	return g.add(node{op: backends.OpSwiGLU, in: [4]backends.Value{gate, up}, shape: gn.shape})
}

func (g *graph) RMSNorm(x backends.Value, w backends.Buffer, eps float32) backends.Value {
	xn := g.get(x, "rmsnorm")
	if xn == nil {
		return dead
	}
	var t *tensor
	if w != nil {
		t = weight(w)
		if t == nil || t.f32 == nil || t.shape.Elements() != xn.shape[len(xn.shape)-1] {
			return g.fail("rmsnorm: weight %v must be F32 [%d]", w.Shape(), xn.shape[len(xn.shape)-1])
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
		if t = weight(p.Factors); t == nil || t.f32 == nil || len(t.f32) != p.Dims/2 {
			return g.fail("rope: factors %v must be F32 [%d]", p.Factors.Shape(), p.Dims/2)
		}
	}
	return g.add(node{op: backends.OpRope, in: [4]backends.Value{x, pos}, w: t, rope: p, shape: xn.shape})
}

func (g *graph) Store(dst backends.Buffer, x, rows backends.Value) backends.Value {
	t, xn, rn := weight(dst), g.get(x, "store"), g.getInts(rows, "store")
	if xn == nil || rn == nil {
		return dead
	}
	if t == nil || (t.f32 == nil && t.f16 == nil) || len(t.shape) != 2 {
		return g.fail("store: destination must be a 2-D cpu buffer")
	}
	if len(xn.shape) != 2 || xn.shape[1] != t.cols() || len(rn.ints) != xn.shape[0] {
		return g.fail("store %s: x %v, %d rows, buffer %v", t.name, xn.shape, len(rn.ints), t.shape)
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

// Compute runs every node not yet run. Nodes only depend on earlier nodes, so
// one pass in order suffices. A value's memory is reused as soon as its last
// reader has run, unless it is one of outputs: only those can be Read after.
func (g *graph) Compute(outputs ...backends.Value) error {
	for _, o := range outputs {
		if g.get(o, "compute") == nil {
			return g.err
		}
	}
	last := g.b.last[:0]
	for range g.nodes {
		last = append(last, -1)
	}
	g.b.last = last
	for i := range g.nodes {
		for _, v := range g.nodes[i].inputs() {
			last[v] = i
		}
	}
	for _, o := range outputs {
		last[o] = len(g.nodes)
	}
	for i := range g.nodes {
		if g.err != nil {
			return g.err
		}
		n := &g.nodes[i]
		if n.done || n.op == opInts {
			continue
		}
		n.out = g.alloc(n.shape.Elements())
		g.run(n)
		n.done = true
		for _, v := range n.inputs() {
			if last[v] == i {
				g.release(&g.nodes[v])
			}
		}
	}
	return g.err
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

// release returns the memory of a value no later op reads to the arena.
func (g *graph) release(n *node) {
	if n.op == opInts || n.op == opFloats || n.op == backends.OpStore || n.out == nil {
		return
	}
	g.b.free[len(n.out)] = append(g.b.free[len(n.out)], n.out)
	n.out = nil
}

func (g *graph) Read(v backends.Value, dst []float32) error {
	n := g.get(v, "read")
	if n == nil {
		return g.err
	}
	if !n.done {
		return fmt.Errorf("cpu: read of value %d before Compute", v)
	}
	if len(dst) != len(n.out) {
		return fmt.Errorf("cpu: read of %v into %d floats", n.shape, len(dst))
	}
	copy(dst, n.out)
	return nil
}

// run computes one node into n.out.
func (g *graph) run(n *node) {
	in := func(i int) *node { return &g.nodes[n.in[i]] }
	switch n.op {
	case backends.OpEmbed:
		g.embed(n, in(0).ints)
	case backends.OpMatMul:
		g.matmul(n, in(0))
	case backends.OpAdd, backends.OpMul, backends.OpScale, backends.OpSiLU, backends.OpGELU,
		backends.OpSwiGLU, backends.OpRMSNorm, backends.OpRope:
		// Row by row: a single row (decoding) on this thread, more
		// (a prompt) split between the threads.
		if n.shape.Elements() == n.shape[len(n.shape)-1] {
			g.task = opTask{g: g, n: n}
			g.task.runPart(0, 1)
		} else {
			g.parallel(n)
		}
	case backends.OpStore:
		g.store(n, in(0), in(1).ints)
	case backends.OpAttention:
		g.parallel(n)
	case backends.OpRows:
		x, d := in(0).out, n.shape[1]
		for i, r := range in(1).ints {
			copy(n.out[i*d:(i+1)*d], x[int(r)*d:(int(r)+1)*d])
		}
	default:
		g.fail("op %v not implemented", n.op)
	}
}

func (g *graph) embed(n *node, ids []int32) {
	t, d := n.w, n.shape[1]
	for i, id := range ids {
		if id < 0 || int(id) >= t.rows() {
			g.fail("embed: token id %d out of [0, %d)", id, t.rows())
			return
		}
		if err := quant.Dequantize(t.dtype, t.row(int(id)), n.out[i*d:(i+1)*d]); err != nil {
			g.fail("embed: %v", err)
			return
		}
	}
}

// matmul rounds each row of x to the weight's activation type, then splits
// the weight's rows between the threads: each thread streams its own share of
// the weight and takes its dot products with every row of x.
func (g *graph) matmul(n *node, x *node) {
	t := n.w
	if t.f32 == nil {
		k := t.cols()
		qb, err := t.dtype.VecDotType().RowBytes(k)
		if err != nil {
			g.fail("matmul %s: %v", t.name, err)
			return
		}
		rows := n.shape[0]
		if cap(g.b.quant) < rows*qb {
			g.b.quant = make([]byte, rows*qb)
		}
		g.b.quant = g.b.quant[:rows*qb]
		g.quant = quantTask{t: t.dtype.VecDotType(), x: x.out, q: g.b.quant, k: k, qb: qb}
		if rows == 1 {
			g.quant.runPart(0, 1)
		} else {
			g.b.pool.run(&g.quant)
		}
	}
	g.parallel(n)
}

// quantTask rounds the rows of x, of k elements, to the activation type t
// in q (qb bytes per row), a share of the rows on each thread.
type quantTask struct {
	t     quant.Type
	x     []float32
	q     []byte
	k, qb int
}

func (t *quantTask) runPart(part, parts int) {
	lo, hi := span(len(t.x)/t.k, part, parts)
	for i := lo; i < hi; i++ {
		if err := quant.Quantize(t.t, t.x[i*t.k:(i+1)*t.k], t.q[i*t.qb:(i+1)*t.qb]); err != nil {
			panic(err) // cannot happen: the weight's row size fits the activation type's blocks
		}
	}
}

// parallel runs node n's op on every thread.
func (g *graph) parallel(n *node) {
	g.task = opTask{g: g, n: n}
	g.b.pool.run(&g.task)
}

// opTask is the part of an op that runs on several threads.
type opTask struct {
	g *graph
	n *node
}

func (t *opTask) runPart(part, parts int) {
	g, n := t.g, t.n
	x := &g.nodes[n.in[0]]
	switch n.op {
	case backends.OpMatMul:
		w := n.w
		lo, hi := span(w.rows(), part, parts)
		if w.packed != nil && quant.Packable(w.dtype, w.cols()) {
			lo, hi = tileSpan(w.rows(), part, parts)
		}
		matmulRows(n.out, x.out, g.b.quant, w, n.shape[0], lo, hi)
	case backends.OpAttention:
		attention(n, x, g.nodes[n.in[1]].w, g.nodes[n.in[2]].w, &g.nodes[n.in[3]], part, parts, &g.b.parts[part])
	default:
		d := n.shape[len(n.shape)-1]
		lo, hi := span(n.shape.Elements()/d, part, parts)
		g.rows(n, x.out, lo, hi, d, &g.b.parts[part])
	}
}

// rows computes rows lo..hi-1 of the row-wise op n (of d columns) of x.
func (g *graph) rows(n *node, x []float32, lo, hi, d int, scratch *[]float32) {
	out, x := n.out[lo*d:hi*d], x[lo*d:hi*d]
	switch n.op {
	case backends.OpAdd, backends.OpMul:
		b := &g.nodes[n.in[1]]
		for r := range hi - lo {
			br := b.out[:d]
			if b.shape[0] != 1 {
				br = b.out[(lo+r)*d : (lo+r+1)*d]
			}
			if n.op == backends.OpAdd {
				vec.Add(out[r*d:(r+1)*d], x[r*d:(r+1)*d], br)
			} else {
				vec.Mul(out[r*d:(r+1)*d], x[r*d:(r+1)*d], br)
			}
		}
	case backends.OpScale:
		vec.Scale(out, x, n.scale)
	case backends.OpSiLU:
		vec.SiLU(out, x)
	case backends.OpGELU:
		vec.GELU(out, x)
	case backends.OpSwiGLU:
		vec.SwiGLU(out, x, g.nodes[n.in[1]].out[lo*d:hi*d])
	case backends.OpRMSNorm:
		for r := 0; r < len(x); r += d {
			vec.RMSNorm(out[r:r+d], x[r:r+d], n.scale)
			if n.w != nil {
				vec.Mul(out[r:r+d], out[r:r+d], n.w.f32)
			}
		}
	case backends.OpRope:
		g.ropeRows(n, x, g.nodes[n.in[1]].ints[lo:hi], out, scratch)
	}
}

// matmulRows computes columns [lo, hi) of out [rows, m]: the dot products of
// weight rows lo..hi-1 with every row of the activations (x as float32 for
// F32 weights, else q, x rounded to the weight's activation type).
func matmulRows(out, x []float32, q []byte, w *tensor, rows, lo, hi int) {
	k, m := w.cols(), w.rows()
	if lo == hi {
		return
	}
	if w.f32 != nil {
		// x is already of the activation type of F32 weights.
		quant.DotRows(quant.F32, k, out[lo:], m, f32Bytes(w.f32[lo*k:hi*k]), hi-lo, f32Bytes(x[:rows*k]), rows)
		return
	}
	// One call for the whole share: the kernels unpack each weight block
	// once for all the rows of q.
	if w.packed != nil && quant.Packable(w.dtype, k) {
		size, _ := quant.PackedBytes(w.dtype, k, hi-lo)
		quant.DotPacked(w.dtype, k, out[lo:], m, w.packed[lo*w.rowB:lo*w.rowB+size], hi-lo, q, rows)
		return
	}
	quant.DotRows(w.dtype, k, out[lo:], m, w.raw[lo*w.rowB:hi*w.rowB], hi-lo, q, rows)
}

// ropeRows rotates the rows x, at positions pos, into out.
func (g *graph) ropeRows(n *node, x []float32, pos []int32, out []float32, scratch *[]float32) {
	p := n.rope
	scale := p.Scale
	if scale == 0 {
		scale = 1
	}
	var factors []float32
	if n.w != nil {
		factors = n.w.f32
	}
	if len(*scratch) < p.Dims {
		*scratch = make([]float32, p.Dims)
	}
	cos, sin := (*scratch)[:p.Dims/2], (*scratch)[p.Dims/2:p.Dims]
	copy(out, x)
	d := n.shape[1]
	for r, ps := range pos {
		vec.RopeAngles(cos, sin, float32(ps), p.Base, scale, factors)
		for h := r * d; h < (r+1)*d; h += p.HeadDim {
			vec.Rope(out[h:h+p.HeadDim], cos, sin, p.Neox)
		}
	}
}

func (g *graph) store(n *node, x *node, rows []int32) {
	t, d := n.w, n.w.cols()
	for i, r := range rows {
		if r < 0 || int(r) >= t.rows() {
			g.fail("store %s: row %d out of [0, %d)", t.name, r, t.rows())
			return
		}
		src := x.out[i*d : (i+1)*d]
		if t.f32 != nil {
			copy(t.f32[int(r)*d:], src)
			continue
		}
		vec.F32ToF16(t.f16[int(r)*d:(int(r)+1)*d], src)
	}
	n.out = nil // the value stands for the buffer
}

// attention computes softmax(scale·q·kᵀ + mask)·v for part part of parts
// of the (KV head, token) units: unit u is KV head u/n and token u%n for n
// tokens, and a part takes every parts-th unit, so that the parts share the
// long and the short rows of a causal mask evenly. A unit computes the heads
// of its KV head's group for its token together: each cache row is read once
// for all of them. Only the cache rows from the first to the last position
// the token's mask row does not hide (−Inf) are read; within those, hidden
// ones get probability 0 (their rows must be finite: they are rows Store
// wrote, or zeros).
//
// With an F16 cache the query and the probabilities are rounded to F16
// before their products with the cache, as llama.cpp does. A token's output
// depends only on its query, its mask row and the cache, never on the other
// tokens of the batch: decoding it alone gives the same bits.
func attention(n *node, q *node, k, v *tensor, mask *node, part, parts int, scratch *[]float32) {
	p := n.attn
	hd, L, tokens := p.HeadDim, mask.shape[1], q.shape[0]
	group := p.Heads / p.KVHeads
	w := k.cols()
	if need := group*hd + group*L; len(*scratch) < need {
		*scratch = make([]float32, need)
	}
	qs := (*scratch)[:group*hd]
	probs := (*scratch)[group*hd:]
	for u := part; u < p.KVHeads*tokens; u += parts {
		kvh, t := u/tokens, u%tokens
		m := mask.out[t*L : (t+1)*L]
		lo, hi := 0, L
		for lo < hi && m[lo] == negInf {
			lo++
		}
		for hi > lo && m[hi-1] == negInf {
			hi--
		}
		out := n.out[t*p.Heads*hd+kvh*group*hd:][:group*hd]
		if lo == hi {
			clear(out) // softmax of a row all −Inf is all 0
			continue
		}
		nk := hi - lo
		s := probs[:group*nk]
		copy(qs, q.out[t*p.Heads*hd+kvh*group*hd:][:group*hd])
		off := lo*w + kvh*hd
		if k.f16 != nil {
			vec.RoundF16(qs)
			vec.ScoresF16(s, qs, k.f16[off:], group, nk, hd, w)
		} else {
			vec.ScoresF32(s, qs, k.f32[off:], group, nk, hd, w)
		}
		for h := range group {
			vec.ScaledSoftmax(s[h*nk:(h+1)*nk], p.Scale, m[lo:hi])
		}
		if v.f16 != nil {
			vec.RoundF16(s)
			vec.MixF16(out, s, v.f16[off:], group, nk, hd, w)
		} else {
			vec.MixF32(out, s, v.f32[off:], group, nk, hd, w)
		}
	}
}

var negInf = float32(math.Inf(-1))
