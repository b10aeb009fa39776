package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "sovra/backends/cpu"
	_ "sovra/backends/gomlx"
	_ "sovra/models/all"
	"sovra/seeds"
)

func TestPlan(t *testing.T) {
	p := Plan{Models: []string{"a", "b"}, Backends: []string{"cpu"}, Threads: []int{1, 2}, Prompts: []int{64, 0, 512}, Gens: []int{32}, Reps: 3}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tt := range p.Tests() {
		names = append(names, fmt.Sprintf("%s/t%d/%s", tt.Model, tt.Threads, tt.Name()))
	}
	want := []string{
		"a/t1/pp64", "a/t1/pp512", "a/t1/tg32", "a/t2/pp64", "a/t2/pp512", "a/t2/tg32",
		"b/t1/pp64", "b/t1/pp512", "b/t1/tg32", "b/t2/pp64", "b/t2/pp512", "b/t2/tg32",
	}
	if !slices.Equal(names, want) {
		t.Errorf("tests %v\nwant %v", names, want)
	}
	if ctx, batch := contextFor(p.group("a", "cpu", 1)); ctx != 512 || batch != 512 {
		t.Errorf("context %d, batch %d, want 512 and 512", ctx, batch)
	}
	if ctx, batch := contextFor([]Test{{Kind: TG, N: 128}, {Kind: PP, N: 16}}); ctx != 128 || batch != 16 {
		t.Errorf("context %d, batch %d, want 128 and 16", ctx, batch)
	}
	for _, bad := range []Plan{
		{Backends: []string{"cpu"}, Threads: []int{1}, Prompts: []int{1}, Reps: 1},
		{Models: []string{"a"}, Backends: []string{"cpu"}, Threads: []int{1}, Prompts: []int{0}, Gens: []int{0}, Reps: 1},
		{Models: []string{"a"}, Backends: []string{"cpu"}, Threads: []int{1}, Prompts: []int{-1}, Reps: 1},
		{Models: []string{"a"}, Backends: []string{"cpu"}, Threads: []int{1}, Prompts: []int{8}, Reps: 0},
	} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// fakePeer records the tests it runs; it fails tg tests when failTG.
type fakePeer struct {
	ran    []string
	failTG bool
}

func (f *fakePeer) Info() PeerInfo { return PeerInfo{Name: "fake", Version: "1", Backend: "CPU"} }

func (f *fakePeer) Run(ctx context.Context, t Test, reps int) (*Result, error) {
	f.ran = append(f.ran, t.Name())
	if f.failTG && t.Kind == TG {
		return nil, errors.New("no\ngood")
	}
	samples := make([]time.Duration, reps)
	for i := range samples {
		samples[i] = time.Millisecond
	}
	res := newResult("fake", t, samples)
	res.Backend = "CPU"
	return res, nil
}

func TestRunSuite(t *testing.T) {
	model := sharedModel(t, "parity-llama-Q4_0.gguf")
	peer := &fakePeer{failTG: true}
	r := &Report{Bandwidth: []Bandwidth{{Threads: 1, BytesPerSecond: 1e9}}}
	var order []string
	// The backend twice: the peer runs each test once all the same.
	p := Plan{Models: []string{model}, Backends: []string{"cpu", "cpu"}, Threads: []int{1}, Prompts: []int{8}, Gens: []int{4}, Reps: 2}
	err := Run(context.Background(), p, r, Options{Peer: peer, OnResult: func(res *Result) {
		order = append(order, res.Runner+" "+res.Test)
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sovra pp8", "fake pp8", "sovra tg4", "sovra pp8", "sovra tg4"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if !slices.Equal(peer.ran, []string{"pp8", "tg4"}) {
		t.Errorf("peer ran %v", peer.ran)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "fake tg4") || strings.Contains(r.Notes[0], "\n") {
		t.Errorf("notes %q, want one line on the failed tg4", r.Notes)
	}
	if len(r.Results) != 5 || r.Reps != 2 {
		t.Fatalf("%d results, reps %d", len(r.Results), r.Reps)
	}
	pp, tg := r.Results[0], r.Results[2]
	for _, res := range []Result{pp, tg} {
		if len(res.SamplesNS) != 2 || res.AvgTS <= 0 || res.LoadMS <= 0 || res.ModelSize != 4908800 ||
			res.ModelType != "llama 8.7M Q4_0" || res.ThreadsAsked != 1 || res.Threads < 1 || res.Busy <= 0 {
			t.Errorf("result %+v", res)
		}
		if res.PeakRSS < 1<<20 {
			t.Errorf("%s: peak RSS %d", res.Test, res.PeakRSS)
		}
	}
	if pp.WeightBytesPerToken != 0 || pp.BandwidthFraction != 0 {
		t.Errorf("pp has weight bytes %d and fraction %v", pp.WeightBytesPerToken, pp.BandwidthFraction)
	}
	if tg.WeightBytesPerToken != 2604872 || tg.BandwidthFraction <= 0 {
		t.Errorf("tg has weight bytes %d and fraction %v", tg.WeightBytesPerToken, tg.BandwidthFraction)
	}
	if cs := r.Comparisons(); len(cs) != 2 || cs[0].Test != "pp8" {
		t.Errorf("comparisons %+v, want pp8 for each backend", cs)
	}
}

func TestRunFailures(t *testing.T) {
	r := &Report{}
	p := Plan{Models: []string{"/nonexistent.gguf"}, Backends: []string{"cpu"}, Threads: []int{1}, Prompts: []int{8}, Reps: 1}
	if err := Run(context.Background(), p, r, Options{}); err == nil {
		t.Error("a missing model did not fail")
	}
	p.Models = []string{sharedModel(t, "parity-llama-Q4_0.gguf")}
	p.Backends = []string{"tpu"}
	if err := Run(context.Background(), p, r, Options{}); err == nil || !strings.Contains(err.Error(), "tpu") {
		t.Errorf("unknown backend: %v", err)
	}
}

// TestRunCompileTime runs the embedded seed model on the cpu backend, which
// does not compile, and on gomlx, which compiles each shape once: only
// gomlx's results have a compile time, and it is there for each shape.
func TestRunCompileTime(t *testing.T) {
	model := filepath.Join(t.TempDir(), seeds.DefaultName)
	if err := os.WriteFile(model, seeds.Default, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMLX_BACKEND", "go")
	r := &Report{}
	p := Plan{Models: []string{model}, Backends: []string{"cpu", "gomlx"}, Threads: []int{1}, Prompts: []int{8, 6}, Gens: []int{4}, Reps: 1}
	if err := Run(context.Background(), p, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(r.Results) != 6 {
		t.Fatalf("%d results, want 6", len(r.Results))
	}
	for _, res := range r.Results[:3] {
		if res.Backend != "cpu" || res.CompileMS != nil {
			t.Errorf("%s %s: compile ms %v, want none", res.Backend, res.Test, res.CompileMS)
		}
	}
	got := map[string]float64{}
	for _, res := range r.Results[3:] {
		if res.Backend != "gomlx" || res.CompileMS == nil {
			t.Fatalf("%s %s: no compile ms", res.Backend, res.Test)
		}
		got[res.Test] = *res.CompileMS
	}
	// pp8 compiles the 8-row bucket in its warm-up; pp6 shares that bucket;
	// tg4 uses the one-token graph compiled while loading.
	if got["pp8"] <= 0 || got["pp6"] != 0 || got["tg4"] <= 0 {
		t.Errorf("compile ms %v, want pp8 > 0, pp6 = 0, tg4 > 0", got)
	}
	t.Logf("gomlx compile ms: %v", got)
	if len(r.Notes) != 0 {
		t.Errorf("notes %q: something compiled inside a timed run", r.Notes)
	}
	var b strings.Builder
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ",compile_ms,") {
		t.Errorf("csv header lacks compile_ms:\n%s", b.String())
	}
}
