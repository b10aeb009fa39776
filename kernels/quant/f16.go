package quant

import "math"

// IEEE 754 binary16 ("half", F16) and bfloat16 (BF16) conversions.
//
// The conversions work on bit patterns only, so they give the same result on
// every architecture and never depend on the FPU's rounding mode. They agree
// with x86's F16C instructions (VCVTPH2PS, VCVTPS2PH with round-to-nearest-
// even), which is what llama.cpp's CPU backend uses on amd64.

// F16ToF32 returns the float32 value of the half-precision bit pattern h.
// Every half value is exactly representable as a float32, subnormals
// included. A NaN keeps its sign and payload and comes back quiet.
func F16ToF32(h uint16) float32 {
	if e := h & 0x7c00; e != 0 && e != 0x7c00 {
		// A normal number: move exponent and mantissa into place and
		// rebias the exponent from 15 to 127 (add 112<<23).
		return math.Float32frombits(uint32(h&0x8000)<<16 | (uint32(h&0x7fff)<<13 + 112<<23))
	}
	return f16SpecialToF32(h)
}

// f16SpecialToF32 converts the halves F16ToF32 does not handle inline:
// zeros, subnormals, infinities and NaNs.
func f16SpecialToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff

	switch {
	case exp == 0x1f && mant == 0: // ±Inf
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f: // NaN: keep the payload, set the quiet bit
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal half: mant × 2^-24. Shift the mantissa up until its leading
	// one reaches the implicit-bit position (bit 10), lowering the exponent
	// by one per shift; the result is a normal float32.
	e := uint32(127 - 15 + 1)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// F32ToF16 returns the half-precision bit pattern nearest to f, rounding
// ties to even (as VCVTPS2PH does with rounding mode 0). Values too large for
// a half become ±Inf, values too small become subnormals or ±0, and a NaN
// stays a quiet NaN that keeps the top bits of its payload.
func F32ToF16(f float32) uint16 {
	u := math.Float32bits(f)
	sign := uint16(u>>16) & 0x8000
	exp := int32(u>>23) & 0xff
	mant := u & 0x7fffff

	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}

	e := exp - 127 + 15 // the exponent rebiased for a half
	switch {
	case e >= 0x1f:
		// |f| >= 2^16, beyond the largest half (65504) and past the
		// rounding boundary (65520): infinity.
		return sign | 0x7c00
	case e <= 0:
		// The result is a half subnormal (or zero, or rounds up to the
		// smallest normal). In units of 2^-24 the value is sig >> shift,
		// where sig is the 24-bit significand with its implicit one.
		if e < -10 {
			// |f| < 2^-25, below half of the smallest subnormal.
			return sign
		}
		sig := mant | 0x800000
		shift := uint32(14 - e)
		return sign | uint16(roundShift(sig, shift))
	default:
		// Normal half: keep the top 10 mantissa bits, round on the other
		// 13. A carry out of the mantissa correctly bumps the exponent,
		// up to infinity (0x7c00) for 65520 and above.
		r := uint32(e)<<10 | mant>>13
		return sign | uint16(roundBits(r, mant&0x1fff, 0x1000))
	}
}

// roundShift returns x >> shift rounded to nearest, ties to even.
func roundShift(x, shift uint32) uint32 {
	rem := x & (1<<shift - 1)
	return roundBits(x>>shift, rem, 1<<(shift-1))
}

// roundBits rounds the truncated value r up by one when the discarded bits
// rem are above half, or exactly half and r is odd (ties to even).
func roundBits(r, rem, half uint32) uint32 {
	if rem > half || (rem == half && r&1 == 1) {
		r++
	}
	return r
}

// BF16ToF32 returns the float32 value of the bfloat16 bit pattern h: the top
// 16 bits of a float32.
func BF16ToF32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// F32ToBF16 returns the bfloat16 bit pattern nearest to f, rounding ties to
// even. A NaN stays NaN: its top payload bits are kept and the quiet bit is
// set. Subnormals are rounded, not flushed to zero (as ggml's scalar
// conversion does).
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	// Adding 0x7fff, plus one more when the kept part is odd, carries into
	// bit 16 exactly when the discarded half is above (or, for odd, at)
	// the halfway point.
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}
