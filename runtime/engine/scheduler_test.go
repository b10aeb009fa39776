package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sovra/models/gguf"
	"sovra/runtime/engine"
	"sovra/runtime/sample"
	"sovra/seeds"
)

// seedEngine loads the embedded seed model.
func seedEngine(t testing.TB, ctx int) *engine.Engine {
	t.Helper()
	f, err := gguf.Parse(seeds.Default)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.LoadFile(f, engine.Options{Context: ctx, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// collect reads a stream to its end.
func collect(t testing.TB, st *engine.Stream) (ids []int32, text string, logprobs []float32, res *engine.Result, err error) {
	t.Helper()
	var b strings.Builder
	for {
		toks, more := st.Next(context.Background())
		for _, tk := range toks {
			if tk.ID >= 0 {
				ids = append(ids, tk.ID)
				logprobs = append(logprobs, tk.Logprob)
			}
			b.WriteString(tk.Text)
		}
		if !more {
			break
		}
	}
	res, err = st.Result()
	return ids, b.String(), logprobs, res, err
}

var batchPrompts = []string{
	"Once upon a time",
	"The quick brown fox jumps over the lazy dog, and then",
	"1, 2, 3,",
	"In a hole in the ground there lived",
	"Hello",
	"A much longer prompt, so that its prefill takes several chunks of the step budget while the others decode.",
	"Zebra",
	"Les sanglots longs des violons de l'automne",
}

// TestBatchingDoesNotChangeResults decodes many greedy requests together,
// with prefill chunks interleaved with decoding, and checks that each one
// gets exactly the tokens and logprobs it gets alone.
func TestBatchingDoesNotChangeResults(t *testing.T) {
	models := []struct {
		name string
		load func(t *testing.T) *engine.Engine
	}{
		{"seed", func(t *testing.T) *engine.Engine { return seedEngine(t, 1024) }},
		{"parity-llama-Q4_0", func(t *testing.T) *engine.Engine {
			path := filepath.Join(shared, "models", "parity-llama-Q4_0.gguf")
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s: %v", path, err)
			}
			e, err := engine.Load(path, engine.Options{Context: 1024, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			return e
		}},
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			e := m.load(t)
			n := 20
			if testing.Short() || m.name != "seed" {
				n = 8
			}
			job := func(p string) engine.Job {
				return engine.Job{Request: engine.Request{Prompt: e.Tokenize(p), MaxTokens: n, IgnoreEOS: true}, Logprobs: true}
			}
			// Alone, through the single-sequence API.
			alone := make([][]int32, len(batchPrompts))
			for i, p := range batchPrompts {
				res, err := e.Generate(context.Background(), job(p).Request, nil)
				if err != nil {
					t.Fatal(err)
				}
				alone[i] = res.Tokens
			}
			s, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: 4, Chunk: 7})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// Alone, through the scheduler: the reference logprobs.
			aloneLP := make([][]float32, len(batchPrompts))
			for i, p := range batchPrompts {
				st, err := s.Submit(context.Background(), job(p))
				if err != nil {
					t.Fatal(err)
				}
				ids, _, lp, _, err := collect(t, st)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids, alone[i]) {
					t.Errorf("prompt %d: scheduler alone %v, Generate %v", i, ids, alone[i])
				}
				aloneLP[i] = lp
			}
			// All together: 8 jobs on 4 sequences, so some wait and take
			// the place of finished ones.
			var wg sync.WaitGroup
			for i, p := range batchPrompts {
				wg.Go(func() {
					st, err := s.Submit(context.Background(), job(p))
					if err != nil {
						t.Error(err)
						return
					}
					ids, _, lp, res, err := collect(t, st)
					if err != nil {
						t.Error(err)
						return
					}
					if !slices.Equal(ids, alone[i]) {
						t.Errorf("prompt %d: batched %v, alone %v", i, ids, alone[i])
					}
					if !slices.Equal(lp, aloneLP[i]) {
						t.Errorf("prompt %d: batched logprobs differ from alone:\n%v\n%v", i, lp, aloneLP[i])
					}
					if res.Finish != "length" || len(res.Tokens) != n {
						t.Errorf("prompt %d: finish %q after %d tokens, want length after %d", i, res.Finish, len(res.Tokens), n)
					}
				})
			}
			wg.Wait()
			waitIdle(t, s)
		})
	}
}

// waitIdle waits until the scheduler has no sequence and no KV slot in use.
func waitIdle(t *testing.T, s *engine.Scheduler) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if st.Active == 0 && st.KVUsed == 0 && st.Queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("scheduler not idle: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSchedulerStopAndErrors(t *testing.T) {
	e := seedEngine(t, 64)
	s, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: 2, Queue: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SeqContext() != 32 {
		t.Errorf("SeqContext %d, want 32", s.SeqContext())
	}
	prompt := e.Tokenize("Once upon a time")
	greedy := engine.Request{Prompt: prompt, MaxTokens: 12, IgnoreEOS: true}

	// The full text, then the same request stopped by a piece of it that
	// spans tokens.
	st, err := s.Submit(context.Background(), engine.Job{Request: greedy})
	if err != nil {
		t.Fatal(err)
	}
	ids, full, _, _, err := collect(t, st)
	if err != nil {
		t.Fatal(err)
	}
	var stop string
	var want string
	for k := 1; k < len(ids); k++ {
		before := e.Tokenizer.Decode(ids[:k])
		piece := e.Tokenizer.Decode(ids[:k+1])[len(before):]
		if len(piece) >= 2 && len(before) >= 1 {
			stop = before[len(before)-1:] + piece[:2] // ends one token, begins the next
			want = full[:strings.Index(full, stop)]
			break
		}
	}
	if stop == "" {
		t.Fatalf("no stop string found in %q", full)
	}
	st, err = s.Submit(context.Background(), engine.Job{Request: greedy, Stop: []string{"never appears", stop}})
	if err != nil {
		t.Fatal(err)
	}
	_, text, _, res, err := collect(t, st)
	if err != nil {
		t.Fatal(err)
	}
	if text != want || res.Finish != "stop" {
		t.Errorf("stop %q: text %q finish %q, want %q finish stop (full text %q)", stop, text, res.Finish, want, full)
	}

	// A prompt longer than a sequence's context.
	long := e.Tokenize(strings.Repeat("word ", 40))
	_, err = s.Submit(context.Background(), engine.Job{Request: engine.Request{Prompt: long}})
	if !errors.Is(err, engine.ErrContext) || !strings.Contains(err.Error(), fmt.Sprint(len(long))) {
		t.Errorf("long prompt: err %v, want ErrContext naming %d tokens", err, len(long))
	}
	// Bad sampling parameters.
	_, err = s.Submit(context.Background(), engine.Job{Request: engine.Request{Prompt: prompt, Sample: sample.Params{TopP: -1}}})
	if !errors.Is(err, sample.ErrInvalidParams) {
		t.Errorf("top_p -1: err %v, want ErrInvalidParams", err)
	}
	// Generation stops at the context of the sequence.
	st, err = s.Submit(context.Background(), engine.Job{Request: engine.Request{Prompt: prompt, IgnoreEOS: true}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, res, err = collect(t, st)
	if err != nil || res.Finish != "length" || len(prompt)+len(res.Tokens) != 32+1 {
		t.Errorf("unbounded: err %v finish %q, %d+%d tokens, want length at 32+1", err, res.Finish, len(prompt), len(res.Tokens))
	}
	waitIdle(t, s)
}

func TestSchedulerCancelQueueAndClose(t *testing.T) {
	e := seedEngine(t, 256)
	s, err := engine.NewScheduler(e, engine.SchedulerOptions{Parallel: 1, Queue: 1})
	if err != nil {
		t.Fatal(err)
	}
	prompt := e.Tokenize("Once upon a time")
	endless := engine.Job{Request: engine.Request{Prompt: prompt, IgnoreEOS: true, MaxTokens: 1 << 20}}
	ctx, cancel := context.WithCancel(context.Background())
	running, err := s.Submit(ctx, endless)
	if err != nil {
		t.Fatal(err)
	}
	if toks, _ := running.Next(context.Background()); len(toks) == 0 {
		t.Fatal("no first token")
	}
	// The one sequence is busy: one job waits, the next is refused.
	waiting, err := s.Submit(context.Background(), engine.Job{Request: engine.Request{Prompt: prompt, MaxTokens: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(context.Background(), endless); !errors.Is(err, engine.ErrQueueFull) {
		t.Errorf("third job: err %v, want ErrQueueFull", err)
	}
	if q := s.Stats().Queued; q != 1 {
		t.Errorf("queued %d, want 1", q)
	}
	// Cancelling the running job frees its sequence for the waiting one.
	cancel()
	if _, err := running.Result(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled job: err %v, want context.Canceled", err)
	}
	if _, _, _, res, err := collect(t, waiting); err != nil || len(res.Tokens) != 3 {
		t.Errorf("waiting job: err %v, %d tokens, want 3", err, len(res.Tokens))
	}
	waitIdle(t, s)

	// Close ends a running job with ErrClosed and refuses new ones.
	running, err = s.Submit(context.Background(), endless)
	if err != nil {
		t.Fatal(err)
	}
	running.Next(context.Background())
	s.Close()
	if _, err := running.Result(); !errors.Is(err, engine.ErrClosed) {
		t.Errorf("job running at Close: err %v, want ErrClosed", err)
	}
	if _, err := s.Submit(context.Background(), endless); !errors.Is(err, engine.ErrClosed) {
		t.Errorf("after Close: err %v, want ErrClosed", err)
	}
	if e.Cache.Used() != 0 || e.Cache.SeqSize() != e.Cache.Size() {
		t.Errorf("after Close: %d slots used, %d of %d per sequence", e.Cache.Used(), e.Cache.SeqSize(), e.Cache.Size())
	}
}

func TestBatchedDecodeStepAllocatesNothing(t *testing.T) {
	e := seedEngine(t, 256)
	if err := e.Cache.Partition(4); err != nil {
		t.Fatal(err)
	}
	bt := e.NewBatcher()
	seqs := make([]engine.Seq, 4)
	tok := []int32{100, 200, 300, 400}
	pos := 0
	step := func() {
		if pos == 60 {
			e.Cache.Clear()
			pos = 0
		}
		for i := range seqs {
			seqs[i] = engine.Seq{ID: int32(i), Pos: pos, Tokens: tok[i : i+1], Logits: true}
		}
		rows, err := bt.Step(seqs)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[3] == nil {
			t.Fatal("missing logits")
		}
		pos++
	}
	for range 70 {
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("a batched decode step allocates %.1f times, want 0", n)
	}
}
