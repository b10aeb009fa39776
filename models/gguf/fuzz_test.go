package gguf

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"sovra/kernels/quant"
)

var writeSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite the committed seed corpus in testdata/fuzz/FuzzParse")

// fuzzSeeds returns small valid files and a few truncations of them.
func fuzzSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{"sample": sampleFile(t)}

	w := NewWriter()
	mustAddKV(t, w, "general.architecture", "llama")
	mustAddKV(t, w, AlignmentKey, uint32(64))
	mustAddKV(t, w, "tokenizer.ggml.tokens", []string{"<unk>", "<s>", "</s>", "▁a", "b"})
	mustAddKV(t, w, "tokenizer.ggml.scores", []float32{0, 0, 0, -1, -2})
	mustAddKV(t, w, "nested", [][][]int16{{{1, -2}, {}}, {{3}}})
	mustAddKV(t, w, "flags", []bool{true, false})
	mustAddTensor(t, w, "a", quant.Q8_0, []uint64{32, 2}, make([]byte, 2*34))
	mustAddTensor(t, w, "b", quant.I8, []uint64{3, 1, 1, 2}, []byte{1, 2, 3, 4, 5, 6})
	seeds["aligned64"] = encode(t, w)

	w = NewWriter()
	mustAddKV(t, w, "k", uint8(1))
	seeds["minimal"] = encode(t, w)

	// A regression: on 32-bit platforms this element type once passed as
	// known and divided by zero.
	seeds["elem-type-max"] = header(0, 1).kv("k", TypeArray).u32(math.MaxUint32).u64(0)

	sample := seeds["sample"]
	seeds["truncated-metadata"] = sample[:len(sample)/3]
	seeds["truncated-data"] = sample[:len(sample)-40]
	return seeds
}

// TestWriteFuzzSeeds rewrites the committed seed corpus when run with
// -write-fuzz-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzParse")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range fuzzSeeds(t) {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParse checks that Parse never panics, that every error wraps one
// sentinel, that a parsed file's tensor data lies inside the input, and that
// writing a parsed file and parsing it again is stable.
func FuzzParse(f *testing.F) {
	for _, data := range fuzzSeeds(f) {
		f.Add(data)
		for _, n := range []int{4, 8, 24, 40, len(data) / 2} {
			f.Add(data[:min(n, len(data))])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			checkOneKind(t, err)
			return
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		for i := range file.Tensors {
			ti := &file.Tensors[i]
			d := file.TensorData(ti)
			if uint64(len(d)) != ti.Size || len(d) != cap(d) {
				t.Fatalf("tensor %q: TensorData has len %d cap %d, Size %d", ti.Name, len(d), cap(d), ti.Size)
			}
			p := uintptr(unsafe.Pointer(unsafe.SliceData(d)))
			if p < base || p-base+uintptr(len(d)) > uintptr(len(data)) {
				t.Fatalf("tensor %q: data at %d..+%d is outside the %d-byte input", ti.Name, p-base, len(d), len(data))
			}
		}
		for _, kv := range file.KVs {
			_ = kv.Value.String()
		}
		once := rewrite(t, file)
		again, err := Parse(once)
		if err != nil {
			t.Fatalf("parsing a rewritten file: %v", err)
		}
		if twice := rewrite(t, again); !bytes.Equal(once, twice) {
			t.Fatalf("rewriting a rewritten file changed it")
		}
	})
}

// rewrite writes f's metadata and tensors through a Writer.
func rewrite(t *testing.T, f *File) []byte {
	w := NewWriter()
	for _, kv := range f.KVs {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatalf("Writer refuses what Parse accepted: %v", err)
		}
	}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		if err := w.AddTensor(ti.Name, ti.Type, ti.Dims, f.TensorData(ti)); err != nil {
			t.Fatalf("Writer refuses what Parse accepted: %v", err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
