package synth

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Shape is the architecture of a Llama-family model: the hyperparameters
// that fix its tensors' shapes and its GGUF llama.* keys. Every projection's
// head dimension is Dim/Heads.
type Shape struct {
	Name     string
	Dim      int // embedding width (llama.embedding_length)
	FFN      int // feed-forward hidden width (llama.feed_forward_length)
	Layers   int
	Heads    int
	KVHeads  int
	Vocab    int
	Context  int // trained context length (llama.context_length)
	RopeBase float32
	NormEps  float32 // RMSNorm epsilon
	// Tied means the output projection is the token embedding: the file has
	// no output.weight.
	Tied bool
	// Llama3Rope, if set, is Llama 3.1's rope scaling; the file then has a
	// rope_freqs.weight tensor of frequency factors.
	Llama3Rope *Llama3Rope
}

// Llama3Rope is the "llama3" rope scaling of Llama 3.1 and 3.2
// (rope_scaling in their config.json): frequencies with wavelengths longer
// than OriginalContext/LowFreqFactor are divided by Factor, those shorter
// than OriginalContext/HighFreqFactor are kept, and those between are
// interpolated smoothly.
type Llama3Rope struct {
	Factor          float32
	LowFreqFactor   float32
	HighFreqFactor  float32
	OriginalContext int
}

// Shapes are published models' shapes, from their config.json files on
// Hugging Face:
//
//   - tinyllama-1.1b: TinyLlama/TinyLlama-1.1B-Chat-v1.0
//   - llama-3.2-1b, llama-3.2-3b: meta-llama/Llama-3.2-1B, -3B (tied
//     embeddings, llama3 rope scaling with factor 32)
//   - mistral-7b: mistralai/Mistral-7B-v0.1 (vocabulary of 32000, rope base
//     10000; its 4096-token sliding window is not a llama.* key, and
//     llama.cpp's converter does not write it either)
//   - llama-3.1-8b: meta-llama/Llama-3.1-8B (llama3 rope scaling with
//     factor 8)
//
// The Llama 3 shapes have a vocabulary of 128256 tokens, so their files need
// a donor tokenizer of that size (Options.Tokenizer).
var Shapes = map[string]Shape{
	"tinyllama-1.1b": {
		Name: "tinyllama-1.1b", Dim: 2048, FFN: 5632, Layers: 22, Heads: 32, KVHeads: 4,
		Vocab: 32000, Context: 2048, RopeBase: 10000, NormEps: 1e-5,
	},
	"llama-3.2-1b": {
		Name: "llama-3.2-1b", Dim: 2048, FFN: 8192, Layers: 16, Heads: 32, KVHeads: 8,
		Vocab: 128256, Context: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: true,
		Llama3Rope: &Llama3Rope{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192},
	},
	"llama-3.2-3b": {
		Name: "llama-3.2-3b", Dim: 3072, FFN: 8192, Layers: 28, Heads: 24, KVHeads: 8,
		Vocab: 128256, Context: 131072, RopeBase: 500000, NormEps: 1e-5, Tied: true,
		Llama3Rope: &Llama3Rope{Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192},
	},
	"mistral-7b": {
		Name: "mistral-7b", Dim: 4096, FFN: 14336, Layers: 32, Heads: 32, KVHeads: 8,
		Vocab: 32000, Context: 32768, RopeBase: 10000, NormEps: 1e-5,
	},
	"llama-3.1-8b": {
		Name: "llama-3.1-8b", Dim: 4096, FFN: 14336, Layers: 32, Heads: 32, KVHeads: 8,
		Vocab: 128256, Context: 131072, RopeBase: 500000, NormEps: 1e-5,
		Llama3Rope: &Llama3Rope{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192},
	},
}

// Tiny is a small shape for tests and for starting from when only sizes are
// given. Its vocabulary is Llama 2's 32000 tokens, the size of the embedded
// seed model's.
var Tiny = Shape{
	Name: "tiny", Dim: 256, FFN: 768, Layers: 2, Heads: 4, KVHeads: 2,
	Vocab: 32000, Context: 4096, RopeBase: 10000, NormEps: 1e-5,
}

// ShapeNames returns the names of Shapes, sorted by parameter count.
func ShapeNames() []string {
	names := make([]string, 0, len(Shapes))
	for n := range Shapes {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(Shapes[a].Params(), Shapes[b].Params()), cmp.Compare(a, b))
	})
	return names
}

// HeadDim is the width of one attention head, Dim/Heads.
func (s Shape) HeadDim() int {
	if s.Heads <= 0 {
		return 0
	}
	return s.Dim / s.Heads
}

// maxSize bounds every size of a shape, so that products cannot overflow.
const maxSize = 1 << 24

// Validate reports whether s describes a model sovra and llama.cpp can load.
func (s Shape) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"dim", s.Dim}, {"ffn", s.FFN}, {"layers", s.Layers}, {"heads", s.Heads}, {"kv heads", s.KVHeads}, {"vocab", s.Vocab}, {"context", s.Context}} {
		if f.v <= 0 || f.v > maxSize {
			return fmt.Errorf("synth: shape %q: %s %d out of range 1..%d", s.Name, f.name, f.v, maxSize)
		}
	}
	switch {
	case s.Dim%s.Heads != 0:
		return fmt.Errorf("synth: shape %q: dim %d is not a multiple of %d heads", s.Name, s.Dim, s.Heads)
	case s.HeadDim()%2 != 0:
		return fmt.Errorf("synth: shape %q: head dimension %d is odd (rope rotates pairs)", s.Name, s.HeadDim())
	case s.Heads%s.KVHeads != 0:
		return fmt.Errorf("synth: shape %q: %d heads do not divide into %d kv heads", s.Name, s.Heads, s.KVHeads)
	case !(s.RopeBase > 0) || !(s.NormEps > 0):
		return fmt.Errorf("synth: shape %q: rope base %g and norm epsilon %g must be positive", s.Name, s.RopeBase, s.NormEps)
	}
	if r := s.Llama3Rope; r != nil {
		if !(r.Factor > 0) || !(r.LowFreqFactor > 0) || !(r.HighFreqFactor > r.LowFreqFactor) || r.OriginalContext <= 0 {
			return fmt.Errorf("synth: shape %q: bad llama3 rope scaling %+v", s.Name, *r)
		}
	}
	return nil
}

// Params returns the number of parameters: the elements of every tensor the
// file holds, rope_freqs included, as llama.cpp counts them
// (llama-bench's model_n_params).
func (s Shape) Params() int64 {
	var n int64
	for _, t := range s.tensors() {
		n += t.elements()
	}
	return n
}

// ropeFreqs returns the Llama 3 frequency factors of s, one per rotated pair
// of a head: the divisor of each rotary frequency, as Meta's reference code
// and llama.cpp's converter compute them.
func (s Shape) ropeFreqs() []float32 {
	r := s.Llama3Rope
	headDim := s.HeadDim()
	lowWavelen := float64(r.OriginalContext) / float64(r.LowFreqFactor)
	highWavelen := float64(r.OriginalContext) / float64(r.HighFreqFactor)
	f := make([]float32, headDim/2)
	for i := range f {
		freq := 1 / math.Pow(float64(s.RopeBase), float64(2*i)/float64(headDim))
		wavelen := 2 * math.Pi / freq
		switch {
		case wavelen < highWavelen:
			f[i] = 1
		case wavelen > lowWavelen:
			f[i] = r.Factor
		default:
			smooth := (float64(r.OriginalContext)/wavelen - float64(r.LowFreqFactor)) /
				float64(r.HighFreqFactor-r.LowFreqFactor)
			f[i] = float32(1 / ((1-smooth)/float64(r.Factor) + smooth))
		}
	}
	return f
}
