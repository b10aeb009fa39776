package engine_test

import (
	"testing"

	"sovra/runtime/engine"
)

// decoder loads a shared model and returns a function that decodes one more
// token per call, starting over when the context is nearly full.
func decoder(tb testing.TB, model string) func() {
	tb.Helper()
	path := "../../../shared/models/" + model
	e, err := engine.Load(path, engine.Options{Context: 64})
	if err != nil {
		tb.Skipf("%s: %v", path, err)
	}
	tb.Cleanup(func() { e.Close() })
	tokens := []int32{1}
	pos := 0
	return func() {
		if pos == 63 {
			e.Reset()
			pos = 0
		}
		tokens[0] = int32(100 + pos)
		if _, err := e.Eval(tokens, pos); err != nil {
			tb.Fatal(err)
		}
		pos++
	}
}

func TestDecodeStepAllocatesNothing(t *testing.T) {
	step := decoder(t, "parity-llama-Q4_0.gguf")
	for range 70 { // warm up past one wrap of the context
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("a decode step allocates %.1f times, want 0", n)
	}
}

func BenchmarkDecodeStep(b *testing.B) {
	for _, model := range []string{"parity-llama-Q4_0.gguf", "parity-llama-Q8_0.gguf", "parity-llama-F16.gguf", "parity-kquant-Q4_K_M.gguf"} {
		b.Run("model="+model, func(b *testing.B) {
			step := decoder(b, model)
			for range 70 {
				step()
			}
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
