package vec

import "math"

// The exponential used by Softmax, SiLU, SwiGLU and GELU. It is not
// math.Exp: it is a float32 algorithm that the SIMD kernels evaluate with the
// very same operations, so every implementation gives the same bits. Its
// error against the exact exp (float64 math.Exp) is at most 8.6e-8 relative
// for results in the normal float32 range (TestExpAccuracy checks all
// float32 inputs there); results that are subnormal are exp correctly
// rounded from the same approximation.

// Constants of exp32. ln2Hi has 15 significant bits, so n·ln2Hi is exact for
// every |n| ≤ 150 the clamped input produces.
const (
	expMin   = -104                // exp(-104) is below half the smallest subnormal
	expMax   = 89                  // exp(89) overflows float32
	expLog2e = 1.44269504088896341 // rounded to float32 when used
	expLn2Hi = 0.693145751953125   // 0x3f317200
	expLn2Lo = 1.428606765330187e-06
	expC2    = 1.0 / 2
	expC3    = 1.0 / 6
	expC4    = 1.0 / 24
	expC5    = 1.0 / 120
	expC6    = 1.0 / 720
	expC7    = 1.0 / 5040
)

// exp32 is the definition of the exponential of the vec kernels:
//
//  1. x is clamped to [-104, 89] (a NaN is returned as it is);
//  2. n = x·log2(e) rounded to the nearest integer, ties to even;
//  3. r = (x − n·ln2Hi) − n·ln2Lo, with |r| ≤ ln2/2 (about);
//  4. p = 1 + (r + r²·q(r)), with q the degree-5 Horner polynomial of the
//     Taylor coefficients 1/2! … 1/7!;
//  5. the result is p·2ⁿ, rounded once.
//
// Every operation is a float32 multiply or add, rounded to nearest, never
// fused (the explicit conversions keep the compiler from fusing them).
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, expMin), expMax)
	n := float32(math.RoundToEven(float64(float32(x * expLog2e))))
	r := (x - float32(n*expLn2Hi)) - float32(n*expLn2Lo)
	q := float32(expC7)
	q = float32(q*r) + expC6
	q = float32(q*r) + expC5
	q = float32(q*r) + expC4
	q = float32(q*r) + expC3
	q = float32(q*r) + expC2
	p := 1 + (r + float32(float32(r*r)*q))
	return ldexp32(p, int32(n))
}

// ldexp32 returns p·2ⁿ rounded once, for p in [0.5, 2] and n in [-150, 128]:
// p·2^⌊n/2⌋ is exact (a normal float32), and the second product rounds.
func ldexp32(p float32, n int32) float32 {
	k1 := n >> 1
	k2 := n - k1
	p = float32(p * math.Float32frombits(uint32(k1+127)<<23))
	return float32(p * math.Float32frombits(uint32(k2+127)<<23))
}

// silu32 is x·sigmoid(x), computed as x / (1 + exp32(−x)).
func silu32(x float32) float32 {
	return x / (1 + exp32(-x))
}

// gelu32 is the tanh approximation of GELU,
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed in the equal form
// x / (1 + exp(−2·√(2/π)·(x + 0.044715·x³))), which cancels nowhere:
//
//	u = ((x·x)·0.044715)·x;  u = (x + u)·(−2·√(2/π));  x / (1 + exp32(u))
func gelu32(x float32) float32 {
	const k, m = 0.044715, -2 * 0.7978845608028654
	u := float32(float32(float32(x*x)*k) * x)
	u = float32((x + u) * m)
	return x / (1 + exp32(u))
}

var negInf = float32(math.Inf(-1))
