// Package engine turns requests into tokens: it loads a model file onto a
// backend, tokenizes prompts, runs prefill and decode steps through the KV
// cache, samples, and stops on end-of-generation or a token limit.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sovra/backends"
	"sovra/kernels/quant"
	"sovra/models"
	"sovra/models/gguf"
	"sovra/models/tokenizer"
	"sovra/runtime/kvcache"
	"sovra/runtime/sample"
)

// ErrContext is returned (wrapped) when a prompt does not fit the context.
var ErrContext = errors.New("prompt does not fit the context")

// Options configure Load.
type Options struct {
	Backend string // backend selection, "name[:config]"; "" means "cpu"
	Threads int    // 0: the backend's default
	// Context is the number of KV-cache slots: prompt plus generated tokens.
	// 0 means 4096, or the model's trained context if that is smaller.
	Context int
	// Batch is the largest number of prompt tokens in one forward step
	// (0: 512).
	Batch int
	// CacheType names the KV cache element type: "f16" (the default, as in
	// llama.cpp) or "f32".
	CacheType string
}

// Engine is a loaded model ready to generate.
type Engine struct {
	Path      string // the file's path, if loaded from one
	File      *gguf.File
	Backend   backends.Backend
	Model     models.Model
	Tokenizer *tokenizer.Tokenizer
	Cache     *kvcache.Cache
	LoadTime  time.Duration
	batch     int
	logits    []float32    // one row of logits, reused every step
	b         models.Batch // the batch of the current step, reused
	outputs   []int32      // 0, 1, 2, ...: rows of logits to return
	token     [1]int32     // the token of a decode step
	out       [1]backends.Value
}

// rows returns the row indices 0..n-1.
func (e *Engine) rows(n int) []int32 {
	for len(e.outputs) < n {
		e.outputs = append(e.outputs, int32(len(e.outputs)))
	}
	return e.outputs[:n]
}

// Load opens the GGUF file at path and binds it to the selected backend.
func Load(path string, o Options) (*Engine, error) {
	start := time.Now()
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	e, err := LoadFile(f, o)
	if err != nil {
		return nil, err
	}
	e.Path = path
	e.LoadTime = time.Since(start)
	return e, nil
}

// LoadFile binds an opened file to the selected backend. The engine owns f
// from then on, and closes it on failure.
func LoadFile(f *gguf.File, o Options) (e *Engine, err error) {
	start := time.Now()
	defer func() {
		if err != nil {
			f.Close()
		} else {
			e.LoadTime = time.Since(start)
		}
	}()
	if o.Backend == "" {
		o.Backend = "cpu"
	}
	if o.Batch <= 0 {
		o.Batch = 512
	}
	cacheType := quant.F16
	if o.CacheType != "" {
		t, err := quant.ParseType(o.CacheType)
		if err != nil || (t != quant.F16 && t != quant.F32) {
			return nil, fmt.Errorf("engine: KV cache type %q: want f16 or f32", o.CacheType)
		}
		cacheType = t
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return nil, err
	}
	be, err := backends.Open(o.Backend, o.Threads)
	if err != nil {
		return nil, err
	}
	m, err := models.Load(f, be)
	if err != nil {
		be.Close()
		return nil, err
	}
	cfg := m.Config()
	if tok.VocabSize() > cfg.Vocab {
		be.Close()
		return nil, fmt.Errorf("engine: tokenizer has %d tokens, the model's output only %d", tok.VocabSize(), cfg.Vocab)
	}
	ctx := o.Context
	if ctx <= 0 {
		ctx = min(4096, cfg.ContextLength)
	}
	cache, err := kvcache.New(be, cfg.Layers, ctx, cfg.KVHeads*cfg.HeadDim, cacheType)
	if err != nil {
		be.Close()
		return nil, err
	}
	e = &Engine{
		File:      f,
		Backend:   be,
		Model:     m,
		Tokenizer: tok,
		Cache:     cache,
		batch:     o.Batch,
		logits:    make([]float32, cfg.Vocab),
	}
	// A first forward pass makes the backend ready (the CPU backend repacks
	// its weights on their first use), so that the load time counts it
	// and the first request does not.
	if _, err := e.Eval([]int32{0}, 0); err != nil {
		be.Close()
		return nil, fmt.Errorf("engine: warm-up: %w", err)
	}
	e.Reset()
	return e, nil
}

// Close frees the backend and unmaps the file.
func (e *Engine) Close() error {
	err := e.Backend.Close()
	return errors.Join(err, e.File.Close())
}

// Tokenize turns a prompt into ids, with BOS when the model wants one.
func (e *Engine) Tokenize(text string) []int32 {
	return e.Tokenizer.Encode(text, true, false)
}

// step runs one forward pass over tokens at positions start... of sequence 0
// and returns the graph and its logits value, for the rows in outputs.
func (e *Engine) step(tokens []int32, start int, outputs []int32) (backends.Graph, backends.Value, error) {
	b := &e.b
	b.Tokens, b.Outputs = tokens, outputs
	b.Positions, b.Seqs = b.Positions[:0], b.Seqs[:0]
	for i := range tokens {
		b.Positions = append(b.Positions, int32(start+i))
		b.Seqs = append(b.Seqs, 0)
	}
	g := e.Backend.NewGraph()
	if err := e.Cache.StartForward(g, b); err != nil {
		return nil, 0, err
	}
	out := e.Model.Forward(g, b, e.Cache)
	e.out[0] = out
	if err := g.Compute(e.out[:]...); err != nil {
		e.Cache.Remove(0, int32(start), -1)
		return nil, 0, err
	}
	return g, out, nil
}

// prefill consumes ids (from position start) in batches and leaves the logits
// of the last one in e.logits.
func (e *Engine) prefill(ctx context.Context, ids []int32, start int) error {
	for i := 0; i < len(ids); i += e.batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := ids[i:min(i+e.batch, len(ids))]
		g, out, err := e.step(chunk, start+i, e.rows(len(chunk))[len(chunk)-1:])
		if err != nil {
			return err
		}
		if err := g.Read(out, e.logits); err != nil {
			return err
		}
	}
	return nil
}

// Eval runs one forward step over tokens at positions start, start+1, ... of
// the engine's single sequence and returns the logits of the last token (a
// slice reused by the next call). Start at 0 after Reset. It is the raw step
// that benchmarks time: no tokenization, no sampling.
func (e *Engine) Eval(tokens []int32, start int) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, errors.New("engine: no tokens to evaluate")
	}
	g, out, err := e.step(tokens, start, e.rows(len(tokens))[len(tokens)-1:])
	if err != nil {
		return nil, err
	}
	return e.logits, g.Read(out, e.logits)
}

// Reset empties the KV cache.
func (e *Engine) Reset() { e.Cache.Clear() }

// checkFits reports a prompt of n tokens that leaves no room in the context.
func (e *Engine) checkFits(n int) error {
	if n == 0 {
		return errors.New("engine: empty prompt")
	}
	if n > e.Cache.Size() {
		return fmt.Errorf("engine: %w: %d prompt tokens, context of %d", ErrContext, n, e.Cache.Size())
	}
	return nil
}

// Logits runs one causal pass over ids (teacher forcing) and calls fn with the
// logits after each position. The slice passed to fn is reused.
func (e *Engine) Logits(ids []int32, fn func(pos int, logits []float32)) error {
	if err := e.checkFits(len(ids)); err != nil {
		return err
	}
	e.Cache.Clear()
	defer e.Cache.Clear()
	vocab := e.Model.Config().Vocab
	for i := 0; i < len(ids); i += e.batch {
		chunk := ids[i:min(i+e.batch, len(ids))]
		g, out, err := e.step(chunk, i, e.rows(len(chunk)))
		if err != nil {
			return err
		}
		all := make([]float32, len(chunk)*vocab)
		if err := g.Read(out, all); err != nil {
			return err
		}
		for j := range chunk {
			fn(i+j, all[j*vocab:(j+1)*vocab])
		}
	}
	return nil
}

// Request is one generation.
type Request struct {
	Prompt    []int32 // ids, BOS included when wanted
	MaxTokens int     // <= 0: until end-of-generation or the context is full
	Sample    sample.Params
	IgnoreEOS bool // keep going past end-of-generation tokens
}

// Result is what a generation produced, with its timings.
type Result struct {
	PromptTokens []int32
	Tokens       []int32
	// Finish is "stop" (end-of-generation token) or "length" (MaxTokens or
	// the context reached).
	Finish     string
	PromptTime time.Duration // prefill, from the first forward to the first logits
	GenTime    time.Duration // sampling and decoding after the prefill
	Decoded    int           // decode steps in GenTime (one per token after the first)
}

// Generate runs req from an empty cache. emit, when not nil, is called with
// each new token id and the text it completes (possibly empty, while a UTF-8
// character is incomplete); an error from emit stops generation and is
// returned.
func (e *Engine) Generate(ctx context.Context, req Request, emit func(id int32, text string) error) (*Result, error) {
	if err := e.checkFits(len(req.Prompt)); err != nil {
		return nil, err
	}
	smp, err := sample.New(req.Sample, e.Model.Config().Vocab)
	if err != nil {
		return nil, err
	}
	for _, id := range req.Prompt {
		smp.Accept(id)
	}
	e.Cache.Clear()
	defer e.Cache.Clear()
	res := &Result{PromptTokens: req.Prompt, Finish: "length"}
	start := time.Now()
	if err := e.prefill(ctx, req.Prompt, 0); err != nil {
		return nil, err
	}
	res.PromptTime = time.Since(start)
	start = time.Now()
	dec := e.Tokenizer.NewContinuationDecoder()
	pos := len(req.Prompt)
	for req.MaxTokens <= 0 || len(res.Tokens) < req.MaxTokens {
		id := smp.Sample(e.logits)
		smp.Accept(id)
		res.Tokens = append(res.Tokens, id)
		eog := e.Tokenizer.IsEOG(id) && !req.IgnoreEOS
		if emit != nil {
			text := ""
			if !eog {
				text = dec.Add(id)
			}
			if err := emit(id, text); err != nil {
				return res, err
			}
		}
		if eog {
			res.Finish = "stop"
			break
		}
		if req.MaxTokens > 0 && len(res.Tokens) == req.MaxTokens || pos >= e.Cache.Size() {
			break
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		e.token[0] = id
		g, out, err := e.step(e.token[:], pos, e.rows(1))
		if err != nil {
			return res, err
		}
		if err := g.Read(out, e.logits); err != nil {
			return res, err
		}
		pos++
		res.Decoded++
	}
	if emit != nil {
		if rest := dec.Flush(); rest != "" {
			if err := emit(-1, rest); err != nil {
				return res, err
			}
		}
	}
	res.GenTime = time.Since(start)
	return res, nil
}
