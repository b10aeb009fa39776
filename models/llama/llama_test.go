package llama_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"sovra/backends/cpu"
	"sovra/kernels/quant"
	"sovra/models"
	"sovra/models/gguf"
	_ "sovra/models/llama"
)

const parityModel = "../../../shared/models/parity-llama-Q8_0.gguf"

// rewrite copies the shared parity model through gguf.Writer, letting edit
// change a metadata value (return the new value, or nil to drop the key) or a
// tensor (return false to drop it; rename by changing *name).
// extra, if not nil, may add more.
func rewrite(t *testing.T, kv func(key string, v gguf.Value) any, tensor func(name *string, dims []uint64) bool, extra func(*gguf.Writer) error) *gguf.File {
	t.Helper()
	src, err := gguf.Open(parityModel)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found (../shared is not beside the checkout)", parityModel)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w := gguf.NewWriter()
	for _, e := range src.KVs {
		var v any = e.Value
		if kv != nil {
			v = kv(e.Key, e.Value)
		}
		if v == nil {
			continue
		}
		if err := w.AddKV(e.Key, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range src.Tensors {
		ti := &src.Tensors[i]
		name, dims := ti.Name, append([]uint64(nil), ti.Dims...)
		if tensor != nil && !tensor(&name, dims) {
			continue
		}
		if err := w.AddTensor(name, ti.Type, dims, src.TensorData(ti)); err != nil {
			t.Fatal(err)
		}
	}
	if extra != nil {
		if err := extra(w); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name   string
		kv     func(string, gguf.Value) any
		tensor func(*string, []uint64) bool
		want   string
	}{
		{"unchanged", nil, nil, ""},
		{
			name: "unsupported architecture",
			kv: func(k string, v gguf.Value) any {
				if k == "general.architecture" {
					return "mamba"
				}
				return v
			},
			want: `"mamba": unsupported architecture (supported: llama`,
		},
		{
			name:   "missing tensor",
			tensor: func(n *string, _ []uint64) bool { return *n != "blk.1.ffn_up.weight" },
			want:   `missing tensor "blk.1.ffn_up.weight"`,
		},
		{
			name: "renamed tensor",
			tensor: func(n *string, _ []uint64) bool {
				if *n == "blk.0.attn_q.weight" {
					*n = "blk.9.attn_q.weight"
				}
				return true
			},
			want: `missing tensor "blk.0.attn_q.weight"`,
		},
		{
			name: "wrong head count",
			kv: func(k string, v gguf.Value) any {
				if k == "llama.attention.head_count_kv" {
					return uint32(3)
				}
				return v
			},
			want: "8 heads do not divide into 3 KV heads",
		},
		{
			name: "missing hyperparameter",
			kv: func(k string, v gguf.Value) any {
				if k == "llama.block_count" {
					return nil
				}
				return v
			},
			want: "missing llama.block_count",
		},
		{
			name: "wrong width",
			kv: func(k string, v gguf.Value) any {
				if k == "llama.feed_forward_length" {
					return uint32(100)
				}
				return v
			},
			want: `tensor "blk.0.ffn_gate.weight" has shape [352, 128], want [100, 128]`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := rewrite(t, c.kv, c.tensor, nil)
			_, err := models.Load(f, cpu.New(1))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestUnusedTensorIsAnError(t *testing.T) {
	f := rewrite(t, nil, nil, func(w *gguf.Writer) error {
		return w.AddTensor("blk.0.attn_rot_embd", quant.F32, []uint64{4}, make([]byte, 16))
	})
	_, err := models.Load(f, cpu.New(1))
	if err == nil || !strings.Contains(err.Error(), `1 tensors not used by the architecture, first "blk.0.attn_rot_embd"`) {
		t.Fatalf("error %v, want an unused-tensor error", err)
	}
}
