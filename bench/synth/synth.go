// Package synth writes GGUF files of Llama-family models with random weights
// at the shapes of real models, so that speed can be measured (by sovra and
// by llama.cpp, on the same file) without downloading the real weights.
//
// A file has the tensors models/llama binds, in GGUF dimension order
// (dims[0] contiguous): token_embd, rope_freqs for Llama 3 shapes,
// blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate,
// ffn_up, ffn_down}, output_norm, and output unless the embeddings are tied.
// Its metadata is general.architecture = "llama", general.name,
// general.file_type (llama.cpp's LLAMA_FTYPE), the llama.* hyperparameters
// (counts as uint32, floats as float32, as llama.cpp's converter writes
// them) and every tokenizer.* key of a donor file. Llama 3 rope scaling is
// expressed by rope_freqs.weight alone, with no llama.rope.scaling.* keys, as
// llama.cpp's converter writes it.
//
// # Values
//
// Every value depends only on the seed, the tensor's name and its position,
// never on the type it is stored in: row r of a tensor is drawn from a
// generator seeded by (seed, name, r) and then converted. So files of
// different types hold the same model up to quantization error, and rows can
// be generated in parallel. The values of a weight with rows of n elements
// are bell-shaped (the sum of four uniforms) with mean 0 and standard
// deviation 1/sqrt(n), which keeps every projection's output near unit
// variance, so that activations stay finite through all layers and logits
// have a standard deviation near 1. RMSNorm weights are 1; rope_freqs holds
// the Llama 3 frequency factors.
//
// # Types
//
// Options.Type names how the 2-D weights are stored; 1-D tensors (the norms
// and rope_freqs) are always F32, as in llama.cpp's files. A type named after
// a GGML type (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k,
// q6_k) stores every 2-D weight in that type, like `llama-quantize --pure`.
// The mixes q4_k_m and q5_k_m follow llama-quantize's Q4_K_M and Q5_K_M
// rules for Llama models:
//
//   - output.weight, or token_embd.weight when the embeddings are tied: Q6_K,
//     or Q8_0 when its rows (of Dim elements) are not a multiple of 256;
//   - attn_v and ffn_down of layer i: Q6_K when i < L/8, i >= 7L/8 or
//     (i - L/8) % 3 == 2 (L layers, integer division: llama.cpp's
//     use_more_bits), Q4_K (Q5_K for q5_k_m) otherwise;
//   - every other 2-D weight: Q4_K (Q5_K).
//
// K-quant blocks hold 256 elements, so a tensor whose rows are not a
// multiple of 256 falls back as llama-quantize does: Q4_K to Q5_0, Q5_K to
// Q5_1, Q6_K to Q8_0, and to F16 when the rows are not a multiple of 32
// either (which is also where the 32-element types fall back). Published
// shapes never need a fallback; shapes with overridden sizes may.
//
// general.file_type is the LLAMA_FTYPE whose default type the type is:
// ALL_F32 (0), MOSTLY_F16 (1), MOSTLY_BF16 (32), MOSTLY_Q8_0 (7), Q4_0 (2),
// Q4_1 (3), Q5_0 (8), Q5_1 (9), Q4_K_S (14) for q4_k, Q5_K_S (16) for q5_k,
// Q6_K (18), Q4_K_M (15) and Q5_K_M (17).
//
// K-quant weights come from sovra's one-pass quantizers (kernels/quant), not
// llama.cpp's iterative search: same layouts, somewhat larger error, which
// does not matter for random weights.
package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"sovra/kernels/quant"
	"sovra/models/gguf"
)

// Options configure Write.
type Options struct {
	Shape Shape
	// Type names the storage of the 2-D weights: one of Types().
	Type string
	// Seed selects the random values.
	Seed uint64
	// Tokenizer is the donor of the vocabulary: every tokenizer.* key of it
	// is copied. Its tokenizer.ggml.tokens must have Shape.Vocab entries.
	// With no donor the file has no vocabulary, and neither sovra nor
	// llama.cpp can run it.
	Tokenizer *gguf.File
	// Threads is the number of goroutines that generate values; 0 means
	// runtime.NumCPU().
	Threads int
}

// ErrVocabMismatch is wrapped by the error of Write and Plan when the donor
// tokenizer's vocabulary is not the shape's size.
var ErrVocabMismatch = errors.New("the donor tokenizer's vocabulary does not match the shape's")

// ErrUnknownType is wrapped by the error of Write and Plan for a type name
// not in Types().
var ErrUnknownType = errors.New("unknown type")

// typeSpec is what a type name means.
type typeSpec struct {
	base  quant.Type
	ftype uint32 // LLAMA_FTYPE
	mix   bool   // the Q4_K_M / Q5_K_M rules
}

var typeSpecs = map[string]typeSpec{
	"f32":    {quant.F32, 0, false},
	"f16":    {quant.F16, 1, false},
	"bf16":   {quant.BF16, 32, false},
	"q8_0":   {quant.Q8_0, 7, false},
	"q4_0":   {quant.Q4_0, 2, false},
	"q4_1":   {quant.Q4_1, 3, false},
	"q5_0":   {quant.Q5_0, 8, false},
	"q5_1":   {quant.Q5_1, 9, false},
	"q4_k":   {quant.Q4_K, 14, false},
	"q5_k":   {quant.Q5_K, 16, false},
	"q6_k":   {quant.Q6_K, 18, false},
	"q4_k_m": {quant.Q4_K, 15, true},
	"q5_k_m": {quant.Q5_K, 17, true},
}

// Types returns the names Options.Type accepts, sorted.
func Types() []string {
	names := make([]string, 0, len(typeSpecs))
	for n := range typeSpecs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// FileType returns the general.file_type (LLAMA_FTYPE) a file of the named
// type gets.
func FileType(typ string) (uint32, error) {
	spec, err := lookupType(typ)
	return spec.ftype, err
}

func lookupType(typ string) (typeSpec, error) {
	spec, ok := typeSpecs[typ]
	if !ok {
		return typeSpec{}, fmt.Errorf("synth: %w %q (want one of %v)", ErrUnknownType, typ, Types())
	}
	return spec, nil
}

// Tensor is one tensor of a synthetic file.
type Tensor struct {
	Name string
	Type quant.Type
	Dims []uint64 // GGUF order: Dims[0] is contiguous
}

// role is what a tensor is for, which decides its type and values.
type role int

const (
	roleEmbed role = iota
	roleOutput
	roleNorm
	roleRope
	roleAttnV
	roleFFNDown
	roleOther // the other projections
)

type tensorSpec struct {
	name  string
	dims  []uint64
	role  role
	layer int
}

func (t tensorSpec) elements() int64 {
	n := int64(1)
	for _, d := range t.dims {
		n *= int64(d)
	}
	return n
}

// tensors lists the tensors of s in file order.
func (s Shape) tensors() []tensorSpec {
	dim, ffn, vocab := uint64(s.Dim), uint64(s.FFN), uint64(s.Vocab)
	qDim := uint64(s.Heads * s.HeadDim())
	kvDim := uint64(s.KVHeads * s.HeadDim())
	ts := []tensorSpec{{"token_embd.weight", []uint64{dim, vocab}, roleEmbed, -1}}
	if s.Llama3Rope != nil {
		ts = append(ts, tensorSpec{"rope_freqs.weight", []uint64{uint64(s.HeadDim() / 2)}, roleRope, -1})
	}
	for i := range s.Layers {
		blk := func(name string, r role, dims ...uint64) {
			ts = append(ts, tensorSpec{fmt.Sprintf("blk.%d.%s.weight", i, name), dims, r, i})
		}
		blk("attn_norm", roleNorm, dim)
		blk("attn_q", roleOther, dim, qDim)
		blk("attn_k", roleOther, dim, kvDim)
		blk("attn_v", roleAttnV, dim, kvDim)
		blk("attn_output", roleOther, qDim, dim)
		blk("ffn_norm", roleNorm, dim)
		blk("ffn_gate", roleOther, dim, ffn)
		blk("ffn_up", roleOther, dim, ffn)
		blk("ffn_down", roleFFNDown, ffn, dim)
	}
	ts = append(ts, tensorSpec{"output_norm.weight", []uint64{dim}, roleNorm, -1})
	if !s.Tied {
		ts = append(ts, tensorSpec{"output.weight", []uint64{dim, vocab}, roleOutput, -1})
	}
	return ts
}

// useMoreBits is llama.cpp's choice of the layers whose attn_v and ffn_down
// get more bits in the _M mixes.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

// tensorType returns the storage type of t in a file of type spec for shape s.
func (spec typeSpec) tensorType(s Shape, t tensorSpec) quant.Type {
	if len(t.dims) < 2 {
		return quant.F32
	}
	typ := spec.base
	if typ.BlockSize() == 1 { // a float type: nothing to choose
		return typ
	}
	cols := int(t.dims[0])
	if spec.mix {
		switch {
		case t.role == roleOutput || (s.Tied && t.role == roleEmbed):
			if cols%typ.BlockSize() != 0 {
				typ = quant.Q8_0
			} else {
				typ = quant.Q6_K
			}
		case t.role == roleAttnV || t.role == roleFFNDown:
			if useMoreBits(t.layer, s.Layers) {
				typ = quant.Q6_K
			}
		}
	}
	if cols%typ.BlockSize() != 0 {
		switch typ {
		case quant.Q4_K:
			typ = quant.Q5_0
		case quant.Q5_K:
			typ = quant.Q5_1
		case quant.Q6_K:
			typ = quant.Q8_0
		}
		if cols%typ.BlockSize() != 0 {
			typ = quant.F16
		}
	}
	return typ
}

// check validates o and returns its type.
func (o *Options) check() (typeSpec, error) {
	spec, err := lookupType(o.Type)
	if err != nil {
		return spec, err
	}
	if err := o.Shape.Validate(); err != nil {
		return spec, err
	}
	if o.Tokenizer != nil {
		tokens, ok := o.Tokenizer.Strings("tokenizer.ggml.tokens")
		if !ok {
			return spec, errors.New("synth: the donor file has no tokenizer.ggml.tokens")
		}
		if len(tokens) != o.Shape.Vocab {
			return spec, fmt.Errorf("synth: %w: the donor has %d tokens, shape %q has a vocabulary of %d",
				ErrVocabMismatch, len(tokens), o.Shape.Name, o.Shape.Vocab)
		}
	}
	return spec, nil
}

// Plan returns the tensors Write writes for o, in file order, with the type
// each is stored in.
func Plan(o Options) ([]Tensor, error) {
	spec, err := o.check()
	if err != nil {
		return nil, err
	}
	var ts []Tensor
	for _, t := range o.Shape.tensors() {
		ts = append(ts, Tensor{Name: t.name, Type: spec.tensorType(o.Shape, t), Dims: t.dims})
	}
	return ts, nil
}

// Write writes the synthetic model o describes to w, generating each
// tensor's values only when its turn comes: memory use is one tensor's
// bytes plus one row of floats per thread.
func Write(w io.Writer, o Options) error {
	spec, err := o.check()
	if err != nil {
		return err
	}
	s := o.Shape
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	gw := gguf.NewWriter()
	name := "synth"
	if s.Name != "" {
		name = "synth-" + s.Name
	}
	kvs := []struct {
		key string
		v   any
	}{
		{"general.architecture", "llama"},
		{"general.name", name},
		{"general.description", fmt.Sprintf("random weights from sovra synth: shape %s, type %s, seed %d", s.Name, o.Type, o.Seed)},
		{"general.file_type", spec.ftype},
		{"general.quantization_version", uint32(2)},
		{"llama.vocab_size", uint32(s.Vocab)},
		{"llama.context_length", uint32(s.Context)},
		{"llama.embedding_length", uint32(s.Dim)},
		{"llama.block_count", uint32(s.Layers)},
		{"llama.feed_forward_length", uint32(s.FFN)},
		{"llama.rope.dimension_count", uint32(s.HeadDim())},
		{"llama.attention.head_count", uint32(s.Heads)},
		{"llama.attention.head_count_kv", uint32(s.KVHeads)},
		{"llama.attention.layer_norm_rms_epsilon", s.NormEps},
		{"llama.rope.freq_base", s.RopeBase},
	}
	for _, kv := range kvs {
		if err := gw.AddKV(kv.key, kv.v); err != nil {
			return err
		}
	}
	if o.Tokenizer != nil {
		for _, kv := range o.Tokenizer.KVs {
			if strings.HasPrefix(kv.Key, "tokenizer.") {
				if err := gw.AddKV(kv.Key, kv.Value); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range s.tensors() {
		typ := spec.tensorType(s, t)
		g := generator{shape: s, t: t, typ: typ, seed: o.Seed, threads: threads}
		if err := gw.AddTensorFunc(t.name, typ, t.dims, g.fill); err != nil {
			return err
		}
	}
	_, err = gw.WriteTo(w)
	return err
}

// generator produces the bytes of one tensor.
type generator struct {
	shape   Shape
	t       tensorSpec
	typ     quant.Type
	seed    uint64
	threads int
}

// fill generates the tensor's rows in parallel and converts them into dst.
func (g *generator) fill(dst []byte) error {
	cols := int(g.t.dims[0])
	rows := int(g.t.elements()) / cols
	rowBytes, err := g.typ.RowBytes(cols)
	if err != nil {
		return err
	}
	if rowBytes*rows != len(dst) {
		return fmt.Errorf("synth: %s: %d bytes for %d rows of %d bytes", g.t.name, len(dst), rows, rowBytes)
	}
	var values func(row int, x []float32)
	switch g.t.role {
	case roleNorm:
		values = func(_ int, x []float32) {
			for i := range x {
				x[i] = 1
			}
		}
	case roleRope:
		f := g.shape.ropeFreqs()
		values = func(_ int, x []float32) { copy(x, f) }
	default:
		h := fnv.New64a()
		h.Write([]byte(g.t.name))
		base := mix64(g.seed) ^ h.Sum64()
		std := 1 / math.Sqrt(float64(cols))
		values = func(row int, x []float32) { randomRow(base, row, std, x) }
	}

	// Workers take chunks of about 64K elements (whole rows) in turn.
	chunk := max(1, (1<<16)/cols)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(g.threads, (rows+chunk-1)/chunk) {
		wg.Go(func() {
			x := make([]float32, cols)
			for {
				start := int(next.Add(int64(chunk))) - chunk
				if start >= rows {
					return
				}
				for r := start; r < min(start+chunk, rows); r++ {
					values(r, x)
					if err := quant.Quantize(g.typ, x, dst[r*rowBytes:(r+1)*rowBytes]); err != nil {
						once.Do(func() { firstErr = err })
						next.Store(int64(rows))
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// mix64 is splitmix64's output function: a bijective scrambling of x.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

const golden = 0x9e3779b97f4a7c15 // splitmix64's increment

// uniformStd is the standard deviation of the sum of four independent
// uniform integers in 0..65535: sqrt(4·(65536²-1)/12).
var uniformStd = math.Sqrt(4 * (65536.0*65536.0 - 1) / 12)

// randomRow fills x with row `row` of the tensor whose generator base is
// base: values with mean 0 and standard deviation std, each the scaled sum
// of the four 16-bit parts of one splitmix64 output, so bell-shaped and
// bounded by ±sqrt(3)·2·std.
func randomRow(base uint64, row int, std float64, x []float32) {
	state := mix64(base + uint64(row)*golden)
	scale := float32(std / uniformStd)
	for i := range x {
		state += golden
		z := mix64(state)
		sum := int32(z&0xffff) + int32(z>>16&0xffff) + int32(z>>32&0xffff) + int32(z>>48)
		x[i] = float32(sum-2*65535) * scale
	}
}
