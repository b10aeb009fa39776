package bench

import (
	"os"
	"path/filepath"
	"testing"

	"sovra/models/gguf"
)

const sharedModels = "../../shared/models"

// openShared opens a model of ../shared/models or skips.
func openShared(t *testing.T, name string) *gguf.File {
	t.Helper()
	p := sharedModel(t, name)
	f, err := gguf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sharedModel(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedModels, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found (../shared is not beside the checkout)", p)
	}
	return p
}

func TestWeightsUntied(t *testing.T) {
	f := openShared(t, "parity-llama-Q4_0.gguf")
	w := WeightsOf(f)
	// The tensor table (sovra inspect): token_embd Q4_0 [128, 32000] is
	// 32000 rows × 128/32 blocks × 18 bytes = 2304000 bytes; output.weight
	// is there, so the embedding is untied. Each of the three layers holds
	// two F32 norms of 512 bytes, q and attn_output of 9216, k and v of 2304
	// and three FFN matrices of 25344: 100096 bytes. With output_norm (512)
	// and output (2304000) the file holds 4908800 bytes of tensors.
	const embd, layer, norm, output = 2304000, 2*512 + 2*9216 + 2*2304 + 3*25344, 512, 2304000
	if size := int64(embd + 3*layer + norm + output); w.Size != size || size != 4908800 {
		t.Errorf("size %d, hand sum %d, llama-bench's model_size 4908800", w.Size, size)
	}
	if w.Params != 8721280 { // llama-bench's model_n_params
		t.Errorf("params %d, want 8721280", w.Params)
	}
	if w.Tied {
		t.Error("untied embedding reported tied")
	}
	// One row of the embedding: 4 blocks × 18 bytes = 72.
	if want := int64(4908800 - embd + 72); w.PerToken != want {
		t.Errorf("bytes per token %d, want %d", w.PerToken, want)
	}
	if mt := ModelType(f); mt != "llama 8.7M Q4_0" {
		t.Errorf("model type %q", mt)
	}
}

func TestWeightsTied(t *testing.T) {
	f := openShared(t, "parity-kquant-Q4_K_M.gguf")
	w := WeightsOf(f)
	if _, ok := f.Tensor("output.weight"); ok {
		t.Fatal("the file has output.weight: pick a tied model")
	}
	var sum int64
	for _, ti := range f.Tensors {
		sum += int64(ti.Size)
	}
	// Tied: token_embd is read whole, as the output matrix, so every byte
	// of the file's tensors is read per token.
	if !w.Tied || w.Size != sum || w.PerToken != sum || sum != 7627904 {
		t.Errorf("tied %v, size %d, per token %d; want tied, 7627904 both (sum %d)", w.Tied, w.Size, w.PerToken, sum)
	}
	if mt := ModelType(f); mt != "llama 9.7M Q4_K - Medium" {
		t.Errorf("model type %q", mt)
	}
}
