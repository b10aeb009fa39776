package vec

// The kernels of attention over a KV cache: query-key dot products and the
// probability-weighted sum of value rows, for several queries at a time so
// that every cache row is read once for all of them, plus the conversions
// between float32 and F16 (IEEE half precision, as uint16 bits).
//
// A cache holds one row per position; rows are ks (or vs) elements apart and
// a head's d elements are contiguous in each row.

// ScoresF16 sets s[i·n+j] = Σ_c q[i·d+c] · k[j·ks+c] for the queries i < nq
// and the keys j < n, the keys being F16. It is defined by the loop
// scoresF16Generic (sequential float32 sums); the SIMD kernels sum in lanes
// and with fused multiply-adds, so each score may differ from the
// definition's by as much as a Dot of length d (see Dot). A query's score
// for a key does not depend on nq, n or the query's place in q.
func ScoresF16(s, q []float32, k []uint16, nq, n, d, ks int) {
	s, q = s[:nq*n], q[:nq*d]
	if n == 0 || nq == 0 {
		return
	}
	k = k[:(n-1)*ks+d]
	scoresF16(s, q, k, nq, n, d, ks)
}

// MixF16 sets out[i·d+c] = Σ_j p[i·n+j] · v[j·vs+c] for the queries i < nq
// and the elements c < d, the value rows being F16. It is defined by the
// loop mixF16Generic (a sequential float32 sum over j of rounded products);
// the SIMD kernels sum in the same order with fused multiply-adds, so each
// element may differ from the definition's by at most
// 2·n·2⁻²⁴·Σ_j|p·v| + n·2⁻¹⁴⁹, and does not depend on nq or the query's
// place in p. Value rows of zero probability are still read: 0·Inf is NaN.
func MixF16(out, p []float32, v []uint16, nq, n, d, vs int) {
	out, p = out[:nq*d], p[:nq*n]
	if n == 0 || d == 0 {
		clear(out)
		return
	}
	v = v[:(n-1)*vs+d]
	mixF16(out, p, v, nq, n, d, vs)
}

// ScoresF32 is ScoresF16 for a float32 cache: each score is Dot(q_i, k_j).
func ScoresF32(s, q, k []float32, nq, n, d, ks int) {
	s, q = s[:nq*n], q[:nq*d]
	if n == 0 || nq == 0 {
		return
	}
	k = k[:(n-1)*ks+d]
	for i := range nq {
		qi := q[i*d : (i+1)*d]
		for j := range n {
			s[i*n+j] = Dot(qi, k[j*ks:j*ks+d])
		}
	}
}

// MixF32 is MixF16 for a float32 cache, summed with Axpy (rounded products,
// no fused multiply-adds, in the order of j).
func MixF32(out, p, v []float32, nq, n, d, vs int) {
	out, p = out[:nq*d], p[:nq*n]
	clear(out)
	if n == 0 || d == 0 {
		return
	}
	v = v[:(n-1)*vs+d]
	for i := range nq {
		oi := out[i*d : (i+1)*d]
		for j, w := range p[i*n : (i+1)*n] {
			Axpy(oi, w, v[j*vs:j*vs+d])
		}
	}
}

// F16ToF32 sets dst[i] to the value of the F16 src[i] (exact).
func F16ToF32(dst []float32, src []uint16) {
	f16ToF32(dst, src[:len(dst)])
}

// F32ToF16 sets dst[i] to src[i] rounded to F16, to nearest with ties to
// even; NaNs stay NaN (quiet, payload truncated).
func F32ToF16(dst []uint16, src []float32) {
	f32ToF16(dst, src[:len(dst)])
}

// RoundF16 rounds every element of x to F16 precision in place:
// x[i] = F16ToF32(F32ToF16(x[i])).
func RoundF16(x []float32) {
	roundF16(x)
}
