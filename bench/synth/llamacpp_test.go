package synth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sovra/bench/llamacpp"
	"sovra/models/gguf"
)

// TestLlamaCppLoads runs llama.cpp's llama-bench (pp8 + tg4, one repetition,
// one thread) on tiny synthetic files, which checks that llama.cpp accepts
// their metadata, tensors and types and reads the file type and parameter
// count we mean.
func TestLlamaCppLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("runs llama-bench: skipped in -short mode")
	}
	if os.Getenv("SOVRA_NO_LLAMA_BENCH") != "" {
		t.Skip("SOVRA_NO_LLAMA_BENCH is set: not building or running llama-bench")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b, err := llamacpp.Find(ctx, llamacpp.Options{})
	if errors.Is(err, llamacpp.ErrMissingTool) || errors.Is(err, llamacpp.ErrUnsupportedPlatform) {
		t.Skipf("no llama-bench: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ typ, modelType string }{
		{"q4_0", "llama ?B Q4_0"},
		{"q8_0", "llama ?B Q8_0"},
		{"f16", "llama ?B F16"},
		{"q4_k_m", "llama ?B Q4_K - Medium"},
	} {
		r, err := b.Run(ctx, llamacpp.Test{Model: tinyFile(t, c.typ), Prompt: 8, Gen: 4, Reps: 1, Threads: 1})
		if err != nil {
			t.Errorf("%s: %v", c.typ, err)
			continue
		}
		t.Logf("%s: %s, %d bytes, %d params, pp8+tg4 %.0f tokens/s", c.typ, r.ModelType, r.ModelSize, r.ModelParams, r.AvgTS)
		if r.ModelType != c.modelType {
			t.Errorf("%s: llama.cpp reads model type %q, want %q", c.typ, r.ModelType, c.modelType)
		}
		if r.ModelParams != testShape.Params() {
			t.Errorf("%s: llama.cpp counts %d parameters, want %d", c.typ, r.ModelParams, testShape.Params())
		}
		if !(r.AvgTS > 0) {
			t.Errorf("%s: %g tokens/s", c.typ, r.AvgTS)
		}
	}

	// A Llama 3.2 layout (tied embeddings, rope_freqs) with the Llama 3
	// vocabulary of 128256 tokens as the donor.
	donorPath := filepath.Join("..", "..", "..", "shared", "models", "llama3.2-vocab.gguf")
	donor, err := gguf.Open(donorPath)
	if err != nil {
		t.Skipf("no Llama 3 vocabulary: %v", err)
	}
	defer donor.Close()
	s := Shapes["llama-3.2-1b"]
	s.Name, s.Dim, s.FFN, s.Layers, s.Heads, s.KVHeads = "llama3-tiny", 256, 512, 2, 4, 2
	path := filepath.Join(t.TempDir(), "llama3.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write(f, Options{Shape: s, Type: "q4_k_m", Seed: 1, Tokenizer: donor}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := b.Run(ctx, llamacpp.Test{Model: path, Prompt: 8, Gen: 4, Reps: 1, Threads: 1})
	if err != nil {
		t.Fatalf("llama 3 layout: %v", err)
	}
	t.Logf("llama 3 layout: %s, %d bytes, %d params, pp8+tg4 %.0f tokens/s", r.ModelType, r.ModelSize, r.ModelParams, r.AvgTS)
	if r.ModelParams != s.Params() {
		t.Errorf("llama 3 layout: llama.cpp counts %d parameters, want %d", r.ModelParams, s.Params())
	}
}
