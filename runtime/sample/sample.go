// Package sample turns a row of logits into the next token id.
//
// A [Sampler] runs llama.cpp's default chain (without its typical-p step), in
// this order:
//
//  1. penalties: repeat, presence and frequency penalties over the recent
//     tokens given to [Sampler.Accept];
//  2. greedy: if the temperature is <= 0, the highest logit wins (the lowest
//     id on ties) and the chain stops here;
//  3. top-k: keep the k highest logits;
//  4. top-p: keep the smallest set of most likely tokens whose probabilities,
//     renormalized over the survivors of top-k, add up to at least p (the
//     token that crosses p is kept);
//  5. min-p: drop tokens whose probability is below min-p times that of the
//     most likely token;
//  6. temperature: softmax of logit/temperature over the survivors;
//  7. draw one token with the sampler's seeded random source.
//
// Top-p and min-p therefore judge tokens at temperature 1; the temperature
// reshapes only the distribution the survivors are drawn from.
//
// A NaN logit counts as -Inf and +Inf as the largest float32. A token whose
// logit is -Inf is never drawn unless every logit is -Inf, in which case
// Sample returns 0, as greedy would.
package sample

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// ErrInvalidParams is wrapped by the error [New] returns for parameters that
// make no sense, so that a server can answer with a client error.
var ErrInvalidParams = errors.New("invalid sampling parameters")

// Params are the sampling parameters of one sequence. The zero value is
// greedy decoding with no penalties; [DefaultParams] are llama.cpp's defaults.
type Params struct {
	// Temperature divides the logits before the final softmax.
	// Zero or negative means greedy: the highest logit wins, the lowest id on ties.
	Temperature float32
	// TopK keeps the TopK highest logits; <= 0 turns it off.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// adds up to at least TopP; 0 or >= 1 turns it off, < 0 is an error.
	TopP float32
	// MinP drops tokens whose probability is below MinP times the highest
	// probability; it must be <= 1, and <= 0 turns it off.
	MinP float32

	// RepeatPenalty divides positive logits and multiplies the others of the
	// tokens seen in the window (llama.cpp semantics). It must be >= 0;
	// 0 and 1 turn it off.
	RepeatPenalty float32
	// RepeatLastN is the number of most recently accepted tokens the
	// penalties look at: 0 turns all penalties off, -1 means the whole history.
	RepeatLastN int
	// PresencePenalty is subtracted once from the logit of every token that
	// occurs in the window (OpenAI semantics); 0 turns it off.
	PresencePenalty float32
	// FrequencyPenalty is subtracted from the logit of every token in the
	// window once per occurrence (OpenAI semantics); 0 turns it off.
	FrequencyPenalty float32

	// Seed seeds the random source; the same seed and the same inputs give
	// the same tokens.
	Seed uint64
}

// DefaultParams returns llama.cpp's defaults: temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05, no repeat penalty (1.0) over a window of 64 tokens,
// no presence or frequency penalty. The seed is 0; callers that want varied
// output choose their own.
func DefaultParams() Params {
	return Params{
		Temperature:   0.8,
		TopK:          40,
		TopP:          0.95,
		MinP:          0.05,
		RepeatPenalty: 1,
		RepeatLastN:   64,
	}
}

// validate reports the first parameter that makes no sense.
func (p Params) validate() error {
	finite := func(name string, v float32) error {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("sample: %s is %v: %w", name, v, ErrInvalidParams)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		v    float32
	}{
		{"temperature", p.Temperature},
		{"top_p", p.TopP},
		{"min_p", p.MinP},
		{"repeat_penalty", p.RepeatPenalty},
		{"presence_penalty", p.PresencePenalty},
		{"frequency_penalty", p.FrequencyPenalty},
	} {
		if err := finite(f.name, f.v); err != nil {
			return err
		}
	}
	switch {
	case p.TopP < 0:
		return fmt.Errorf("sample: top_p %v must not be negative: %w", p.TopP, ErrInvalidParams)
	case p.MinP > 1:
		return fmt.Errorf("sample: min_p %v must be <= 1: %w", p.MinP, ErrInvalidParams)
	case p.RepeatPenalty < 0:
		return fmt.Errorf("sample: repeat_penalty %v must be >= 0: %w", p.RepeatPenalty, ErrInvalidParams)
	case p.RepeatLastN < -1:
		return fmt.Errorf("sample: repeat_last_n %d must be >= -1: %w", p.RepeatLastN, ErrInvalidParams)
	}
	return nil
}

// penalizes reports whether any penalty is on.
func (p Params) penalizes() bool {
	if p.RepeatLastN == 0 {
		return false
	}
	return (p.RepeatPenalty != 0 && p.RepeatPenalty != 1) ||
		p.PresencePenalty != 0 || p.FrequencyPenalty != 0
}

// pcgStream is the second PCG seed word; Params.Seed is the first.
const pcgStream = 0x9e3779b97f4a7c15

// maxHistoryPrealloc caps the history preallocated by New, so that a huge
// RepeatLastN does not reserve memory it may never use.
const maxHistoryPrealloc = 4096

// Sampler picks tokens for one sequence. It keeps the penalty window and the
// random source, and scratch buffers sized by the vocabulary so that Sample
// does not allocate. A Sampler is not safe for concurrent use.
type Sampler struct {
	p         Params
	penalize  bool
	windowLen int // tokens the penalties look at; math.MaxInt for the whole history

	// history holds the window: appended to until it has windowLen tokens,
	// then a ring whose oldest token sits at next.
	history []int32
	next    int

	// Scratch, each at least as long as the logits row.
	logits  []float32   // the caller's row, sanitized and penalized
	cand    []candidate // survivors of the truncation steps
	weights []float64   // unnormalized probabilities of the final draw
	counts  []int32     // occurrences per id in the window; all zero between calls

	pcg *rand.PCG
	rng *rand.Rand
}

// New returns a Sampler for rows of vocabSize logits, or an error wrapping
// [ErrInvalidParams] if p makes no sense (NaN or infinite values, TopP < 0,
// MinP > 1, RepeatPenalty < 0, RepeatLastN < -1) or vocabSize is not positive.
func New(p Params, vocabSize int) (*Sampler, error) {
	if vocabSize <= 0 {
		return nil, fmt.Errorf("sample: vocabulary size %d must be > 0: %w", vocabSize, ErrInvalidParams)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	s := &Sampler{p: p, penalize: p.penalizes()}
	if s.penalize {
		s.windowLen = p.RepeatLastN
		if p.RepeatLastN < 0 {
			s.windowLen = math.MaxInt
		}
		s.history = make([]int32, 0, min(s.windowLen, maxHistoryPrealloc))
	}
	s.grow(vocabSize)
	s.pcg = rand.NewPCG(p.Seed, pcgStream)
	s.rng = rand.New(s.pcg)
	return s, nil
}

// grow makes every scratch buffer hold at least n entries.
func (s *Sampler) grow(n int) {
	if n <= len(s.logits) {
		return
	}
	s.logits = make([]float32, n)
	s.cand = make([]candidate, n)
	s.weights = make([]float64, n)
	if s.penalize {
		s.counts = make([]int32, n)
	}
}

// Accept records id as the latest token of the sequence, for the penalties.
// The engine calls it for every prompt token and every sampled token. When no
// penalty is on it does nothing. Ids outside the logits row are kept but
// never penalized. Accept allocates only while the history grows towards
// RepeatLastN tokens (without bound for -1); once the window is full it
// overwrites the oldest token.
func (s *Sampler) Accept(id int32) {
	if !s.penalize {
		return
	}
	if len(s.history) < s.windowLen {
		s.history = append(s.history, id)
		return
	}
	s.history[s.next] = id
	s.next++
	if s.next == len(s.history) {
		s.next = 0
	}
}

// Reset forgets the accepted tokens and reseeds the random source with
// Params.Seed, so that the Sampler repeats its output from the start.
func (s *Sampler) Reset() {
	s.history = s.history[:0]
	s.next = 0
	s.pcg.Seed(s.p.Seed, pcgStream)
}

// Sample returns the next token id for logits, one logit per token id,
// running the chain described in the package comment. It never modifies
// logits: it works on an internal copy. logits should have the vocabSize
// given to New; a longer row grows the scratch buffers once, and an empty row
// returns -1. Sample does not allocate.
func (s *Sampler) Sample(logits []float32) int32 {
	if len(logits) == 0 {
		return -1
	}
	x := s.prepare(logits)
	if s.p.Temperature <= 0 {
		return argmax(x)
	}

	var c []candidate
	sorted := false
	if k := s.p.TopK; k > 0 && k < len(x) {
		c, sorted = topK(s.cand, x, k), true
	} else {
		c = finite(s.cand, x)
	}
	if len(c) == 0 { // every logit is -Inf
		return argmax(x)
	}
	if s.p.TopP > 0 && s.p.TopP < 1 {
		softmax(c)
		c = topP(c, s.p.TopP, sorted)
	}
	if s.p.MinP > 0 {
		c = minP(c, s.p.MinP)
	}
	return s.draw(c)
}

// prepare copies logits into the scratch row, turning NaN into -Inf and +Inf
// into the largest float32, and applies the penalties.
func (s *Sampler) prepare(logits []float32) []float32 {
	s.grow(len(logits))
	x := s.logits[:len(logits)]
	copy(x, logits)
	for i, v := range x {
		if !(v <= math.MaxFloat32) { // NaN or +Inf; rare
			if v != v {
				x[i] = negInf
			} else {
				x[i] = math.MaxFloat32
			}
		}
	}
	if s.penalize {
		penalize(x, s.history, s.counts, s.p)
	}
	return x
}

// draw picks one of c with probability softmax(logit/temperature).
func (s *Sampler) draw(c []candidate) int32 {
	if len(c) == 1 {
		return c[0].id
	}
	top := float64(maxLogit(c))
	invT := 1 / float64(s.p.Temperature)
	w := s.weights[:len(c)]
	var sum float64
	for i := range c {
		w[i] = math.Exp((float64(c[i].logit) - top) * invT)
		sum += w[i]
	}
	r := s.rng.Float64() * sum
	var cum float64
	for i := range c {
		cum += w[i]
		if r < cum {
			return c[i].id
		}
	}
	// r rounded up to sum: take the last candidate that can be drawn.
	for i := len(c) - 1; i > 0; i-- {
		if w[i] > 0 {
			return c[i].id
		}
	}
	return c[0].id
}
