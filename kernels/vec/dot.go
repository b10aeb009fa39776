package vec

// Dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as long.
// It is defined by the loop
//
//	var s float32
//	for i := range a {
//		s += a[i] * b[i]
//	}
//
// (dotGeneric). Faster implementations sum in another order, in several
// lanes and with fused multiply-adds, so the result may differ from that
// loop's by at most 2·n·2⁻²⁴·Σ|a[i]·b[i]| + n·2⁻¹⁴⁹ (n = len(a)); a NaN or
// infinite result is the same.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	return dot(a, b)
}

// Axpy adds a·x to y element-wise: y[i] += a·x[i]; x must be at least as
// long as y. It is defined by the loop
//
//	for i := range y {
//		y[i] += float32(a * x[i])
//	}
//
// (axpyGeneric): the product is rounded to float32 before the addition, never
// fused, and every implementation gives the same bits (up to the payload of
// NaNs). x and y may be the same slice but must not overlap otherwise.
func Axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	axpy(y, a, x)
}
