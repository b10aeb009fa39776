package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"sovra/runtime/engine"
)

// Options configure Run.
type Options struct {
	// Seed seeds the random token ids.
	Seed uint64
	// Peer, when not nil, runs each test too, right after sovra does.
	Peer Peer
	// Profiler, when not nil, profiles sovra's timed regions.
	Profiler *Profiler
	// OnResult, when not nil, is called with each result as soon as it is
	// measured; the pointer is valid only during the call.
	OnResult func(*Result)
	// Log, when not nil, receives a line as each model loads and each test
	// starts.
	Log io.Writer
}

// threadCounter is implemented by backends that run on host threads and can
// say how many they use.
type threadCounter interface {
	Threads() int
}

// Run runs the tests of p in order (see Plan.Tests), appending the results
// to r: each (model, backend, threads) group loads the model once, with a
// context and batch large enough for its largest test, and with a peer the
// tests alternate, sovra's test 1, the peer's test 1, sovra's test 2, ...
// (the peer runs each distinct test once, whatever sovra's backend). A test
// that fails for sovra stops the run; one that fails for the peer becomes a
// note.
func Run(ctx context.Context, p Plan, r *Report, o Options) error {
	if err := p.Check(); err != nil {
		return err
	}
	r.Reps = p.Reps
	peerDone := map[string]bool{}
	for _, model := range p.Models {
		for _, backend := range p.Backends {
			for _, threads := range p.Threads {
				if err := runGroup(ctx, p.group(model, backend, threads), p.Reps, r, o, peerDone); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runGroup runs tests, which share model, backend and threads, on one
// engine.
func runGroup(ctx context.Context, tests []Test, reps int, r *Report, o Options, peerDone map[string]bool) error {
	t0 := tests[0]
	logf(o.Log, "loading %s (backend %s, %d threads)", t0.Model, t0.Backend, t0.Threads)
	ctxSize, batch := contextFor(tests)
	startPeakRSS()
	e, err := engine.Load(t0.Model, engine.Options{Backend: t0.Backend, Threads: t0.Threads, Context: ctxSize, Batch: batch})
	if err != nil {
		return err
	}
	defer e.Close()
	w := WeightsOf(e.File)
	modelType := ModelType(e.File)
	used := t0.Threads
	if tc, ok := e.Backend.(threadCounter); ok {
		used = tc.Threads()
	}
	run := NewRunner(e, reps)
	run.Seed, run.Profiler = o.Seed, o.Profiler
	// Loading ran one token through the model (see engine.LoadFile), which
	// compiled the one-token graph: that compile time goes to the first test
	// that uses the shape (tg, or pp1).
	var loadCompiles int
	var loadCompile time.Duration
	if run.Compiled != nil {
		loadCompiles, loadCompile = run.Compiled()
	}

	emit := func(res *Result) {
		r.setBandwidthFraction(res)
		r.Results = append(r.Results, *res)
		if o.OnResult != nil {
			o.OnResult(res)
		}
	}
	for _, t := range tests {
		logf(o.Log, "sovra %s", t.Name())
		c := startContention()
		m, err := run.Run(ctx, t.Kind, t.N)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Model, err)
		}
		res := newResult("sovra", t, m.Samples)
		res.OtherLoad, _ = c.load()
		res.ModelType, res.ModelSize, res.ModelParams = modelType, w.Size, w.Params
		res.Threads, res.ThreadsAsked = used, t.Threads
		res.Busy = m.Busy()
		res.LoadMS = float64(e.LoadTime.Microseconds()) / 1e3
		res.PeakRSS = PeakRSS()
		if t.Kind == TG {
			res.WeightBytesPerToken = w.PerToken
		}
		if run.Compiled != nil {
			compile := m.Compile + m.TimedCompile
			if loadCompiles > 0 && (t.Kind == TG || t.N == 1) {
				compile += loadCompile
				loadCompiles, loadCompile = 0, 0
			}
			ms := float64(compile.Microseconds()) / 1e3
			res.CompileMS = &ms
			if m.TimedCompiles > 0 {
				r.Notes = append(r.Notes, fmt.Sprintf("sovra %s on %s, backend %s: %d graphs compiled inside the timed runs (%.0f ms), which the t/s includes",
					t.Name(), t.Model, t.Backend, m.TimedCompiles, float64(m.TimedCompile.Microseconds())/1e3))
			}
		}
		emit(res)

		if o.Peer == nil || peerDone[peerKey(t)] {
			continue
		}
		peerDone[peerKey(t)] = true
		name := o.Peer.Info().Name
		logf(o.Log, "%s %s", name, t.Name())
		c = startContention()
		pr, err := o.Peer.Run(ctx, t, reps)
		if err == nil {
			pr.OtherLoad, _ = c.load()
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			logf(o.Log, "%s %s failed: %v", name, t.Name(), err)
			r.Notes = append(r.Notes, fmt.Sprintf("%s %s on %s failed: %s", name, t.Name(), t.Model, oneLine(err)))
			continue
		}
		if t.Kind == TG {
			pr.WeightBytesPerToken = w.PerToken
		}
		emit(pr)
	}
	return nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "bench: "+format+"\n", args...)
	}
}

// oneLine joins the lines of an error message.
func oneLine(err error) string {
	var b []byte
	for _, c := range []byte(err.Error()) {
		if c == '\n' {
			b = append(b, "; "...)
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}
