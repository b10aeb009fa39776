package gomlx_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sovra/backends/gomlx"
	_ "sovra/models/all"
	"sovra/runtime/engine"
	"sovra/runtime/sample"
)

// The llama.cpp references and models shared by every checkout (see
// ../shared/reference/README.md for how to compare with them).
const shared = "../../../shared"

type reference struct {
	Model   string `json:"model"`
	Results []struct {
		Prompt       string  `json:"prompt"`
		PromptTokens []int32 `json:"prompt_tokens"`
		Tokens       []int32 `json:"tokens"`
		StepsTop     [][]struct {
			ID    int32   `json:"id"`
			Logit float32 `json:"logit"`
		} `json:"steps_top"`
	} `json:"results"`
}

func loadReference(t *testing.T, model string) (*reference, string) {
	t.Helper()
	path := filepath.Join(shared, "reference", "greedy."+model+".json")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("no llama.cpp reference at %s (../shared is not beside the checkout)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref, filepath.Join(shared, "models", ref.Model)
}

// TestParityWithLlamaCpp runs the float models' llama.cpp comparison (the
// one of runtime/engine, with the same tolerances) on the gomlx backend, and
// checks that greedy decoding gives the CPU backend's ids.
func TestParityWithLlamaCpp(t *testing.T) {
	// tol bounds the error relative to llama.cpp's top logit, cpuTol the
	// difference from the CPU backend's.
	for model, tols := range map[string][2]float64{"parity-llama-F32": {1e-3, 3e-4}, "parity-llama-F16": {3e-3, 2e-3}} {
		tol, cpuTol := tols[0], tols[1]
		t.Run(model, func(t *testing.T) {
			ref, path := loadReference(t, model)
			e, err := engine.Load(path, engine.Options{Backend: "gomlx", Context: 256})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			c, err := engine.Load(path, engine.Options{Backend: "cpu", Context: 256, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var worst, vsCPU float64
			cpuSteps := 0
			for _, r := range ref.Results {
				seq := append(slices.Clone(r.PromptTokens), r.Tokens[:len(r.Tokens)-1]...)
				first := len(r.PromptTokens) - 1
				var ours [][]float32
				err := e.Logits(seq, func(pos int, logits []float32) {
					if pos >= first {
						ours = append(ours, slices.Clone(logits))
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				// The same pass on the CPU backend.
				err = c.Logits(seq, func(pos int, logits []float32) {
					if j := pos - first; j >= 0 {
						scale := math.Abs(float64(logits[argmax(logits)]))
						for id, v := range logits {
							diff := math.Abs(float64(ours[j][id]-v)) / scale
							vsCPU = max(vsCPU, diff)
							if diff > cpuTol {
								t.Fatalf("%q step %d: logit of %d is %g, cpu backend %g (relative error %.2g > %.2g)", r.Prompt, j, id, ours[j][id], v, diff, cpuTol)
							}
						}
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				nearTie := -1
				for j, top := range r.StepsTop {
					scale := math.Abs(float64(top[0].Logit))
					for _, s := range top {
						diff := math.Abs(float64(ours[j][s.ID]-s.Logit)) / scale
						worst = max(worst, diff)
						if diff > tol {
							t.Errorf("%q step %d: logit of %d is %g, llama.cpp %g (relative error %.2g > %.2g)",
								r.Prompt, j, s.ID, ours[j][s.ID], s.Logit, diff, tol)
						}
					}
					if float64(top[0].Logit-top[1].Logit) > 2*tol*scale {
						if got := argmax(ours[j]); got != top[0].ID {
							t.Errorf("%q step %d: argmax %d, llama.cpp %d", r.Prompt, j, got, top[0].ID)
						}
					} else if nearTie < 0 {
						nearTie = j
					}
				}

				req := engine.Request{
					Prompt: r.PromptTokens, MaxTokens: len(r.Tokens), IgnoreEOS: true,
					Sample: sample.Params{Temperature: 0},
				}
				res, err := e.Generate(context.Background(), req, nil)
				if err != nil {
					t.Fatal(err)
				}
				upto := len(r.Tokens)
				if nearTie >= 0 {
					upto = nearTie
				}
				if !slices.Equal(res.Tokens[:upto], r.Tokens[:upto]) {
					t.Errorf("%q: greedy tokens %v, llama.cpp %v (equal up to the first near-tie, step %d)", r.Prompt, res.Tokens, r.Tokens, upto)
				}
				want, err := c.Generate(context.Background(), req, nil)
				if err != nil {
					t.Fatal(err)
				}
				// Equal up to the CPU backend's first near-tie, by the rule above.
				upto = len(want.Tokens)
				err = c.Logits(append(slices.Clone(r.PromptTokens), want.Tokens[:len(want.Tokens)-1]...), func(pos int, logits []float32) {
					if j := pos - first; j >= 0 && j < upto && nearTied(logits, 2*cpuTol) {
						upto = j
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(res.Tokens[:upto], want.Tokens[:upto]) {
					t.Errorf("%q: greedy tokens %v, cpu backend %v (equal up to its first near-tie, step %d)", r.Prompt, res.Tokens, want.Tokens, upto)
				}
				cpuSteps += upto
			}
			st := e.Backend.(*gomlx.Backend).Stats()
			t.Logf("%s on %s: max relative logit error %.3g (%.3g from the cpu backend's); greedy ids equal to the cpu backend's at %d steps checked; %d computations compiled in %v, %d runs",
				model, e.Backend.(*gomlx.Backend).Engine(), worst, vsCPU, cpuSteps, st.Compiles, st.CompileTime, st.Runs)
		})
	}
}

// TestDecodingDoesNotRecompile checks that decoding token after token runs
// one compiled computation: the decode step's shape does not depend on the
// position or on how full the cache is.
func TestDecodingDoesNotRecompile(t *testing.T) {
	_, path := loadReference(t, "parity-llama-F16")
	e, err := engine.Load(path, engine.Options{Backend: "gomlx", Context: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	b := e.Backend.(*gomlx.Backend)
	if _, err := e.Eval([]int32{1, 2, 3}, 0); err != nil { // a prompt: 3 tokens, bucket 8
		t.Fatal(err)
	}
	if _, err := e.Eval([]int32{4}, 3); err != nil {
		t.Fatal(err)
	}
	before := b.Stats()
	for pos := 4; pos < 60; pos++ {
		if _, err := e.Eval([]int32{int32(pos)}, pos); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Eval([]int32{5, 6, 7, 8, 9}, 60); err == nil { // 5 tokens, bucket 8 again; only 4 slots left
		t.Error("5 tokens fit in 4 free slots")
	}
	after := b.Stats()
	if after.Compiles != before.Compiles || after.Runs != before.Runs+56 {
		t.Errorf("56 decode steps: %d compilations (want 0), %d runs (want 56)", after.Compiles-before.Compiles, after.Runs-before.Runs)
	}
}

// nearTied reports whether the two largest logits differ by at most rel
// times the largest's magnitude.
func nearTied(logits []float32, rel float64) bool {
	best := argmax(logits)
	second := float32(math.Inf(-1))
	for i, v := range logits {
		if int32(i) != best && v > second {
			second = v
		}
	}
	return float64(logits[best]-second) <= rel*math.Abs(float64(logits[best]))
}

func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}
