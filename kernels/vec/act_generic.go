package vec

// The pure-Go definitions of the element-wise kernels (Exp, Scale, SiLU,
// SwiGLU, GELU) and of the passes of ScaledSoftmax. The SIMD kernels of the
// element-wise ones give the same bits; those of softmax differ only in the
// order of the float64 sum (see ScaledSoftmax).

func expGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

func scaleGeneric(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = s * v
	}
}

func siluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = silu32(v)
	}
}

func swigluGeneric(dst, gate, up []float32) {
	gate, up = gate[:len(dst)], up[:len(dst)]
	for i, v := range gate {
		dst[i] = silu32(v) * up[i]
	}
}

func geluGeneric(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = gelu32(v)
	}
}

// scaleMaskGeneric sets x[i] = x[i]·scale + mask[i], or −Inf where mask[i]
// is −Inf (whatever x[i] is); an empty mask adds nothing. It returns the
// largest result that is not NaN, or −Inf if there is none.
func scaleMaskGeneric(x []float32, scale float32, mask []float32) float32 {
	m := negInf
	if len(mask) == 0 {
		for i, v := range x {
			v *= scale
			x[i] = v
			if v > m {
				m = v
			}
		}
		return m
	}
	mask = mask[:len(x)]
	for i, v := range x {
		v = float32(v*scale) + mask[i]
		if mask[i] == negInf {
			v = negInf
		}
		x[i] = v
		if v > m {
			m = v
		}
	}
	return m
}

// expSumGeneric sets x[i] = exp32(x[i] − m) and returns Σ x[i], summed in
// float64 in index order.
func expSumGeneric(x []float32, m float32) float64 {
	var sum float64
	for i, v := range x {
		e := exp32(v - m)
		x[i] = e
		sum += float64(e)
	}
	return sum
}
