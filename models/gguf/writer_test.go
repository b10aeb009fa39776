package gguf

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"sovra/kernels/quant"
)

// TestAddTensorFunc checks that tensors produced during WriteTo give the
// same file as the same data added up front, that each fill gets a zeroed
// buffer of exactly its tensor's size (also after a larger tensor), and that
// fill runs only when WriteTo reaches its tensor.
func TestAddTensorFunc(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	type tensor struct {
		name string
		typ  quant.Type
		dims []uint64
		data []byte
	}
	tensors := []tensor{
		{"big", quant.F32, []uint64{64, 8}, nil},
		{"plain", quant.Q8_0, []uint64{64, 2}, nil},
		{"small", quant.F16, []uint64{3}, nil},
		{"k", quant.Q4_K, []uint64{256, 2}, nil},
	}
	for i := range tensors {
		tensors[i].data = randomData(rng, tensors[i].typ, tensors[i].dims)
	}

	want := NewWriter()
	mustAddKV(t, want, "general.architecture", "test")
	for _, tt := range tensors {
		mustAddTensor(t, want, tt.name, tt.typ, tt.dims, tt.data)
	}

	w := NewWriter()
	mustAddKV(t, w, "general.architecture", "test")
	var calls []string
	for _, tt := range tensors {
		if tt.name == "plain" {
			mustAddTensor(t, w, tt.name, tt.typ, tt.dims, tt.data)
			continue
		}
		err := w.AddTensorFunc(tt.name, tt.typ, tt.dims, func(dst []byte) error {
			calls = append(calls, tt.name)
			if len(dst) != len(tt.data) {
				t.Errorf("%s: fill got %d bytes, want %d", tt.name, len(dst), len(tt.data))
			}
			for i, b := range dst {
				if b != 0 {
					t.Errorf("%s: fill buffer not zeroed at %d", tt.name, i)
					break
				}
			}
			copy(dst, tt.data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(calls) != 0 {
		t.Fatalf("fill called before WriteTo: %v", calls)
	}
	got := encode(t, w)
	if !bytes.Equal(got, encode(t, want)) {
		t.Error("file written with AddTensorFunc differs from the one written with AddTensor")
	}
	if strings.Join(calls, ",") != "big,small,k" {
		t.Errorf("fill calls %v, want big, small, k in order", calls)
	}
	f, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tensors {
		ti, ok := f.Tensor(tt.name)
		if !ok || !bytes.Equal(f.TensorData(ti), tt.data) {
			t.Errorf("%s: data does not round-trip", tt.name)
		}
	}
}

func TestAddTensorFuncErrors(t *testing.T) {
	w := NewWriter()
	if err := w.AddTensorFunc("a", quant.F32, []uint64{4}, nil); err == nil {
		t.Error("nil fill accepted")
	}
	fill := func(dst []byte) error { return nil }
	if err := w.AddTensorFunc("a", quant.Q8_0, []uint64{31}, fill); err == nil {
		t.Error("31 elements of Q8_0 accepted")
	}
	if err := w.AddTensorFunc("a", quant.F32, []uint64{4}, fill); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensorFunc("a", quant.F32, []uint64{4}, fill); err == nil {
		t.Error("duplicate name accepted")
	}
	if err := w.AddTensor("a", quant.F32, []uint64{1}, make([]byte, 4)); err == nil {
		t.Error("duplicate name accepted by AddTensor")
	}

	// A fill error stops WriteTo, names the tensor and wraps the cause.
	boom := errors.New("boom")
	w = NewWriter()
	next := false
	if err := w.AddTensorFunc("bad", quant.F32, []uint64{4}, func([]byte) error { return boom }); err != nil {
		t.Fatal(err)
	}
	if err := w.AddTensorFunc("next", quant.F32, []uint64{4}, func([]byte) error { next = true; return nil }); err != nil {
		t.Fatal(err)
	}
	_, err := w.WriteTo(io.Discard)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("WriteTo error = %v, want one naming \"bad\" and wrapping boom", err)
	}
	if next {
		t.Error("fill of the next tensor ran after an error")
	}
}
