package engine_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "sovra/backends/cpu"
	_ "sovra/models/all"
	"sovra/runtime/engine"
	"sovra/runtime/sample"
)

// The references were produced by llama.cpp on the shared models; their
// README says how to compare with them, which is what these tests do.
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

// tolerances relative to |llama.cpp's top-1 logit|, per weight type, from
// shared/reference/README.md.
var tolerances = map[string]float64{
	"llama-2-tiny-random":  3e-3,
	"parity-llama-F32":     1e-3,
	"parity-llama-F16":     3e-3,
	"parity-llama-Q8_0":    3e-2,
	"parity-llama-Q4_0":    4e-2,
	"parity-llama3-Q8_0":   3e-2,
	"parity-kquant-Q4_1":   4e-2,
	"parity-kquant-Q5_0":   4e-2,
	"parity-kquant-Q2_K":   5e-2,
	"parity-kquant-Q4_K_M": 5e-2,
	"parity-kquant-Q5_K_M": 5e-2,
	"parity-kquant-Q3_K_M": 6e-2,
	"parity-kquant-Q6_K":   6e-2,
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

func TestParityWithLlamaCpp(t *testing.T) {
	for model, tol := range tolerances {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			ref, path := loadReference(t, model)
			e, err := engine.Load(path, engine.Options{Context: 256})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			var worst, sum float64
			var count, argmaxChecked int
			for _, r := range ref.Results {
				// Teacher forcing on llama.cpp's own sequence.
				seq := append(append([]int32{}, r.PromptTokens...), r.Tokens[:len(r.Tokens)-1]...)
				first := len(r.PromptTokens) - 1
				var ours [][]float32
				err := e.Logits(seq, func(pos int, logits []float32) {
					if pos >= first {
						ours = append(ours, append([]float32(nil), logits...))
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
						sum += diff
						count++
						if diff > tol {
							t.Errorf("%q step %d: logit of %d is %g, llama.cpp %g (relative error %.2g > %.2g)",
								r.Prompt, j, s.ID, ours[j][s.ID], s.Logit, diff, tol)
						}
					}
					if float64(top[0].Logit-top[1].Logit) > 2*tol*scale {
						argmaxChecked++
						if got := argmax(ours[j]); got != top[0].ID {
							t.Errorf("%q step %d: argmax %d, llama.cpp %d", r.Prompt, j, got, top[0].ID)
						}
					} else if nearTie < 0 {
						nearTie = j
					}
				}

				// Free-running greedy generation, equal up to the first near-tie.
				res, err := e.Generate(context.Background(), engine.Request{
					Prompt: r.PromptTokens, MaxTokens: len(r.Tokens), IgnoreEOS: true,
					Sample: sample.Params{Temperature: 0},
				}, nil)
				if err != nil {
					t.Fatal(err)
				}
				upto := len(r.Tokens)
				if nearTie >= 0 {
					upto = nearTie
				}
				for j := range upto {
					if res.Tokens[j] != r.Tokens[j] {
						t.Errorf("%q: greedy token %d is %d, llama.cpp %d", r.Prompt, j, res.Tokens[j], r.Tokens[j])
						break
					}
				}
			}
			t.Logf("%s: max relative logit error %.3g, mean %.3g over %d logits; argmax checked at %d steps", model, worst, sum/float64(count), count, argmaxChecked)
		})
	}
}

// TestIncrementalMatchesBatch checks that decoding token by token gives what
// one causal pass over the same ids gives: the generated tokens are the
// argmax of the teacher-forced logits wherever those are not a near-tie.
func TestIncrementalMatchesBatch(t *testing.T) {
	for _, model := range []string{"parity-llama-F32", "parity-llama-F16", "parity-llama-Q4_0", "parity-kquant-Q4_K_M"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			_, path := loadReference(t, model)
			// A small prefill batch also makes the prompt span several steps.
			e, err := engine.Load(path, engine.Options{Context: 128, Batch: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			prompt := e.Tokenize("In 1805, the speaker was the well-known Anna Pavlovna Scherer")
			res, err := e.Generate(context.Background(), engine.Request{
				Prompt: prompt, MaxTokens: 40, IgnoreEOS: true,
				Sample: sample.Params{Temperature: 0},
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			seq := append(append([]int32{}, prompt...), res.Tokens[:len(res.Tokens)-1]...)
			err = e.Logits(seq, func(pos int, logits []float32) {
				j := pos - (len(prompt) - 1)
				if j < 0 {
					return
				}
				best := argmax(logits)
				if best != res.Tokens[j] && logits[best]-logits[res.Tokens[j]] > 1e-4*float32(math.Abs(float64(logits[best]))) {
					t.Errorf("step %d: decoded %d, batch pass argmax %d (logits %g vs %g)", j, res.Tokens[j], best, logits[res.Tokens[j]], logits[best])
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
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

func TestContextOverflow(t *testing.T) {
	_, path := loadReference(t, "parity-llama-Q8_0")
	e, err := engine.Load(path, engine.Options{Context: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	long := e.Tokenize(strings.Repeat("hello ", 20))
	_, err = e.Generate(context.Background(), engine.Request{Prompt: long, MaxTokens: 4}, nil)
	if err == nil || !strings.Contains(err.Error(), "context") {
		t.Fatalf("prompt of %d tokens in a context of 8: err = %v", len(long), err)
	}
	// A prompt that fits stops with "length" when the context fills up.
	res, err := e.Generate(context.Background(), engine.Request{Prompt: long[:6], MaxTokens: 100, IgnoreEOS: true, Sample: sample.Params{Temperature: 0}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Finish != "length" || len(res.PromptTokens)+len(res.Tokens) > 8+1 {
		t.Errorf("finish %q after %d tokens in a context of 8", res.Finish, len(res.PromptTokens)+len(res.Tokens))
	}
}
