// Package vec holds the float32 kernels of the CPU backend: dot products, norms,
// softmax, activations and rotary embeddings. Each function here is written as
// the plain loop that defines it; faster variants must agree with it.
//
// Where llama.cpp's CPU backend rounds in a particular way (sums of squares and
// softmax denominators in float64, rotary angles by repeated multiplication) these
// kernels do the same, so that logits agree with llama.cpp's closely.
package vec

import "math"

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Mul sets dst[i] = a[i] · b[i].
func Mul(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Scale sets dst[i] = s · x[i].
func Scale(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = s * x[i]
	}
}

// RMSNorm sets dst[i] = x[i] / sqrt(mean(x²) + eps), with the sum of squares
// taken in float64.
func RMSNorm(dst, x []float32, eps float32) {
	x = x[:len(dst)]
	var sum float64
	for _, v := range x {
		sum += float64(v * v)
	}
	mean := float32(sum / float64(len(x)))
	scale := 1 / float32(math.Sqrt(float64(mean+eps)))
	for i, v := range x {
		dst[i] = v * scale
	}
}

// Softmax replaces x by exp(x - max) / Σ exp(x - max), with the sum taken in
// float64. Entries of -Inf become 0; a row that is all -Inf becomes all 0.
func Softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	if math.IsInf(float64(m), -1) {
		clear(x)
		return
	}
	var sum float64
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += float64(e)
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// SiLU sets dst[i] = x[i]·sigmoid(x[i]).
func SiLU(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = silu(v)
	}
}

// SwiGLU sets dst[i] = SiLU(gate[i])·up[i].
func SwiGLU(dst, gate, up []float32) {
	gate, up = gate[:len(dst)], up[:len(dst)]
	for i := range dst {
		dst[i] = silu(gate[i]) * up[i]
	}
}

func silu(v float32) float32 {
	return v / (1 + float32(math.Exp(float64(-v))))
}

// GELU sets dst[i] to the tanh approximation of GELU:
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
func GELU(dst, x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	x = x[:len(dst)]
	for i, v := range x {
		t := math.Tanh(c * float64(v) * (1 + 0.044715*float64(v)*float64(v)))
		dst[i] = float32(0.5 * float64(v) * (1 + t))
	}
}

// RopeAngles fills cos and sin (each of length dims/2) with the rotation of
// each dimension pair at position pos: pair i turns by
// pos·scale·base^(-2i/dims) / factors[i] (factors may be nil). Like llama.cpp,
// the per-pair frequency is formed by repeated float32 multiplication.
func RopeAngles(cos, sin []float32, pos, base, scale float32, factors []float32) {
	dims := 2 * len(cos)
	step := float32(math.Pow(float64(base), -2/float64(dims)))
	theta := pos
	for i := range cos {
		t := theta * scale
		if factors != nil {
			t /= factors[i]
		}
		s, c := math.Sincos(float64(t))
		cos[i], sin[i] = float32(c), float32(s)
		theta *= step
	}
}

// Rope rotates the first 2·len(cos) elements of one head x in place. In the
// normal layout dimension 2i pairs with 2i+1; in the NeoX layout dimension i
// pairs with i+len(cos).
func Rope(x, cos, sin []float32, neox bool) {
	half := len(cos)
	for i := range half {
		a, b := 2*i, 2*i+1
		if neox {
			a, b = i, i+half
		}
		x0, x1 := x[a], x[b]
		x[a] = x0*cos[i] - x1*sin[i]
		x[b] = x0*sin[i] + x1*cos[i]
	}
}
