package vec

import (
	"math"
	"testing"
)

func close32(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > tol {
			t.Errorf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

func TestHandValues(t *testing.T) {
	if got := Dot([]float32{1, 2, 3}, []float32{4, -5, 6, 99}); got != 12 {
		t.Errorf("Dot = %g, want 4-10+18 = 12", got)
	}
	y := []float32{1, 1}
	Axpy(y, 2, []float32{3, -1})
	close32(t, "Axpy", y, []float32{7, -1}, 0)

	// [3, 4]: mean square 12.5.
	out := make([]float32, 2)
	RMSNorm(out, []float32{3, 4}, 0)
	r := 1 / math.Sqrt(12.5)
	close32(t, "RMSNorm", out, []float32{float32(3 * r), float32(4 * r)}, 1e-7)

	// softmax([0, ln 3, -Inf]) = [1/4, 3/4, 0]
	x := []float32{0, float32(math.Log(3)), float32(math.Inf(-1))}
	Softmax(x)
	close32(t, "Softmax", x, []float32{0.25, 0.75, 0}, 1e-7)
	all := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
	Softmax(all)
	close32(t, "Softmax all -Inf", all, []float32{0, 0}, 0)

	// silu(0) = 0, silu(x) = x/(1+e^-x).
	s := make([]float32, 3)
	SiLU(s, []float32{0, 1, -2})
	close32(t, "SiLU", s, []float32{0, float32(1 / (1 + math.Exp(-1))), float32(-2 / (1 + math.Exp(2)))}, 1e-7)

	// gelu(0) = 0; gelu(1) with tanh(√(2/π)·1.044715) = 0.8411920...
	g := make([]float32, 2)
	GELU(g, []float32{0, 1})
	close32(t, "GELU", g, []float32{0, float32(0.5 * (1 + math.Tanh(math.Sqrt(2/math.Pi)*1.044715)))}, 1e-7)
}

func TestRopeAngles(t *testing.T) {
	// dims 4, base 10000: pair 0 turns by pos, pair 1 by pos/100; factor 2 halves pair 1.
	cos, sin := make([]float32, 2), make([]float32, 2)
	RopeAngles(cos, sin, 3, 10000, 1, []float32{1, 2})
	close32(t, "cos", cos, []float32{float32(math.Cos(3)), float32(math.Cos(0.015))}, 1e-6)
	close32(t, "sin", sin, []float32{float32(math.Sin(3)), float32(math.Sin(0.015))}, 1e-6)

	// A quarter turn maps (1, 0) to (0, 1), and leaves dims past 2·len(cos) alone.
	h := []float32{1, 0, 5}
	Rope(h, []float32{0}, []float32{1}, false)
	close32(t, "rope", h, []float32{0, 1, 5}, 0)
}
