package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"sovra/backends"
	"sovra/runtime/engine"
)

// Evaluator is what a Runner drives: *engine.Engine implements it.
type Evaluator interface {
	// Eval runs one forward step over tokens at positions start, start+1, ...
	// and returns the logits of the last one.
	Eval(tokens []int32, start int) ([]float32, error)
	// Reset empties the KV cache.
	Reset()
}

// Runner times tests on one loaded model.
type Runner struct {
	Eval Evaluator
	// Vocab bounds the random token ids: they are drawn from [0, Vocab).
	Vocab int
	// BOS, when not negative, is the first token of every run, as llama-bench
	// does for models that add a BOS token.
	BOS int32
	// Reps is the number of timed repetitions after the warm-up.
	Reps int
	// Seed seeds the token ids.
	Seed uint64
	// Profiler, when not nil, profiles each timed repetition.
	Profiler *Profiler
	// Compiled, when not nil, reads the backend's compile counters (see
	// backends.Compiler): Run then reports the time spent compiling apart
	// from the samples.
	Compiled func() (count int, total time.Duration)
	// Now and CPUTime are the clocks: wall time and the process's CPU time.
	// Nil means time.Now and the process's rusage; tests replace them.
	Now     func() time.Time
	CPUTime func() time.Duration
}

// NewRunner returns a Runner for e with llama-bench's choice of tokens: BOS
// first when the model adds one, then random ids of the vocabulary.
func NewRunner(e *engine.Engine, reps int) *Runner {
	r := &Runner{Eval: e, Vocab: min(e.Tokenizer.VocabSize(), e.Model.Config().Vocab), BOS: -1, Reps: reps}
	if e.Tokenizer.AddBOS() && e.Tokenizer.BOS() >= 0 {
		r.BOS = e.Tokenizer.BOS()
	}
	if c, ok := e.Backend.(backends.Compiler); ok {
		r.Compiled = c.Compiled
	}
	return r
}

// Measurement is what one test measured.
type Measurement struct {
	// Samples is the wall time of each timed repetition.
	Samples []time.Duration
	// CPU is the process's CPU time (user and system) over the same regions.
	CPU time.Duration
	// Compiles and Compile are the graphs the backend compiled during the
	// warm-up and the time it spent compiling them (zero when
	// Runner.Compiled is nil).
	Compiles int
	Compile  time.Duration
	// TimedCompiles and TimedCompile are the same inside the timed regions,
	// where a backend that compiles each shape once compiles nothing; when
	// it does, the samples include that time.
	TimedCompiles int
	TimedCompile  time.Duration
}

// Busy is the average number of threads busy during the timed regions: CPU
// time over wall time.
func (m Measurement) Busy() float64 {
	var wall time.Duration
	for _, s := range m.Samples {
		wall += s
	}
	if wall <= 0 {
		return 0
	}
	return float64(m.CPU) / float64(wall)
}

// Run measures n tokens of kind: one warm-up (the whole prompt for pp, one
// token for tg, as llama-bench) and r.Reps timed repetitions, each from an
// empty cache. A pp repetition is one Eval of n tokens at position 0; a tg
// repetition is n Evals of one token at positions 0 to n-1. Only the Evals
// are timed.
func (r *Runner) Run(ctx context.Context, kind Kind, n int) (Measurement, error) {
	if n <= 0 || r.Reps <= 0 || r.Vocab <= 0 {
		return Measurement{}, fmt.Errorf("bench: run of %d tokens, %d repetitions, vocabulary of %d", n, r.Reps, r.Vocab)
	}
	now, cpu := r.Now, r.CPUTime
	if now == nil {
		now = time.Now
	}
	if cpu == nil {
		cpu = processCPUTime
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0x5eed))
	tokens := make([]int32, n)
	draw := func() {
		for i := range tokens {
			tokens[i] = rng.Int32N(int32(r.Vocab))
		}
		if r.BOS >= 0 {
			tokens[0] = r.BOS
		}
	}
	var step func() error
	switch kind {
	case PP:
		step = func() error {
			_, err := r.Eval.Eval(tokens, 0)
			return err
		}
	case TG:
		step = func() error {
			for i := range tokens {
				if _, err := r.Eval.Eval(tokens[i:i+1], i); err != nil {
					return err
				}
			}
			return nil
		}
	default:
		return Measurement{}, fmt.Errorf("bench: unknown test kind %q", kind)
	}

	compiled := func() (int, time.Duration) {
		if r.Compiled == nil {
			return 0, 0
		}
		return r.Compiled()
	}

	// The warm-up.
	draw()
	r.Eval.Reset()
	n0, d0 := compiled()
	var err error
	if kind == PP {
		err = step()
	} else {
		_, err = r.Eval.Eval(tokens[:1], 0)
	}
	if err != nil {
		return Measurement{}, fmt.Errorf("bench: warm-up of %s%d: %w", kind, n, err)
	}
	n1, d1 := compiled()

	m := Measurement{Samples: make([]time.Duration, 0, r.Reps), Compiles: n1 - n0, Compile: d1 - d0}
	for rep := 0; rep < r.Reps; rep++ {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		draw()
		r.Eval.Reset()
		if r.Profiler != nil {
			if err := r.Profiler.Start(); err != nil {
				return m, err
			}
		}
		c0 := cpu()
		t0 := now()
		err := step()
		t1 := now()
		c1 := cpu()
		if r.Profiler != nil {
			if perr := r.Profiler.Stop(); err == nil {
				err = perr
			}
		}
		if err != nil {
			return m, fmt.Errorf("bench: %s%d, repetition %d: %w", kind, n, rep+1, err)
		}
		m.Samples = append(m.Samples, t1.Sub(t0))
		m.CPU += c1 - c0
	}
	n2, d2 := compiled()
	m.TimedCompiles, m.TimedCompile = n2-n1, d2-d1
	r.Eval.Reset()
	return m, nil
}
