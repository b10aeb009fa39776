package llamacpp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// The testdata files are llama-bench's standard output for the commands Run issues
// on ../../../shared/models/parity-llama-Q4_0.gguf, 2 threads, 2 repetitions:
// pp64 (-p 64 -n 0) and tg16 (-p 0 -n 16).
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file string
		want Result
	}{{
		file: "pp64-t2.json",
		want: Result{
			ModelType: "llama ?B Q4_0", ModelSize: 4908800, ModelParams: 8721280,
			Backend: "CPU", Threads: 2, NPrompt: 64, NGen: 0, NBatch: 2048, NUBatch: 512,
			AvgTS: 48348.253750, StddevTS: 3524.792216, AvgNS: 1327256, StddevNS: 96776,
			SamplesTS: []float64{45855.8, 50840.7}, SamplesNS: []int64{1395678, 1258835},
		},
	}, {
		file: "tg16-t2.json",
		want: Result{
			ModelType: "llama ?B Q4_0", ModelSize: 4908800, ModelParams: 8721280,
			Backend: "CPU", Threads: 2, NPrompt: 0, NGen: 16, NBatch: 2048, NUBatch: 512,
			AvgTS: 5599.736665, StddevTS: 59.495920, AvgNS: 2857438, StddevNS: 30453,
			SamplesTS: []float64{5557.67, 5641.81}, SamplesNS: []int64{2878906, 2835971},
		},
	}} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			got := rs[0]
			var raw map[string]any
			if err := json.Unmarshal(got.Raw, &raw); err != nil {
				t.Fatalf("Raw: %v", err)
			}
			if raw["build_commit"] == nil || raw["flash_attn"] == nil {
				t.Errorf("Raw lacks build_commit or flash_attn: %s", got.Raw)
			}
			got.Raw = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	pp, err := os.ReadFile(filepath.Join("testdata", "pp64-t2.json"))
	if err != nil {
		t.Fatal(err)
	}
	full := string(pp)
	for name, in := range map[string]string{
		"empty":          "",
		"truncated":      full[:len(full)/2],
		"not an array":   `{"avg_ts": 1}`,
		"no avg_ts":      strings.Replace(full, `"avg_ts"`, `"avg_tps"`, 1),
		"no n_gen":       strings.Replace(full, `"n_gen"`, `"n_generated"`, 1),
		"no samples":     strings.Replace(full, `"samples_ts"`, `"samples"`, 1),
		"wrong type":     strings.Replace(full, `"n_threads": 2`, `"n_threads": "2"`, 1),
		"uneven samples": strings.Replace(full, `"samples_ns": [`, `"samples_ns": [ 1,`, 1),
	} {
		if in == full {
			t.Fatalf("%s: the replacement did not change the input", name)
		}
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse succeeded, want an error", name)
		}
	}
	rs, err := Parse([]byte("[\n]\n"))
	if err != nil || len(rs) != 0 {
		t.Errorf("no tests: got %v, %v; want no results and no error", rs, err)
	}
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		test Test
		want string // without "-m m.gguf" and "-o json"
	}{
		{Test{Prompt: 64}, "-p 64 -n 0"},
		{Test{Gen: 16, Reps: 3, Threads: 2}, "-p 0 -n 16 -r 3 -t 2"},
		{Test{Prompt: 512, Gen: 128, Batch: 256}, "-p 0 -n 0 -pg 512,128 -b 256"},
	} {
		tc.test.Model = "m.gguf"
		args, err := tc.test.Args()
		if err != nil {
			t.Errorf("%+v: %v", tc.test, err)
			continue
		}
		if got, want := strings.Join(args, " "), "-m m.gguf "+tc.want+" -o json"; got != want {
			t.Errorf("%+v: got %q, want %q", tc.test, got, want)
		}
	}
	for _, bad := range []Test{
		{Model: "m.gguf"},
		{Prompt: 1},
		{Model: "m.gguf", Prompt: -1},
		{Model: "m.gguf", Gen: 1, Threads: -2},
	} {
		if _, err := bad.Args(); err == nil {
			t.Errorf("%+v: Args succeeded, want an error", bad)
		}
	}
}

// With no tools on PATH and nothing cached, Find names every missing tool.
func TestFindMissingTools(t *testing.T) {
	if _, err := platformName(); err != nil {
		t.Skip(err)
	}
	t.Setenv("PATH", t.TempDir())
	_, err := Find(context.Background(), Options{CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("Find succeeded with an empty PATH")
	}
	if !errors.Is(err, ErrMissingTool) {
		t.Errorf("error does not match ErrMissingTool: %v", err)
	}
	for _, want := range []string{
		"npm not found: install Node.js and npm",
		"git not found: apt-get install git",
		"g++ not found: apt-get install g++",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestFindRun builds llama-bench in the user cache directory on first use (about
// 30 s with a warm npm cache, 1 minute cold) and runs one short test with it.
func TestFindRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds llama-bench and runs it: skipped in -short mode")
	}
	if os.Getenv("SOVRA_NO_LLAMA_BENCH") != "" {
		t.Skip("SOVRA_NO_LLAMA_BENCH is set: not building or running llama-bench")
	}
	model := filepath.Join("..", "..", "..", "shared", "models", "parity-llama-Q4_0.gguf")
	if _, err := os.Stat(model); err != nil {
		t.Skipf("no test model: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b, err := Find(ctx, Options{Log: tlog{t}})
	if errors.Is(err, ErrMissingTool) || errors.Is(err, ErrUnsupportedPlatform) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("llama-bench %s at %s, CPU backend %q", b.Version, b.Path, b.CPUVariant)

	// Cached: later calls, here two at once, need no tools and do not rebuild.
	info, err := os.Stat(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	var wg sync.WaitGroup
	again := make([]*Bench, 2)
	errs := make([]error, 2)
	for i := range again {
		wg.Go(func() { again[i], errs[i] = Find(ctx, Options{}) })
	}
	wg.Wait()
	for i, b2 := range again {
		if errs[i] != nil {
			t.Fatalf("cached Find: %v", errs[i])
		}
		if *b2 != *b {
			t.Errorf("cached Find: got %+v, want %+v", b2, b)
		}
	}
	if info2, err := os.Stat(b.Path); err != nil || !info2.ModTime().Equal(info.ModTime()) {
		t.Errorf("cached Find rebuilt %s (%v)", b.Path, err)
	}

	r, err := b.Run(ctx, Test{Model: model, Prompt: 16, Reps: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pp16 t1: %.0f ± %.0f tokens/s (%s, %s)", r.AvgTS, r.StddevTS, r.ModelType, r.Backend)
	if r.NPrompt != 16 || r.NGen != 0 || r.Threads != 1 || len(r.SamplesTS) != 1 || len(r.SamplesNS) != 1 {
		t.Errorf("result is not one pp16 repetition on 1 thread: %+v", r)
	}
	if r.AvgTS <= 0 || r.ModelParams <= 0 || r.ModelSize <= 0 || !strings.Contains(r.Backend, "CPU") {
		t.Errorf("implausible result: %+v", r)
	}
	if r.ModelType != "llama ?B Q4_0" {
		t.Errorf("model type %q, want %q", r.ModelType, "llama ?B Q4_0")
	}
}

// tlog sends Find's progress to the test log.
type tlog struct{ t *testing.T }

func (w tlog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
