// Package bench measures sovra the way llama.cpp's llama-bench measures
// llama.cpp, so that the two sets of numbers can be set side by side.
//
// A test is either prompt processing (pp: one batch of N random token ids
// from an empty KV cache) or token generation (tg: N tokens decoded one at a
// time from an empty cache). Each test runs once as a warm-up (for tg, one
// token, as llama-bench does) and then Reps times; only the forward steps are
// timed: loading, cache resets and choosing the token ids happen outside the
// timed region. Speeds are reported as the mean and sample standard deviation
// of the tokens per second of each repetition (llama-bench's avg_ts and
// stddev_ts).
//
// Beside the speeds the package reports what llama-bench does not: load time,
// peak resident memory, the machine's measured memory read bandwidth and the
// fraction of it a tg run reaches, a CPU profile of the timed regions, and the
// same tests run by llama-bench itself (see Peer).
//
// The bench never changes CPU settings (governor, affinity, priority,
// GOMAXPROCS): it measures the machine as it is.
package bench

import (
	"errors"
	"fmt"
	"strconv"
)

// Kind is the kind of a test.
type Kind string

const (
	// PP is prompt processing: one forward step over N tokens.
	PP Kind = "pp"
	// TG is token generation: N forward steps of one token each.
	TG Kind = "tg"
)

// Test is one measurement: N tokens of Kind through Model on Backend with
// Threads threads.
type Test struct {
	Model   string // path of the GGUF file
	Backend string // sovra backend selection, such as "cpu"
	Threads int    // threads asked of the backend (0: its default)
	Kind    Kind
	N       int // tokens
}

// Name is the test's name as llama-bench prints it: "pp512", "tg128".
func (t Test) Name() string { return string(t.Kind) + strconv.Itoa(t.N) }

// NPrompt is the number of prompt tokens (llama-bench's n_prompt).
func (t Test) NPrompt() int {
	if t.Kind == PP {
		return t.N
	}
	return 0
}

// NGen is the number of generated tokens (llama-bench's n_gen).
func (t Test) NGen() int {
	if t.Kind == TG {
		return t.N
	}
	return 0
}

// Plan is a cross product of models, backends, thread counts and test sizes.
type Plan struct {
	Models   []string
	Backends []string
	Threads  []int
	Prompts  []int // pp sizes; zeros are skipped
	Gens     []int // tg sizes; zeros are skipped
	Reps     int   // timed repetitions of each test, after one warm-up
}

// Check reports what is wrong with p, if anything.
func (p Plan) Check() error {
	switch {
	case len(p.Models) == 0:
		return errors.New("bench: no model")
	case len(p.Backends) == 0:
		return errors.New("bench: no backend")
	case len(p.Threads) == 0:
		return errors.New("bench: no thread count")
	case p.Reps < 1:
		return fmt.Errorf("bench: %d repetitions, want at least 1", p.Reps)
	}
	for _, m := range p.Models {
		if m == "" {
			return errors.New("bench: empty model path")
		}
	}
	for _, t := range p.Threads {
		if t < 0 {
			return fmt.Errorf("bench: %d threads", t)
		}
	}
	some := false
	for _, n := range append(append([]int(nil), p.Prompts...), p.Gens...) {
		if n < 0 {
			return fmt.Errorf("bench: %d tokens in a test", n)
		}
		some = some || n > 0
	}
	if !some {
		return errors.New("bench: no test (every -p and -n is 0)")
	}
	return nil
}

// Tests returns the tests of p in the order Run runs them: for each model,
// backend and thread count, the pp tests and then the tg tests.
func (p Plan) Tests() []Test {
	var ts []Test
	for _, m := range p.Models {
		for _, b := range p.Backends {
			for _, th := range p.Threads {
				ts = append(ts, p.group(m, b, th)...)
			}
		}
	}
	return ts
}

// group returns the tests that share one loaded engine.
func (p Plan) group(model, backend string, threads int) []Test {
	var ts []Test
	for _, k := range []struct {
		kind Kind
		ns   []int
	}{{PP, p.Prompts}, {TG, p.Gens}} {
		for _, n := range k.ns {
			if n > 0 {
				ts = append(ts, Test{Model: model, Backend: backend, Threads: threads, Kind: k.kind, N: n})
			}
		}
	}
	return ts
}

// contextFor returns the KV-cache size and batch size an engine needs for
// tests: every test starts from an empty cache, so the largest test decides.
func contextFor(tests []Test) (ctx, batch int) {
	ctx, batch = 1, 1
	for _, t := range tests {
		ctx = max(ctx, t.N)
		if t.Kind == PP {
			batch = max(batch, t.N)
		}
	}
	return ctx, batch
}
