package models

import (
	"fmt"

	"sovra/models/gguf"
)

// Config holds the hyperparameters of a decoder-only transformer, read from
// the GGUF keys "<arch>.*" with defaults applied and consistency checked.
type Config struct {
	Arch          string
	Name          string // general.name, if any
	ContextLength int    // the context the model was trained for
	Dim           int    // embedding width
	Layers        int
	FFN           int // hidden width of the feed-forward block
	Heads         int
	KVHeads       int
	HeadDim       int
	Vocab         int
	NormEps       float32 // RMSNorm epsilon
	RopeBase      float32
	RopeDims      int     // dimensions of each head that rotate
	RopeScale     float32 // position multiplier (1/factor for linear scaling)
}

// ReadConfig reads and validates the hyperparameters of f.
func ReadConfig(f *gguf.File) (*Config, error) {
	arch, _ := f.String("general.architecture")
	c := &Config{Arch: arch}
	c.Name, _ = f.String("general.name")
	r := configReader{f: f, prefix: arch + "."}
	c.ContextLength = r.int("context_length", true, 0)
	c.Dim = r.int("embedding_length", true, 0)
	c.Layers = r.int("block_count", true, 0)
	c.FFN = r.int("feed_forward_length", true, 0)
	c.Heads = r.int("attention.head_count", true, 0)
	c.KVHeads = r.int("attention.head_count_kv", false, c.Heads)
	headDim := 0
	if c.Heads > 0 {
		headDim = c.Dim / c.Heads
	}
	c.HeadDim = r.int("attention.key_length", false, headDim)
	if v := r.int("attention.value_length", false, c.HeadDim); v != c.HeadDim && r.err == nil {
		r.err = fmt.Errorf("models: value length %d differs from key length %d", v, c.HeadDim)
	}
	c.NormEps = r.float("attention.layer_norm_rms_epsilon", 1e-5)
	c.RopeBase = r.float("rope.freq_base", 10000)
	c.RopeDims = r.int("rope.dimension_count", false, c.HeadDim)
	c.RopeScale = 1
	if kind, ok := f.String(r.prefix + "rope.scaling.type"); ok && kind != "none" {
		if kind != "linear" {
			return nil, fmt.Errorf("models: rope scaling %q is not supported (only linear)", kind)
		}
		if factor := r.float("rope.scaling.factor", 1); factor > 0 {
			c.RopeScale = 1 / factor
		}
	}
	c.Vocab = r.int("vocab_size", false, 0)
	if t, ok := f.Tensor("token_embd.weight"); ok && c.Vocab == 0 && len(t.Dims) == 2 {
		c.Vocab = int(t.Dims[1])
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	switch {
	case c.Dim <= 0 || c.Layers <= 0 || c.FFN <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.HeadDim <= 0 || c.Vocab <= 0:
		return fmt.Errorf("models: %s: sizes must be positive: %+v", c.Arch, *c)
	case c.Heads%c.KVHeads != 0:
		return fmt.Errorf("models: %s: %d heads do not divide into %d KV heads", c.Arch, c.Heads, c.KVHeads)
	case c.RopeDims <= 0 || c.RopeDims > c.HeadDim || c.RopeDims%2 != 0:
		return fmt.Errorf("models: %s: %d rotary dimensions for heads of %d", c.Arch, c.RopeDims, c.HeadDim)
	case c.ContextLength <= 0:
		return fmt.Errorf("models: %s: context length %d", c.Arch, c.ContextLength)
	case !(c.NormEps > 0) || !(c.RopeBase > 0):
		return fmt.Errorf("models: %s: epsilon %g and rope base %g must be positive", c.Arch, c.NormEps, c.RopeBase)
	}
	return nil
}

// configReader reads "<prefix>key" values, remembering the first error.
type configReader struct {
	f      *gguf.File
	prefix string
	err    error
}

// limit bounds every size read from a file, so that products of sizes cannot
// overflow.
const limit = 1 << 24

func (r *configReader) int(key string, required bool, def int) int {
	v, ok := r.f.Uint(r.prefix + key)
	if !ok {
		if _, present := r.f.Get(r.prefix + key); present && r.err == nil {
			r.err = fmt.Errorf("models: %s%s is not a non-negative integer", r.prefix, key)
		} else if required && r.err == nil {
			r.err = fmt.Errorf("models: missing %s%s", r.prefix, key)
		}
		return def
	}
	if v > limit {
		if r.err == nil {
			r.err = fmt.Errorf("models: %s%s = %d is too large", r.prefix, key, v)
		}
		return def
	}
	return int(v)
}

func (r *configReader) float(key string, def float32) float32 {
	v, ok := r.f.Float(r.prefix + key)
	if !ok {
		return def
	}
	return float32(v)
}
