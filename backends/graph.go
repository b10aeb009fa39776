package backends

// Value is an opaque handle to one intermediate tensor of a Graph. It means
// nothing outside the graph that returned it.
type Value int32

// Graph builds and runs one forward step. Activations are float32 matrices
// [rows, cols] (a row per token); integer inputs are vectors.
//
// Errors are sticky: the first invalid op (a shape or type mismatch, an
// unsupported weight type) is remembered, every later op returns a dead value,
// and Compute and Err report that first error. Model code therefore builds a
// whole step without checking errors after each op.
type Graph interface {
	// Int32s is an integer input vector, such as token ids or positions. The
	// graph may keep data until Compute returns.
	Int32s(name string, data []int32) Value
	// Floats is a float32 input of the given shape, such as an attention mask.
	// The graph may keep data until Compute returns.
	Floats(name string, shape Shape, data []float32) Value

	// Embed gathers rows of table [vocab, dim] by ids [n] into [n, dim].
	Embed(table Buffer, ids Value) Value
	// MatMul multiplies x [n, k] by the transpose of weight w [m, k]: the result
	// [n, m] has out[i][j] = Σ_l x[i][l]·w[j][l]. A backend may round x to the
	// weight type's activation format first, as llama.cpp's CPU backend does.
	MatMul(x Value, w Buffer) Value
	// Add adds b to a element-wise; b is [n, d] like a, or a single row [1, d]
	// added to every row.
	Add(a, b Value) Value
	// Mul multiplies a by b element-wise, with the broadcast rules of Add.
	Mul(a, b Value) Value
	// Scale multiplies every element of a by s.
	Scale(a Value, s float32) Value
	// RMSNorm normalizes each row of x [n, d] to unit root mean square,
	// x / sqrt(mean(x²) + eps), then multiplies it by weight w [d] (nil: no
	// weight).
	RMSNorm(x Value, w Buffer, eps float32) Value
	// Rope rotates each head of x [n, heads·HeadDim] by its token's position
	// from pos [n] (see RopeParams).
	Rope(x, pos Value, p RopeParams) Value
	// SiLU is x·sigmoid(x) element-wise.
	SiLU(x Value) Value
	// GELU is the tanh approximation of the Gaussian error linear unit,
	// element-wise.
	GELU(x Value) Value
	// SwiGLU is SiLU(gate)·up element-wise, the gated FFN product.
	SwiGLU(gate, up Value) Value
	// Store writes row i of x [n, d] into row rows[i] of the mutable buffer dst
	// [slots, d] (converting to dst's element type) and returns a value that
	// stands for dst after the write. Attention must read the cache through
	// that value, so that the write happens first.
	Store(dst Buffer, x, rows Value) Value
	// Attention is causal multi-head attention of q [n, Heads·HeadDim] over
	// the first L rows of the K and V caches k, v [slots, KVHeads·HeadDim]
	// (values returned by Store), with an additive mask [n, L] (0 or -Inf).
	// Query head h reads KV head h / (Heads/KVHeads). For each head it must
	// equal softmax(Scale·q·kᵀ + mask)·v; the result is [n, Heads·HeadDim].
	Attention(q, k, v, mask Value, p AttentionParams) Value
	// Rows picks rows idx [r] of x [n, d] into [r, d].
	Rows(x, idx Value) Value

	// Compute runs the graph as far as needed for outputs.
	Compute(outputs ...Value) error
	// Read copies a computed float32 value into dst, which must have exactly
	// as many elements.
	Read(v Value, dst []float32) error
	// Shape is the shape of a value (nil for a dead value).
	Shape(v Value) Shape
	// Err is the first error met while building or running the graph.
	Err() error
}

// RopeParams describes a rotary position embedding.
type RopeParams struct {
	HeadDim int // width of one head
	Dims    int // leading dimensions of each head that rotate (rope.dimension_count), ≤ HeadDim
	// Neox selects the NeoX layout, which pairs dimension i with i+Dims/2;
	// otherwise dimension 2i pairs with 2i+1 (the original GPT-J/Llama layout).
	Neox bool
	// Base is the frequency base θ: pair i turns by pos·Base^(-2i/Dims).
	Base float32
	// Scale multiplies positions (linear rope scaling is 1/factor); 0 means 1.
	Scale float32
	// Factors, when not nil, is an F32 weight [Dims/2]: pair i's angle is
	// divided by Factors[i] (Llama 3 rope_freqs).
	Factors Buffer
}

// AttentionParams describes the heads of an Attention op.
type AttentionParams struct {
	Heads   int
	KVHeads int
	HeadDim int
	Scale   float32 // usually 1/sqrt(HeadDim)
}
