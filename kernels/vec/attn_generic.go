package vec

import "math"

// The pure-Go definitions of the attention and F16 kernels.

func scoresF16Generic(s, q []float32, k []uint16, nq, n, d, ks int) {
	for i := range nq {
		qi := q[i*d : (i+1)*d]
		for j := range n {
			kj := k[j*ks : j*ks+d]
			var sum float32
			for c, x := range qi {
				sum += float32(x * half(kj[c]))
			}
			s[i*n+j] = sum
		}
	}
}

func mixF16Generic(out, p []float32, v []uint16, nq, n, d, vs int) {
	clear(out[:nq*d])
	for i := range nq {
		oi := out[i*d : (i+1)*d]
		for j, w := range p[i*n : (i+1)*n] {
			vj := v[j*vs : j*vs+d]
			for c := range oi {
				oi[c] += float32(w * half(vj[c]))
			}
		}
	}
}

func f16ToF32Generic(dst []float32, src []uint16) {
	for i, h := range src[:len(dst)] {
		dst[i] = half(h)
	}
}

func f32ToF16Generic(dst []uint16, src []float32) {
	for i, f := range src[:len(dst)] {
		dst[i] = toHalf(f)
	}
}

func roundF16Generic(x []float32) {
	for i, f := range x {
		x[i] = half(toHalf(f))
	}
}

// half returns the value of the F16 h (the same as quant.F16ToF32).
func half(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f && mant == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f: // NaN: keep the payload, set the quiet bit
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	}
	// Zero or subnormal: mant·2⁻²⁴, exact in float32.
	f := float32(mant) * 0x1p-24
	return math.Float32frombits(sign | math.Float32bits(f))
}

// toHalf rounds f to F16, to nearest with ties to even (the same as
// quant.F32ToF16).
func toHalf(f float32) uint16 {
	u := math.Float32bits(f)
	sign := uint16(u>>16) & 0x8000
	a := u & 0x7fffffff
	switch {
	case a > 0x7f800000: // NaN: quiet, payload truncated
		return sign | 0x7e00 | uint16((a>>13)&0x3ff)
	case a >= 0x477ff000: // ≥ 65520 rounds to infinity
		return sign | 0x7c00
	case a < 0x38800000: // below 2⁻¹⁴: a subnormal half, in units of 2⁻²⁴
		// The float32 addition rounds to nearest even at 2⁻²⁴.
		g := math.Float32frombits(a) + 0.5
		return sign | uint16(math.Float32bits(g)-0x3f000000)
	}
	// Normal: rebias the exponent and round the 13 dropped bits.
	r := a + 0xfff + (a>>13)&1 - (127-15)<<23
	return sign | uint16(r>>13)
}
