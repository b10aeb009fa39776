package bench

import (
	"fmt"
	"strings"

	"sovra/kernels/quant"
	"sovra/models/gguf"
)

// Weights summarizes a model file's tensors as the bench reports them.
type Weights struct {
	// Size is the bytes of all tensors (llama-bench's model_size).
	Size int64
	// Params is the elements of all tensors (llama-bench's model_n_params).
	Params int64
	// PerToken is the bytes of weights read to decode one token: every tensor
	// once, except token_embd, of which one row is read, unless the embedding
	// is tied (the file has no output.weight) and so is read whole as the
	// output matrix.
	PerToken int64
	// Tied reports a tied embedding.
	Tied bool
}

// WeightsOf sums the tensor table of f.
func WeightsOf(f *gguf.File) Weights {
	var w Weights
	for i := range f.Tensors {
		t := &f.Tensors[i]
		w.Size += int64(t.Size)
		w.Params += int64(t.Elements())
	}
	w.PerToken = w.Size
	_, hasOutput := f.Tensor("output.weight")
	w.Tied = !hasOutput
	if e, ok := f.Tensor("token_embd.weight"); ok && !w.Tied {
		rows := e.Elements() / e.Dims[0]
		w.PerToken -= int64(e.Size - e.Size/rows)
	}
	return w
}

// fileTypes names llama.cpp's file types (general.file_type) as llama.cpp
// prints them in model_type.
var fileTypes = map[uint64]string{
	0: "all F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K - Medium", 11: "Q3_K - Small", 12: "Q3_K - Medium", 13: "Q3_K - Large",
	14: "Q4_K - Small", 15: "Q4_K - Medium", 16: "Q5_K - Small", 17: "Q5_K - Medium",
	18: "Q6_K", 21: "Q2_K - Small", 32: "BF16",
}

// ModelType describes f as llama-bench's model_type does: architecture, size
// and file type, such as "llama 1.1B Q4_0". The size is general.size_label
// when the file has one, else the parameter count rounded.
func ModelType(f *gguf.File) string {
	arch, ok := f.String("general.architecture")
	if !ok {
		arch = "?"
	}
	size, ok := f.String("general.size_label")
	if !ok || size == "" {
		size = paramsLabel(WeightsOf(f).Params)
	}
	ft, ok := f.Uint("general.file_type")
	name, known := fileTypes[ft]
	if !ok || !known {
		name = strings.ToUpper(dominantType(f).String())
	}
	return arch + " " + size + " " + name
}

// paramsLabel rounds a parameter count: "8.7M", "1.1B".
func paramsLabel(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
}

// dominantType is the tensor type holding the most bytes.
func dominantType(f *gguf.File) quant.Type {
	bytes := map[quant.Type]uint64{}
	best := quant.F32
	for _, t := range f.Tensors {
		bytes[t.Type] += t.Size
		if bytes[t.Type] > bytes[best] {
			best = t.Type
		}
	}
	return best
}
