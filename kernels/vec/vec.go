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

// Scale sets dst[i] = s · x[i] (scaleGeneric; every implementation gives the
// same bits). dst and x may be the same slice.
func Scale(dst, x []float32, s float32) {
	scale(dst, x[:len(dst)], s)
}

// Exp sets dst[i] = exp(x[i]) as computed by exp32 (see there: at most
// 8.6e-8 relative error; every implementation gives the same bits). dst and x
// may be the same slice.
func Exp(dst, x []float32) {
	exp(dst, x[:len(dst)])
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

// Softmax replaces x by exp(x - max) / Σ exp(x - max): ScaledSoftmax(x, 1, nil).
func Softmax(x []float32) {
	ScaledSoftmax(x, 1, nil)
}

// ScaledSoftmax replaces x by the softmax of y[i] = x[i]·scale + mask[i]
// (mask may be nil; where mask[i] is −Inf, y[i] is −Inf whatever x[i] is):
// exp(y − max) / Σ exp(y − max), with exp32 and the sum taken in float64.
// Entries of −Inf become 0; a row that is all −Inf becomes all 0; a NaN or
// +Inf entry makes the row all NaN.
//
// The definition sums in index order (expSumGeneric); the SIMD kernels sum
// in float64 lanes, so the results may differ from the definition's by one
// rounding of the final scale, at most 2.5e-7 relative.
func ScaledSoftmax(x []float32, scale float32, mask []float32) {
	if mask != nil {
		mask = mask[:len(x)]
	}
	m := scaleMask(x, scale, mask)
	if m == negInf {
		clear(x)
		return
	}
	sum := expSum(x, m)
	Scale(x, x, float32(1/sum))
}

// SiLU sets dst[i] = x[i]·sigmoid(x[i]) = x[i] / (1 + exp32(−x[i])) (every
// implementation gives the same bits).
func SiLU(dst, x []float32) {
	silu(dst, x[:len(dst)])
}

// SwiGLU sets dst[i] = SiLU(gate[i])·up[i] (every implementation gives the
// same bits).
func SwiGLU(dst, gate, up []float32) {
	swiglu(dst, gate[:len(dst)], up[:len(dst)])
}

// GELU sets dst[i] to the tanh approximation of GELU,
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as computed by gelu32 (every
// implementation gives the same bits).
func GELU(dst, x []float32) {
	gelu(dst, x[:len(dst)])
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
