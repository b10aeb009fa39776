package bench

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeModel is an Evaluator on a fake clock: every token evaluated costs a
// millisecond, every Reset an hour, so any Reset inside a timed region shows.
type fakeModel struct {
	clock  time.Time
	cpu    time.Duration
	evals  [][]int32 // tokens of each Eval since the last Reset
	starts []int
	resets int
	all    int // Evals in total
	fail   int // fail the Eval with this 1-based index
}

func (f *fakeModel) Eval(tokens []int32, start int) ([]float32, error) {
	f.all++
	if f.all == f.fail {
		return nil, errors.New("boom")
	}
	f.clock = f.clock.Add(time.Duration(len(tokens)) * time.Millisecond)
	f.cpu += time.Duration(len(tokens)) * 2 * time.Millisecond // two busy threads
	f.evals = append(f.evals, slices.Clone(tokens))
	f.starts = append(f.starts, start)
	return nil, nil
}

func (f *fakeModel) Reset() {
	f.clock = f.clock.Add(time.Hour)
	f.cpu += time.Hour
	f.resets++
	f.evals, f.starts = nil, nil
}

func fakeRunner(f *fakeModel, reps int) *Runner {
	return &Runner{
		Eval: f, Vocab: 100, BOS: 1, Reps: reps, Seed: 7,
		Now:     func() time.Time { return f.clock },
		CPUTime: func() time.Duration { return f.cpu },
	}
}

func TestRunnerPP(t *testing.T) {
	f := &fakeModel{}
	r := fakeRunner(f, 3)
	m, err := r.Run(context.Background(), PP, 64)
	if err != nil {
		t.Fatal(err)
	}
	// One Reset before the warm-up, one before each repetition, one after.
	if f.resets != 1+3+1 {
		t.Errorf("%d resets, want 5", f.resets)
	}
	// Warm-up + 3 repetitions, one Eval of 64 tokens each.
	if f.all != 4 {
		t.Errorf("%d Evals, want 4", f.all)
	}
	want := []time.Duration{64 * time.Millisecond, 64 * time.Millisecond, 64 * time.Millisecond}
	if !slices.Equal(m.Samples, want) {
		t.Errorf("samples %v, want %v (only the Evals are timed)", m.Samples, want)
	}
	if b := m.Busy(); b != 2 {
		t.Errorf("busy %v, want 2", b)
	}
}

func TestRunnerTokens(t *testing.T) {
	for _, kind := range []Kind{PP, TG} {
		f := &fakeModel{}
		r := fakeRunner(f, 1)
		r.Reps = 1
		// Look at the Evals of the repetition before the final Reset clears them.
		var got [][]int32
		var starts []int
		r.Eval = evalHook{f, func() { got, starts = slices.Clone(f.evals), slices.Clone(f.starts) }}
		if _, err := r.Run(context.Background(), kind, 16); err != nil {
			t.Fatal(err)
		}
		if kind == PP {
			if len(got) != 1 || len(got[0]) != 16 || starts[0] != 0 {
				t.Fatalf("pp: Evals %v at %v, want one of 16 tokens at 0", got, starts)
			}
		} else {
			if len(got) != 16 {
				t.Fatalf("tg: %d Evals, want 16", len(got))
			}
			for i := range got {
				if len(got[i]) != 1 || starts[i] != i {
					t.Fatalf("tg: Eval %d has %d tokens at %d, want 1 at %d", i, len(got[i]), starts[i], i)
				}
			}
		}
		flat := slices.Concat(got...)
		if flat[0] != 1 {
			t.Errorf("%s: first token %d, want BOS 1", kind, flat[0])
		}
		distinct := map[int32]bool{}
		for _, id := range flat {
			if id < 0 || id >= 100 {
				t.Errorf("%s: token %d outside the vocabulary", kind, id)
			}
			distinct[id] = true
		}
		if len(distinct) < 5 {
			t.Errorf("%s: tokens %v are not random", kind, flat)
		}
	}
}

// evalHook calls before at each Reset, before passing it on.
type evalHook struct {
	*fakeModel
	before func()
}

func (h evalHook) Reset() {
	if len(h.evals) > 0 {
		h.before()
	}
	h.fakeModel.Reset()
}

func TestRunnerTG(t *testing.T) {
	f := &fakeModel{}
	m, err := fakeRunner(f, 2).Run(context.Background(), TG, 32)
	if err != nil {
		t.Fatal(err)
	}
	// The tg warm-up is one token, as in llama-bench; then 2 × 32 Evals.
	if f.all != 1+2*32 {
		t.Errorf("%d Evals, want 65", f.all)
	}
	if !slices.Equal(m.Samples, []time.Duration{32 * time.Millisecond, 32 * time.Millisecond}) {
		t.Errorf("samples %v, want 2 × 32ms", m.Samples)
	}
	ts := TokensPerSecond(32, m.Samples)
	if ts[0] != 1000 {
		t.Errorf("%v t/s, want 1000", ts[0])
	}
}

func TestRunnerErrors(t *testing.T) {
	f := &fakeModel{fail: 3}
	if _, err := fakeRunner(f, 3).Run(context.Background(), TG, 4); err == nil {
		t.Error("an Eval error was not returned")
	}
	if _, err := fakeRunner(&fakeModel{}, 3).Run(context.Background(), Kind("xx"), 4); err == nil {
		t.Error("an unknown kind was accepted")
	}
	if _, err := fakeRunner(&fakeModel{}, 0).Run(context.Background(), PP, 4); err == nil {
		t.Error("zero repetitions were accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fakeRunner(&fakeModel{}, 3).Run(ctx, PP, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// compilingModel is a fakeModel on a backend that compiles a graph per token
// count on first use (or, when forget, on every Eval), each compilation
// costing 5ms of the fake clock.
type compilingModel struct {
	*fakeModel
	seen     map[int]bool
	forget   bool
	compiles int
	compile  time.Duration
}

func (c *compilingModel) Eval(tokens []int32, start int) ([]float32, error) {
	if !c.seen[len(tokens)] || c.forget {
		c.seen[len(tokens)] = true
		c.compiles++
		c.compile += 5 * time.Millisecond
		c.clock = c.clock.Add(5 * time.Millisecond)
	}
	return c.fakeModel.Eval(tokens, start)
}

func (c *compilingModel) Compiled() (int, time.Duration) { return c.compiles, c.compile }

func TestRunnerCompileTime(t *testing.T) {
	for _, kind := range []Kind{PP, TG} {
		c := &compilingModel{fakeModel: &fakeModel{}, seen: map[int]bool{}}
		r := fakeRunner(c.fakeModel, 2)
		r.Eval, r.Compiled = c, c.Compiled
		m, err := r.Run(context.Background(), kind, 8)
		if err != nil {
			t.Fatal(err)
		}
		// The warm-up compiles the one shape (8 tokens for pp, 1 for tg); the
		// timed runs compile nothing and their samples hold no compile time.
		if m.Compiles != 1 || m.Compile != 5*time.Millisecond || m.TimedCompiles != 0 || m.TimedCompile != 0 {
			t.Errorf("%s: warm-up compiled %d in %v, timed runs %d in %v; want 1 in 5ms, then none",
				kind, m.Compiles, m.Compile, m.TimedCompiles, m.TimedCompile)
		}
		if !slices.Equal(m.Samples, []time.Duration{8 * time.Millisecond, 8 * time.Millisecond}) {
			t.Errorf("%s: samples %v, want 2 × 8ms", kind, m.Samples)
		}
	}

	// A backend that compiles at every step: the timed runs show it.
	c := &compilingModel{fakeModel: &fakeModel{}, seen: map[int]bool{}, forget: true}
	r := fakeRunner(c.fakeModel, 2)
	r.Eval, r.Compiled = c, c.Compiled
	m, err := r.Run(context.Background(), TG, 4)
	if err != nil {
		t.Fatal(err)
	}
	if m.Compiles != 1 || m.TimedCompiles != 2*4 || m.TimedCompile != 8*5*time.Millisecond {
		t.Errorf("recompiling: warm-up %d, timed %d in %v; want 1, then 8 in 40ms", m.Compiles, m.TimedCompiles, m.TimedCompile)
	}

	// Without a compile counter nothing is reported.
	m, err = fakeRunner(&fakeModel{}, 1).Run(context.Background(), PP, 4)
	if err != nil || m.Compiles != 0 || m.Compile != 0 || m.TimedCompiles != 0 {
		t.Errorf("no counter: %+v, %v", m, err)
	}
}
