package synth

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"sovra/backends"
	_ "sovra/backends/cpu"
	"sovra/kernels/quant"
	"sovra/models"
	_ "sovra/models/all"
	"sovra/models/gguf"
	"sovra/runtime/engine"
	"sovra/seeds"
)

// testShape is the tiny shape the tests write in every type: rows of 256
// and 512 elements, so no K-quant falls back.
var testShape = Shape{
	Name: "test", Dim: 256, FFN: 512, Layers: 2, Heads: 4, KVHeads: 2,
	Vocab: 32000, Context: 512, RopeBase: 10000, NormEps: 1e-5,
}

func seedDonor(t testing.TB) *gguf.File {
	t.Helper()
	f, err := gguf.Parse(seeds.Default)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The files of testShape, written once per type for all tests.
var (
	filesMu  sync.Mutex
	filesDir string
	files    = map[string]string{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "synth-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	filesDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tinyFile returns the path of testShape written in type typ with seed 1.
func tinyFile(t *testing.T, typ string) string {
	t.Helper()
	filesMu.Lock()
	defer filesMu.Unlock()
	if p, ok := files[typ]; ok {
		return p
	}
	p := filepath.Join(filesDir, "test-"+typ+".gguf")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write(f, Options{Shape: testShape, Type: typ, Seed: 1, Tokenizer: seedDonor(t)}); err != nil {
		t.Fatalf("Write %s: %v", typ, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	files[typ] = p
	return p
}

// TestEveryType writes testShape in every type and checks that the file
// round-trips through the GGUF reader with the requested keys, types and
// dims, loads with models.Load on the CPU backend, and gives finite, varied
// logits through the engine.
func TestEveryType(t *testing.T) {
	donor := seedDonor(t)
	for _, typ := range Types() {
		t.Run(typ, func(t *testing.T) {
			path := tinyFile(t, typ)
			f, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			checkKeys(t, f, donor, typ)
			plan, err := Plan(Options{Shape: testShape, Type: typ, Tokenizer: donor})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Tensors) != len(plan) {
				t.Fatalf("%d tensors, want %d", len(f.Tensors), len(plan))
			}
			for i, want := range plan {
				got := f.Tensors[i]
				if got.Name != want.Name || got.Type != want.Type || !slices.Equal(got.Dims, want.Dims) {
					t.Errorf("tensor %d: %s %v %v, want %s %v %v", i, got.Name, got.Type, got.Dims, want.Name, want.Type, want.Dims)
				}
			}

			be, err := backends.Open("cpu", 2)
			if err != nil {
				t.Fatal(err)
			}
			m, err := models.Load(f, be)
			if err != nil {
				t.Fatalf("models.Load: %v", err)
			}
			if c := m.Config(); c.Dim != testShape.Dim || c.Layers != testShape.Layers || c.Vocab != testShape.Vocab {
				t.Errorf("config %+v", *c)
			}
			be.Close()

			g, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := engine.LoadFile(g, engine.Options{Threads: 2, Context: 64})
			if err != nil {
				t.Fatalf("engine.LoadFile: %v", err)
			}
			defer e.Close()
			checkLogits(t, e)
		})
	}
}

func checkKeys(t *testing.T, f *gguf.File, donor *gguf.File, typ string) {
	t.Helper()
	if a, _ := f.String("general.architecture"); a != "llama" {
		t.Errorf("general.architecture %q", a)
	}
	if n, _ := f.String("general.name"); n != "synth-test" {
		t.Errorf("general.name %q", n)
	}
	ftype, _ := FileType(typ)
	for key, want := range map[string]uint64{
		"general.file_type":             uint64(ftype),
		"llama.vocab_size":              32000,
		"llama.context_length":          512,
		"llama.embedding_length":        256,
		"llama.block_count":             2,
		"llama.feed_forward_length":     512,
		"llama.rope.dimension_count":    64,
		"llama.attention.head_count":    4,
		"llama.attention.head_count_kv": 2,
	} {
		v, ok := f.Get(key)
		if got, _ := v.Uint(); !ok || v.Type() != gguf.TypeUint32 || got != want {
			t.Errorf("%s = %v (%v), want uint32 %d", key, v, v.Type(), want)
		}
	}
	for key, want := range map[string]float64{
		"llama.attention.layer_norm_rms_epsilon": 1e-5,
		"llama.rope.freq_base":                   10000,
	} {
		v, ok := f.Get(key)
		if got, _ := v.Float(); !ok || v.Type() != gguf.TypeFloat32 || float32(got) != float32(want) {
			t.Errorf("%s = %v (%v), want float32 %g", key, v, v.Type(), want)
		}
	}
	n := 0
	for _, kv := range donor.KVs {
		if !strings.HasPrefix(kv.Key, "tokenizer.") {
			continue
		}
		n++
		v, ok := f.Get(kv.Key)
		if !ok || v.String() != kv.Value.String() || v.Type() != kv.Value.Type() || v.Len() != kv.Value.Len() {
			t.Errorf("%s not copied from the donor", kv.Key)
		}
	}
	if n < 5 {
		t.Errorf("the donor has only %d tokenizer keys", n)
	}
}

// checkLogits evaluates a few tokens and checks the logits are finite and
// not all equal.
func checkLogits(t *testing.T, e *engine.Engine) {
	t.Helper()
	logits, err := e.Eval([]int32{1, 450, 4996, 17354}, 0)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("logit %d is %g", i, v)
		}
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	if !(hi-lo > 0.1) || hi-lo > 100 {
		t.Errorf("logits span %g..%g", lo, hi)
	}
}

// TestDeterministic checks that a seed gives the same bytes whatever the
// number of threads, and that another seed changes the values.
func TestDeterministic(t *testing.T) {
	shape := testShape
	shape.Vocab = 1000
	write := func(seed uint64, threads int) []byte {
		var b bytes.Buffer
		if err := Write(&b, Options{Shape: shape, Type: "q4_k_m", Seed: seed, Threads: threads}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a := write(7, 1)
	if !bytes.Equal(a, write(7, 3)) {
		t.Error("seed 7 gives different bytes with 1 and 3 threads")
	}
	if !bytes.Equal(a, write(7, 0)) {
		t.Error("seed 7 gives different bytes on a second run")
	}
	if bytes.Equal(a, write(8, 0)) {
		t.Error("seeds 7 and 8 give the same bytes")
	}
}

// TestTypesHoldSameValues dequantizes tensors of the f32 file and of
// quantized files and compares them within each type's quantization error.
func TestTypesHoldSameValues(t *testing.T) {
	ref := openTensors(t, tinyFile(t, "f32"))
	defer ref.Close()
	for _, c := range []struct {
		typ      string
		maxNMSE  float64
		perBlock bool // check the Q8_0 per-block bound
	}{
		{"q8_0", 1e-4, true},
		{"f16", 1e-6, false},
		{"bf16", 1e-4, false},
		{"q6_k", 1e-3, false},
		{"q5_k", 3e-3, false},
		{"q4_0", 2e-2, false},
		{"q4_k_m", 2e-2, false},
	} {
		f := openTensors(t, tinyFile(t, c.typ))
		for _, name := range []string{"token_embd.weight", "blk.1.attn_v.weight", "blk.0.ffn_down.weight", "output.weight", "blk.1.ffn_norm.weight"} {
			want := dequant(t, ref, name)
			got := dequant(t, f, name)
			var num, den float64
			for i := range want {
				d := float64(got[i]) - float64(want[i])
				num += d * d
				den += float64(want[i]) * float64(want[i])
			}
			if nmse := num / den; nmse > c.maxNMSE {
				t.Errorf("%s %s: normalized squared error %.3g > %g", c.typ, name, nmse, c.maxNMSE)
			}
			if c.perBlock {
				for b := 0; b < len(want); b += quant.QK {
					var amax float64
					for _, v := range want[b : b+quant.QK] {
						amax = max(amax, math.Abs(float64(v)))
					}
					// Half a step, plus up to 127 times the f16 rounding
					// of the step (2^-11 relative).
					for i := b; i < b+quant.QK; i++ {
						if e := math.Abs(float64(got[i]) - float64(want[i])); e > amax/127*(0.5+127.0/2048)*1.001 {
							t.Fatalf("%s %s element %d: %g vs %g, more than half a step (%g)", c.typ, name, i, got[i], want[i], amax/127)
						}
					}
				}
			}
		}
		f.Close()
	}
}

func openTensors(t *testing.T, path string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func dequant(t *testing.T, f *gguf.File, name string) []float32 {
	t.Helper()
	ti, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("no tensor %s", name)
	}
	x := make([]float32, ti.Elements())
	if err := quant.Dequantize(ti.Type, f.TensorData(ti), x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestValues checks the statistics of the generated weights.
func TestValues(t *testing.T) {
	f := openTensors(t, tinyFile(t, "f32"))
	defer f.Close()
	for _, name := range []string{"blk.0.attn_q.weight", "blk.1.ffn_down.weight", "token_embd.weight"} {
		ti, _ := f.Tensor(name)
		x := dequant(t, f, name)
		var sum, sq float64
		for _, v := range x {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(x))
		mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
		want := 1 / math.Sqrt(float64(ti.Dims[0]))
		if math.Abs(mean) > 0.01*want || math.Abs(std-want) > 0.01*want {
			t.Errorf("%s: mean %g std %g, want 0 and %g", name, mean, std, want)
		}
	}
	for _, v := range dequant(t, f, "blk.0.attn_norm.weight") {
		if v != 1 {
			t.Fatalf("attn_norm value %g, want 1", v)
		}
	}
}

// q4kmWant is the type llama-quantize gives tensor name in a Q4_K_M file of
// an 8-layer model whose rows are multiples of 256: use_more_bits(i, 8)
// holds for layers 0, 3, 6 and 7.
func q4kmWant(name string, tied bool) quant.Type {
	switch {
	case strings.HasSuffix(name, "_norm.weight"):
		return quant.F32
	case name == "output.weight" || (tied && name == "token_embd.weight"):
		return quant.Q6_K
	}
	for _, layer := range []string{"blk.0.", "blk.3.", "blk.6.", "blk.7."} {
		if strings.HasPrefix(name, layer) && (strings.HasSuffix(name, "attn_v.weight") || strings.HasSuffix(name, "ffn_down.weight")) {
			return quant.Q6_K
		}
	}
	return quant.Q4_K
}

func TestQ4KMMix(t *testing.T) {
	for _, tied := range []bool{false, true} {
		s := testShape
		s.Layers, s.Tied = 8, tied
		plan, err := Plan(Options{Shape: s, Type: "q4_k_m"})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != 3+9*8-boolInt(tied) {
			t.Errorf("tied %v: %d tensors", tied, len(plan))
		}
		for _, ts := range plan {
			if want := q4kmWant(ts.Name, tied); ts.Type != want {
				t.Errorf("tied %v: %s is %v, want %v", tied, ts.Name, ts.Type, want)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFallbacks checks the types of tensors whose rows do not fit K-quant
// blocks: 320 elements (a multiple of 32, not of 256) and 200 (neither).
func TestFallbacks(t *testing.T) {
	s := testShape
	s.Dim, s.Heads, s.KVHeads, s.Layers = 320, 5, 1, 8 // heads of 64
	want := map[string]map[string]quant.Type{
		"q4_k_m": {
			"token_embd.weight":        quant.Q5_0, // Q4_K
			"output.weight":            quant.Q8_0, // rows not a multiple of 256
			"blk.0.attn_q.weight":      quant.Q5_0,
			"blk.0.attn_v.weight":      quant.Q8_0, // Q6_K
			"blk.1.attn_v.weight":      quant.Q5_0,
			"blk.0.ffn_down.weight":    quant.Q6_K, // rows of FFN = 512
			"blk.1.ffn_down.weight":    quant.Q4_K,
			"blk.1.attn_output.weight": quant.Q5_0,
		},
		"q5_k": {"blk.0.attn_q.weight": quant.Q5_1, "blk.0.ffn_down.weight": quant.Q5_K},
		"q6_k": {"blk.0.attn_q.weight": quant.Q8_0, "output.weight": quant.Q8_0},
		"q4_0": {"blk.0.attn_q.weight": quant.Q4_0},
	}
	check := func(s Shape, want map[string]map[string]quant.Type) {
		t.Helper()
		for typ, tensors := range want {
			plan, err := Plan(Options{Shape: s, Type: typ})
			if err != nil {
				t.Fatal(err)
			}
			for _, ts := range plan {
				if w, ok := tensors[ts.Name]; ok && ts.Type != w {
					t.Errorf("dim %d %s: %s is %v, want %v", s.Dim, typ, ts.Name, ts.Type, w)
				}
			}
		}
	}
	check(s, want)
	s.Dim, s.Heads, s.KVHeads = 200, 4, 2 // heads of 50
	check(s, map[string]map[string]quant.Type{
		"q4_k_m": {"output.weight": quant.F16, "blk.0.attn_q.weight": quant.F16, "blk.0.ffn_down.weight": quant.Q6_K},
		"q4_0":   {"blk.0.attn_q.weight": quant.F16, "blk.0.ffn_down.weight": quant.Q4_0},
		"f16":    {"blk.0.attn_q.weight": quant.F16},
	})
}

// TestQ4KMMatchesLlamaQuantize compares the mix with a file llama-quantize
// wrote in Q4_K_M (2 layers, tied embeddings).
func TestQ4KMMatchesLlamaQuantize(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "models", "parity-kquant-Q4_K_M.gguf")
	f, err := gguf.Open(path)
	if err != nil {
		t.Skipf("no reference file: %v", err)
	}
	defer f.Close()
	c, err := models.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	_, hasOutput := f.Tensor("output.weight")
	s := Shape{Name: "ref", Dim: c.Dim, FFN: c.FFN, Layers: c.Layers, Heads: c.Heads, KVHeads: c.KVHeads,
		Vocab: c.Vocab, Context: c.ContextLength, RopeBase: c.RopeBase, NormEps: c.NormEps, Tied: !hasOutput}
	plan, err := Plan(Options{Shape: s, Type: "q4_k_m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != len(f.Tensors) {
		t.Errorf("%d tensors, the reference has %d", len(plan), len(f.Tensors))
	}
	if ft, _ := f.Uint("general.file_type"); ft != 15 {
		t.Errorf("reference file type %d", ft)
	}
	for _, ts := range plan {
		ref, ok := f.Tensor(ts.Name)
		if !ok {
			t.Errorf("%s: not in the reference", ts.Name)
			continue
		}
		if ref.Type != ts.Type || !slices.Equal(ref.Dims, ts.Dims) {
			t.Errorf("%s: %v %v, reference %v %v", ts.Name, ts.Type, ts.Dims, ref.Type, ref.Dims)
		}
	}
}

// TestShapes checks the published shapes against the published parameter
// counts.
func TestShapes(t *testing.T) {
	published := map[string]float64{
		"tinyllama-1.1b": 1.10e9,
		"llama-3.2-1b":   1.24e9,
		"llama-3.2-3b":   3.21e9,
		"mistral-7b":     7.24e9,
		"llama-3.1-8b":   8.03e9,
	}
	for name, want := range published {
		s, ok := Shapes[name]
		if !ok {
			t.Errorf("no shape %s", name)
			continue
		}
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
		if s.Name != name {
			t.Errorf("shape %s is named %q", name, s.Name)
		}
		if p := float64(s.Params()); math.Abs(p-want) > 0.01*want {
			t.Errorf("%s: %d parameters, published %.3g", name, s.Params(), want)
		}
		// The Llama 3 shapes, and only they, carry rope factors.
		if (s.Vocab == 128256) != (s.Llama3Rope != nil) {
			t.Errorf("%s: vocabulary %d with llama3 rope %v", name, s.Vocab, s.Llama3Rope)
		}
	}
	if len(Shapes) != len(published) {
		t.Errorf("%d shapes, %d checked", len(Shapes), len(published))
	}
	if got := ShapeNames(); got[0] != "tinyllama-1.1b" || got[len(got)-1] != "llama-3.1-8b" {
		t.Errorf("ShapeNames() = %v", got)
	}
	if err := Tiny.Validate(); err != nil {
		t.Error(err)
	}
	// TinyLlama's count is exact: 1,100,048,384.
	if p := Shapes["tinyllama-1.1b"].Params(); p != 1100048384 {
		t.Errorf("tinyllama-1.1b: %d parameters, want 1100048384", p)
	}
}

// TestRopeFreqs checks the Llama 3 factors: 1 for the highest frequencies,
// the full factor for the lowest, increasing in between.
func TestRopeFreqs(t *testing.T) {
	for _, name := range []string{"llama-3.2-1b", "llama-3.1-8b"} {
		s := Shapes[name]
		f := s.ropeFreqs()
		if len(f) != s.HeadDim()/2 {
			t.Fatalf("%s: %d factors", name, len(f))
		}
		if f[0] != 1 || f[len(f)-1] != s.Llama3Rope.Factor {
			t.Errorf("%s: factors run %g..%g", name, f[0], f[len(f)-1])
		}
		for i := 1; i < len(f); i++ {
			if f[i] < f[i-1] {
				t.Errorf("%s: factor %d = %g < factor %d = %g", name, i, f[i], i-1, f[i-1])
			}
		}
	}
	// The file holds them as F32 and sovra binds them.
	s := testShape
	s.Vocab = 1000
	s.Llama3Rope = &Llama3Rope{Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192}
	s.RopeBase = 500000
	var b bytes.Buffer
	if err := Write(&b, Options{Shape: s, Type: "q8_0"}); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ti, ok := f.Tensor("rope_freqs.weight")
	if !ok || ti.Type != quant.F32 || !slices.Equal(ti.Dims, []uint64{32}) {
		t.Fatalf("rope_freqs.weight: %+v", ti)
	}
	got := dequant(t, f, "rope_freqs.weight")
	if !slices.Equal(got, s.ropeFreqs()) {
		t.Errorf("rope_freqs.weight = %v, want %v", got, s.ropeFreqs())
	}
	be, err := backends.Open("cpu", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	if _, err := models.Load(f, be); err != nil {
		t.Errorf("models.Load: %v", err)
	}
}

func TestErrors(t *testing.T) {
	donor := seedDonor(t)
	bad := testShape
	bad.KVHeads = 3
	llama3 := Shapes["llama-3.2-1b"]
	for _, c := range []struct {
		name string
		o    Options
		want string
		is   error
	}{
		{"type", Options{Shape: testShape, Type: "q3_x"}, `unknown type "q3_x"`, ErrUnknownType},
		{"shape", Options{Shape: bad, Type: "f16"}, "do not divide into 3 kv heads", nil},
		{"zero", Options{Shape: Shape{Name: "z"}, Type: "f16"}, "dim 0 out of range", nil},
		{"vocab", Options{Shape: llama3, Type: "q4_0", Tokenizer: donor}, "the donor has 32000 tokens", ErrVocabMismatch},
		{"donor", Options{Shape: testShape, Type: "q4_0", Tokenizer: &gguf.File{}}, "no tokenizer.ggml.tokens", nil},
	} {
		_, err := Plan(c.o)
		err2 := Write(&bytes.Buffer{}, c.o)
		for _, e := range []error{err, err2} {
			if e == nil || !strings.Contains(e.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.name, e, c.want)
			}
			if c.is != nil && !errors.Is(e, c.is) {
				t.Errorf("%s: error %v does not wrap %v", c.name, e, c.is)
			}
		}
	}
}

func BenchmarkFill(b *testing.B) {
	s := Shapes["tinyllama-1.1b"]
	t := tensorSpec{name: "blk.0.attn_q.weight", dims: []uint64{2048, 2048}, role: roleOther}
	for _, typ := range []quant.Type{quant.F16, quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.Q6_K} {
		b.Run("type="+typ.String(), func(b *testing.B) {
			g := generator{shape: s, t: t, typ: typ, seed: 1, threads: 1}
			size, _ := typ.RowBytes(int(t.elements()))
			dst := make([]byte, size)
			b.SetBytes(4 * t.elements())
			for b.Loop() {
				if err := g.fill(dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
